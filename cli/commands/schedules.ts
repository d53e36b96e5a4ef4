import {
  ConflictException,
  CreateScheduleCommand,
  GetScheduleCommand,
  paginateListSchedules,
  ResourceNotFoundException,
  type GetScheduleCommandOutput,
} from '@aws-sdk/client-scheduler';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { z } from 'zod';
import { EventQueries } from '../../functions/operator/event-queries';
import { INTERNAL_PROVIDER_ID } from '../../functions/providers/internal/index';
import type { Environment } from '../environment';
import { json, positiveInt, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';
import {
  deadLetteredTickOf,
  nextTickOf,
  replayAt,
  replayScheduleName,
  type DeadLetteredTick,
} from '../schedule-ticks';

/** Long enough to decide on a batch of messages; a replay that dies leaves them to reappear. */
const REPLAY_VISIBILITY_SECONDS = 120;

const noSchedules = (env: Environment) =>
  `Stack ${env.stackName} has no schedules (none configured, or deployed before schedules existed).`;

/** The tick template a schedule's target carries: its tenant names the entity its events belong to. */
const tenantOf = (schedule: GetScheduleCommandOutput): string => {
  let input: unknown;
  try {
    input = JSON.parse(schedule.Target?.Input ?? '');
  } catch {
    return 'default';
  }
  const tick = z.object({ relayflowSchedule: z.object({ tenant: z.string().optional() }) }).safeParse(input);
  return (tick.success ? tick.data.relayflowSchedule.tenant : undefined) ?? 'default';
};

const listSchedules = async (deps: CliDependencies, globals: () => GlobalOptions) => {
  const env = await deps.connect(globals());
  const group = env.outputs.ScheduleGroupName;
  if (group === undefined) {
    deps.output.out(globals().json ? json({ stack: env.stackName, schedules: [] }) : noSchedules(env));
    return;
  }
  const queries = new EventQueries(env.dynamodb, env.output('EventTableName'));
  const now = deps.now();
  const names: string[] = [];
  for await (const page of paginateListSchedules({ client: env.scheduler }, { GroupName: group }))
    names.push(...(page.Schedules ?? []).flatMap((s) => (s.Name ? [s.Name] : [])));
  const rows = [];
  for (const name of names.sort()) {
    const schedule = await env.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    const expression = schedule.ScheduleExpression ?? '';
    const next = nextTickOf(
      {
        expression,
        timezone: schedule.ScheduleExpressionTimezone,
        state: schedule.State,
        startDate: schedule.StartDate,
        creationDate: schedule.CreationDate,
      },
      now,
    );
    const page = await queries.entityPage(
      { tenant: tenantOf(schedule), provider: INTERNAL_PROVIDER_ID, kind: 'schedule', id: name },
      { limit: 1, newestFirst: true },
    );
    const [newest] = await queries.states(page.entries.map((e) => e.eventId));
    rows.push({
      name,
      expression,
      timezone: schedule.ScheduleExpressionTimezone ?? 'UTC',
      state: schedule.State ?? 'ENABLED',
      nextTick: next?.toISOString() ?? null,
      lastTick: newest
        ? { scheduledTime: newest.occurredAt, eventId: newest.eventId, status: newest.status }
        : null,
    });
  }
  if (globals().json) {
    deps.output.out(json({ stack: env.stackName, group, schedules: rows }));
    return;
  }
  deps.output.out(
    rows.length === 0
      ? `Schedule group ${group} is empty.`
      : table(
          ['NAME', 'EXPRESSION', 'TIMEZONE', 'STATE', 'NEXT TICK', 'LAST TICK', 'LAST STATUS'],
          rows.map((r) => [
            r.name,
            r.expression,
            r.timezone,
            r.state,
            r.nextTick ?? '-',
            r.lastTick?.scheduledTime ?? '-',
            r.lastTick?.status ?? '',
          ]),
        ),
  );
};

interface Decided {
  readonly queueUrl: string;
  readonly message: Message;
  readonly dead?: DeadLetteredTick;
  /** What replay did (or, in a dry run, would do). */
  readonly action: string;
  /** Its message leaves the queue: the tick was handed to a one-time schedule. */
  readonly done: boolean;
}

const attributesOf = (message: Message): Record<string, string> =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) =>
      value.StringValue === undefined ? [] : [[name, value.StringValue]],
    ),
  );

const replayTicks = async (
  deps: CliDependencies,
  globals: () => GlobalOptions,
  options: { execute: boolean; limit: number },
) => {
  const env = await deps.connect(globals());
  const group = env.outputs.ScheduleGroupName;
  if (group === undefined) {
    deps.output.out(globals().json ? json({ stack: env.stackName, ticks: [] }) : noSchedules(env));
    return;
  }
  // Scheduler's dead-letter events, then the ticks among the producer's failed asynchronous events.
  const queues: { readonly url: string; readonly gaveUp: DeadLetteredTick['gaveUp'] }[] = [
    { url: env.output('ScheduleDeadLetterQueueUrl'), gaveUp: 'scheduler' },
    ...(env.outputs.ProducerDeadLetterQueueUrl
      ? [{ url: env.outputs.ProducerDeadLetterQueueUrl, gaveUp: 'lambda' as const }]
      : []),
  ];
  const targets = new Map<string, GetScheduleCommandOutput | undefined>();
  const targetOf = async (name: string) => {
    if (!targets.has(name)) {
      try {
        targets.set(name, await env.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        targets.set(name, undefined);
      }
    }
    return targets.get(name);
  };
  const at = replayAt(deps.now());

  const decide = async (queueUrl: string, message: Message, dead: DeadLetteredTick): Promise<Decided> => {
    const base = { queueUrl, message, dead };
    const { name, scheduledTime } = dead.tick.relayflowSchedule;
    const schedule = await targetOf(name);
    if (!schedule?.Target) return { ...base, action: `left: schedule ${name} no longer exists`, done: false };
    const replayName = replayScheduleName(dead.tick);
    if (!options.execute) return { ...base, action: `would replay as ${replayName}, ${at}`, done: false };
    try {
      await env.scheduler.send(
        new CreateScheduleCommand({
          Name: replayName,
          GroupName: group,
          ScheduleExpression: at,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description:
            `RelayFlow replay of ${name}'s tick of ${scheduledTime} (${dead.gaveUp}: ${dead.error})`.slice(
              0,
              512,
            ),
          // The original tick, time included: delivered again, it has the same idempotency key.
          Target: { ...schedule.Target, Input: JSON.stringify(dead.tick) },
        }),
      );
      return { ...base, action: `replayed as ${replayName}, ${at}`, done: true };
    } catch (error) {
      if (error instanceof ConflictException)
        return { ...base, action: `already replayed as ${replayName}`, done: true };
      return { ...base, action: `left: ${(error as Error).message}`, done: false };
    }
  };

  const decided: Decided[] = [];
  let otherMessages = 0;
  const held: { readonly queueUrl: string; readonly message: Message }[] = [];
  const release = async () => {
    for (const { url } of queues) {
      const messages = held.filter((h) => h.queueUrl === url).map((h) => h.message);
      for (let i = 0; i < messages.length; i += 10) {
        await env.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: messages.slice(i, i + 10).map((m, n) => ({
              Id: String(n),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      }
    }
  };
  try {
    for (const queue of queues) {
      for (let looked = 0; looked < options.limit;) {
        const received = await env.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: Math.min(10, options.limit - looked),
            VisibilityTimeout: REPLAY_VISIBILITY_SECONDS,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
          }),
        );
        if (!received.Messages?.length) break;
        looked += received.Messages.length;
        for (const message of received.Messages) {
          const dead = deadLetteredTickOf(queue.gaveUp, message.Body ?? '', attributesOf(message));
          if (!dead) {
            held.push({ queueUrl: queue.url, message });
            if (queue.gaveUp === 'lambda') otherMessages += 1;
            else
              decided.push({
                queueUrl: queue.url,
                message,
                action: 'left: not a schedule tick',
                done: false,
              });
            continue;
          }
          const decision = await decide(queue.url, message, dead);
          // Only once its one-time schedule exists: the tick is never in neither place.
          if (decision.done)
            await env.sqs.send(
              new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }),
            );
          else held.push({ queueUrl: queue.url, message });
          decided.push(decision);
        }
      }
    }
  } finally {
    await release();
  }

  const ticks = decided.map(({ message, dead, action }) => ({
    messageId: message.MessageId,
    schedule: dead?.tick.relayflowSchedule.name ?? null,
    scheduledTime: dead?.tick.relayflowSchedule.scheduledTime ?? null,
    gaveUp: dead?.gaveUp ?? null,
    error: dead?.error ?? null,
    condition: dead?.condition ?? null,
    action,
  }));
  if (globals().json) {
    deps.output.out(json({ stack: env.stackName, dryRun: !options.execute, ticks, otherMessages }));
    return;
  }
  const replayed = decided.filter((d) => d.done).length;
  deps.output.out(
    [
      ticks.length === 0
        ? 'No failed tick is waiting in the dead-letter queues.'
        : table(
            ['SCHEDULE', 'SCHEDULED TIME', 'FAILED', 'ACTION'],
            ticks.map((t) => [
              t.schedule ?? t.messageId,
              t.scheduledTime ?? '',
              t.gaveUp ? `${t.gaveUp}: ${t.error}` : '',
              t.action,
            ]),
          ),
      ...(otherMessages > 0
        ? [
            `${otherMessages} other messages (event source deliveries) were left in the producer's dead-letter queue.`,
          ]
        : []),
      ...(options.execute
        ? [`${replayed} of ${ticks.length} ticks handed to one-time schedules.`]
        : ticks.length > 0
          ? ['Dry run: nothing changed. Add --execute to replay.']
          : []),
    ].join('\n'),
  );
};

export const registerSchedules = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  const schedules = program
    .command('schedules')
    .description('Scheduled triggers: their next and last ticks, and the replay of ticks that failed');
  schedules
    .command('list')
    .description(
      "Each schedule's expression, time zone, state, next tick and last tick (the newest event it produced)",
    )
    .action(() => listSchedules(deps, globals));
  schedules
    .command('replay')
    .description(
      'Delivers the ticks in the schedules dead-letter queue again, each through a one-time schedule (a dry run unless --execute)',
    )
    .option('--execute', 'create the one-time schedules and delete the messages they replace', false)
    .option('--limit <n>', 'dead-letter messages to look at', positiveInt('--limit', 1000), 100)
    .action((options: { execute: boolean; limit: number }) => replayTicks(deps, globals, options));
};
