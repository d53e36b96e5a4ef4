import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { EventQueries } from '../../../functions/operator/event-queries';
import {
  MAX_LIMIT,
  MAX_RATE_PER_SECOND,
  SELECTABLE_STATUSES,
  type ReplayInput,
} from '../../../functions/replay/request';
import { PlanSchema, type Plan } from '../../../functions/replay/state';
import { causeText, executionName, executionProgressOf, replayInputOf } from '../../commands/replay';
import { CliError } from '../../environment';
import type { ReplayRun } from '../contract';
import { BadRequest } from './events';

/** A plan needs no reason from the operator (it changes nothing); the state machine's input takes one. */
const PLAN_REASON = 'plan from the console';
/** How long a plan (a dry-run execution) may take before the console gives up waiting. */
const PLAN_TIMEOUT_MS = 120_000;
const POLL_MS = 500;

const text = () => z.string().trim().min(1).max(512);
const isoTime = () =>
  z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2025-06-01T10:00:00Z' });

/** The body of POST /api/replay/plan and POST /api/replay (contract.ts ReplaySelection). */
export const ReplaySelectionSchema = z.strictObject({
  eventIds: z.array(text()).min(1).max(MAX_LIMIT).optional(),
  source: z.enum(['dlq', 'store']).optional(),
  statuses: z.array(z.enum(SELECTABLE_STATUSES)).min(1).optional(),
  provider: text().optional(),
  tenant: text().optional(),
  type: text().optional(),
  entity: z
    .string()
    .regex(/^[^:\s]+:\S+$/, 'must be written kind:id, e.g. customer:cus_123')
    .optional(),
  since: isoTime().optional(),
  until: isoTime().optional(),
  limit: z.int().min(1).max(MAX_LIMIT).optional(),
  ratePerSecond: z.number().gt(0).max(MAX_RATE_PER_SECOND).optional(),
  force: z.boolean().optional(),
  renormalize: z.boolean().optional(),
  confirm: z.boolean().optional(),
  reason: z.string().trim().max(500).optional(),
});
export type ReplaySelection = z.infer<typeof ReplaySelectionSchema>;

/**
 * The state machine's input for a selection, built and checked as `relayflow replay` builds it.
 * Replaying needs a reason, and `force` or `renormalize` need `confirm`.
 */
export const replayInputFor = (selection: ReplaySelection, dryRun: boolean, now: Date): ReplayInput => {
  if (!dryRun) {
    if (!selection.reason || selection.reason.length < 3)
      throw new BadRequest(
        "reason is required (at least 3 characters): say why you replay, it is written to every event's audit timeline.",
      );
    if ((selection.force || selection.renormalize) && !selection.confirm)
      throw new BadRequest(
        'force and renormalize change what runs again: confirm them with confirm: true after reading the plan.',
      );
  }
  try {
    return replayInputOf(
      {
        from: selection.source ?? 'dlq',
        status: selection.statuses ? [...selection.statuses] : undefined,
        provider: selection.provider,
        type: selection.type,
        entity: selection.entity,
        tenant: selection.tenant,
        since: selection.since,
        until: selection.until,
        id: selection.eventIds ? [...selection.eventIds] : undefined,
        limit: selection.limit,
        rate: selection.ratePerSecond,
        force: selection.force,
        renormalize: selection.renormalize,
        reason: selection.reason || (dryRun ? PLAN_REASON : undefined),
        execute: !dryRun,
      },
      now,
    );
  } catch (error) {
    if (error instanceof CliError) throw new BadRequest(error.message);
    throw error;
  }
};

export interface ReplayDependencies {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  readonly queries: Pick<EventQueries, 'states'>;
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** Execution names the console accepts in a URL: what Step Functions allows, nothing that reshapes an ARN. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The ARN of the replay state machine's execution `name`. */
export const executionArnOf = (stateMachineArn: string, name: string): string => {
  if (!EXECUTION_NAME.test(name)) throw new BadRequest(`${name.slice(0, 80)} is not a replay execution id.`);
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
};

/** Starts the replay state machine; answers the execution's name, its id in the console's URLs. */
export const startReplay = async (deps: ReplayDependencies, input: ReplayInput): Promise<string> => {
  const name = executionName(deps.now(), 'console');
  await deps.sfn.send(
    new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  return name;
};

/** Runs a dry run to its end and answers its plan. */
export const planReplay = async (deps: ReplayDependencies, input: ReplayInput): Promise<Plan> => {
  const executionArn = executionArnOf(deps.stateMachineArn, await startReplay(deps, input));
  const deadline = deps.now().getTime() + PLAN_TIMEOUT_MS;
  for (;;) {
    const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status === 'SUCCEEDED') return PlanSchema.parse(JSON.parse(execution.output ?? '{}'));
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE')
      throw new Error(
        `The plan's execution ${execution.status?.toLowerCase() ?? 'ended'}: ${causeText(execution.cause ?? execution.error ?? 'no cause given')}`,
      );
    if (deps.now().getTime() > deadline)
      throw new Error(
        `The plan took longer than ${PLAN_TIMEOUT_MS / 1000} s; its execution is ${executionArn}.`,
      );
    await deps.sleep(POLL_MS);
  }
};

const InputIdsSchema = z.object({
  filter: z.object({ eventIds: z.array(z.string()).optional() }).optional(),
});

const idsOf = (input: string | undefined): string[] | undefined => {
  try {
    return InputIdsSchema.parse(JSON.parse(input ?? '{}')).filter?.eventIds;
  } catch {
    return undefined;
  }
};

/**
 * A replay's progress: its execution's status, the plan and the running summary its states
 * pass along (the final summary once it succeeded), and each selected event's status now: the
 * ids it was given, else the plan's sample. Undefined when there is no such execution.
 */
export const replayRun = async (
  deps: ReplayDependencies,
  executionId: string,
): Promise<ReplayRun | undefined> => {
  const executionArn = executionArnOf(deps.stateMachineArn, executionId);
  let execution;
  try {
    execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
  const { plan, summary } = await executionProgressOf(deps.sfn, executionArn, execution);
  const ids = idsOf(execution.input) ?? plan?.sample.map((event) => event.eventId) ?? [];
  const outcomes = (await deps.queries.states(ids)).map((state) => ({
    eventId: state.eventId,
    status: state.status,
  }));
  const failed = execution.status !== 'RUNNING' && execution.status !== 'SUCCEEDED';
  return {
    executionId,
    status: execution.status ?? 'RUNNING',
    startedAt: (execution.startDate ?? deps.now()).toISOString(),
    ...(execution.stopDate ? { stoppedAt: execution.stopDate.toISOString() } : {}),
    ...(plan ? { plan } : {}),
    ...(summary ? { summary } : {}),
    outcomes,
    ...(failed ? { error: causeText(execution.cause ?? execution.error ?? 'no cause given') } : {}),
  };
};
