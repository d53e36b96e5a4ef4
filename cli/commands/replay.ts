import { randomBytes } from 'node:crypto';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import {
  describeIssues,
  MAX_LIMIT,
  MAX_RATE_PER_SECOND,
  ReplayInputSchema,
  SELECTABLE_STATUSES,
  type ReplayInput,
} from '../../functions/replay/request';
import { PlanSchema, SummarySchema, type Plan, type Summary } from '../../functions/replay/state';
import { CliError } from '../environment';
import { collect, json, parseTime, positiveInt, positiveNumber, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';

export interface ReplayOptions {
  from: string;
  status?: string[];
  provider?: string;
  type?: string;
  entity?: string;
  tenant?: string;
  since?: string;
  until?: string;
  id?: string[];
  limit?: number;
  rate?: number;
  force?: boolean;
  renormalize?: boolean;
  reason?: string;
  execute?: boolean;
  wait?: boolean;
}

/** The state machine input the options describe, checked by the same schema the replay Lambda uses. */
export const replayInputOf = (options: ReplayOptions, now: Date): ReplayInput => {
  if (options.from !== 'dlq' && options.from !== 'store')
    throw new CliError(`--from must be dlq or store, not "${options.from}".`);
  const statuses = options.status?.map((s) => s.toUpperCase());
  const unknown = statuses?.filter((s) => !(SELECTABLE_STATUSES as readonly string[]).includes(s)) ?? [];
  if (unknown.length > 0)
    throw new CliError(
      `--status must be one of ${SELECTABLE_STATUSES.join(', ')}, not ${unknown.join(', ')}.`,
    );
  if (!options.reason)
    throw new CliError(
      "--reason is required: say why you replay, it is written to every event's audit timeline.",
    );
  const filter = {
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.type ? { type: options.type } : {}),
    ...(options.entity ? { entity: options.entity } : {}),
    ...(options.since ? { since: parseTime(options.since, now, '--since') } : {}),
    ...(options.until ? { until: parseTime(options.until, now, '--until') } : {}),
    ...(options.id?.length ? { eventIds: options.id } : {}),
  };
  const input = {
    source: options.from,
    ...(statuses?.length ? { statuses } : {}),
    filter,
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.rate ? { ratePerSecond: options.rate } : {}),
    dryRun: !options.execute,
    force: Boolean(options.force),
    renormalize: Boolean(options.renormalize),
    reason: options.reason,
  };
  const checked = ReplayInputSchema.safeParse(input);
  if (!checked.success) throw new CliError(`${describeIssues(checked.error)}.`);
  return input as ReplayInput;
};

/** A readable, unique execution name: who started it (`cli`, `console`) and when. */
export const executionName = (now: Date, by = 'cli') =>
  `${by}-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;

export interface Progress {
  readonly plan?: Plan;
  readonly summary?: Summary;
}

/** The newest plan and summary the execution's states have passed along. */
export const progressOf = async (sfn: SFNClient, executionArn: string): Promise<Progress> => {
  const history = await sfn.send(
    new GetExecutionHistoryCommand({
      executionArn,
      reverseOrder: true,
      maxResults: 25,
      includeExecutionData: true,
    }),
  );
  for (const event of history.events ?? []) {
    const output = event.stateExitedEventDetails?.output;
    if (!output) continue;
    try {
      const parsed = JSON.parse(output) as { plan?: unknown; summary?: unknown };
      const plan = PlanSchema.safeParse(parsed.plan);
      const summary = SummarySchema.safeParse(parsed.summary);
      if (plan.success) return { plan: plan.data, ...(summary.success ? { summary: summary.data } : {}) };
    } catch {
      // A state output that is not JSON carries no progress.
    }
  }
  return {};
};

/**
 * A replay's plan and summary as `--wait` shows them: what its states have passed along, and
 * once it succeeded, what its output says (the final summary, or a dry run's plan).
 */
export const executionProgressOf = async (
  sfn: SFNClient,
  executionArn: string,
  execution: { readonly status?: string; readonly output?: string },
): Promise<Progress> => {
  const progress = await progressOf(sfn, executionArn);
  if (execution.status !== 'SUCCEEDED' || !execution.output) return progress;
  const output = JSON.parse(execution.output) as unknown;
  const plan = PlanSchema.safeParse(output);
  const summary = SummarySchema.safeParse(output);
  return {
    ...progress,
    ...(plan.success ? { plan: plan.data } : {}),
    ...(summary.success ? { summary: summary.data } : {}),
  };
};

const bar = (done: number, total: number, width = 30) => {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
};

const progressLine = ({ plan, summary }: Progress): string | undefined => {
  if (!plan) return undefined;
  const s = summary ?? { handled: 0, replayed: 0, skipped: 0, failed: 0 };
  return `${bar(s.handled, plan.selected)} ${s.handled}/${plan.selected}  replayed ${s.replayed}  skipped ${s.skipped}  failed ${s.failed}`;
};

const printPlan = (deps: CliDependencies, plan: Plan, dryRun: boolean) => {
  const lines = [
    `${dryRun ? 'Dry run: ' : ''}${plan.matching}${plan.truncated ? '+' : ''} matching events (${plan.scanned} ${plan.source === 'dlq' ? 'dead-letter messages' : 'index entries'} read); ${plan.selected} would be replayed.`,
    `Batches of ${plan.batchSize}, ${plan.waitSeconds} s apart.`,
    ...(plan.unknownMessages > 0
      ? [`${plan.unknownMessages} dead-letter messages name no stored event; they stay in the DLQ.`]
      : []),
  ];
  if (plan.sample.length > 0) {
    lines.push(
      '',
      table(
        ['EVENT', 'STATUS', 'PROVIDER', 'TYPE', 'ENTITY', 'RECEIVED', 'LAST ERROR'],
        plan.sample.map((e) => [
          e.eventId,
          e.status,
          e.provider,
          e.type,
          e.entity,
          e.receivedAt,
          e.lastError,
        ]),
      ),
    );
  }
  if (dryRun) lines.push('', 'Nothing was changed. Add --execute to replay.');
  deps.output.out(lines.join('\n'));
};

const printSummary = (deps: CliDependencies, summary: Summary) => {
  const reasons = Object.entries(summary.skippedReasons)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const lines = [
    `Replayed ${summary.replayed}, skipped ${summary.skipped}${reasons ? ` (${reasons})` : ''}, failed ${summary.failed}, in ${summary.batches} batches.`,
  ];
  if (summary.stoppedEarly) lines.push(`Stopped early: ${summary.stoppedEarly}.`);
  if (summary.failures.length > 0)
    lines.push(
      '',
      table(
        ['EVENT', 'ERROR'],
        summary.failures.map((f) => [f.eventId, f.error]),
      ),
    );
  deps.output.out(lines.join('\n'));
};

export const registerReplay = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('replay')
    .description(
      'Replay dead-lettered or stored events through the replay state machine (a dry run unless --execute)',
    )
    .option(
      '--from <source>',
      'dlq (read the dead-letter queue) or store (select from the event store)',
      'dlq',
    )
    .option('--status <status>', `${SELECTABLE_STATUSES.join(' | ')} (repeat or comma-separate)`, collect)
    .option('--provider <id>', 'only events of this provider')
    .option('--type <type>', 'only this canonical type, or a glob (payment.*)')
    .option('--entity <kind:id>', 'only this entity (needs --provider), e.g. customer:cus_123')
    .option('--tenant <id>', 'only this tenant')
    .option('--since <time>', 'received at or after: ISO 8601 or a duration back from now (2h)')
    .option('--until <time>', 'received before: ISO 8601 or a duration back from now')
    .option('--id <eventId>', 'only these event ids (repeat or comma-separate)', collect)
    .option(
      '--limit <n>',
      `most events to handle (default 100, at most ${MAX_LIMIT})`,
      positiveInt('--limit', MAX_LIMIT),
    )
    .option(
      '--rate <perSecond>',
      `events per second (default 10, at most ${MAX_RATE_PER_SECOND})`,
      positiveNumber('--rate', MAX_RATE_PER_SECOND),
    )
    .option('--force', 'replay events that were already PROCESSED')
    .option(
      '--renormalize',
      "re-run the provider's current normalizer on the stored raw body (recovers QUARANTINED events)",
    )
    .option('--reason <text>', "why (required; written to every event's audit timeline)")
    .option('--execute', 'replay for real (without it, only the plan runs)')
    .option('--wait', 'follow the execution until it ends and print the summary')
    .action(async (options: ReplayOptions) => {
      const { json: asJson } = globals();
      const input = replayInputOf(options, deps.now());
      const env = await deps.connect(globals());
      const stateMachineArn = env.output('ReplayStateMachineArn');
      const started = await env.sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: executionName(deps.now()),
          input: JSON.stringify(input),
        }),
      );
      const executionArn = started.executionArn;
      if (!executionArn) throw new CliError('Step Functions started no execution.');
      const dryRun = input.dryRun !== false;
      if (!dryRun && !options.wait) {
        deps.output.out(
          asJson
            ? json({ executionArn, input })
            : `Replay started: ${executionArn}\nFollow it with --wait, or in the Step Functions console.`,
        );
        return;
      }
      if (!asJson) deps.output.err(`${dryRun ? 'Planning' : 'Replaying'}: ${executionArn}`);
      let last = '';
      for (;;) {
        const execution = await env.sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') {
          if (!asJson && !dryRun) {
            const line = progressLine(await progressOf(env.sfn, executionArn));
            if (line && line !== last) {
              deps.output.err(deps.output.interactive ? `\r${line}` : line);
              last = line;
            }
          }
          await deps.sleep(2000);
          continue;
        }
        if (last && deps.output.interactive) deps.output.err('\n');
        if (execution.status !== 'SUCCEEDED') {
          const cause = execution.cause ?? execution.error ?? execution.status ?? 'unknown';
          throw new CliError(
            `The replay execution ${execution.status?.toLowerCase() ?? 'ended'}: ${causeText(cause)}`,
          );
        }
        const output = JSON.parse(execution.output ?? '{}') as unknown;
        if (dryRun) {
          const plan = PlanSchema.parse(output);
          if (asJson) deps.output.out(json({ executionArn, plan }));
          else printPlan(deps, plan, true);
        } else {
          const summary = SummarySchema.parse(output);
          if (asJson) deps.output.out(json({ executionArn, summary }));
          else printSummary(deps, summary);
        }
        return;
      }
    });
};

/** A Lambda error's cause is JSON with `errorMessage`; show just that. */
export const causeText = (cause: string): string => {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage.replace(/\.?$/, '.');
  } catch {
    // Not JSON: the cause is already text.
  }
  return cause.replace(/\.?$/, '.');
};
