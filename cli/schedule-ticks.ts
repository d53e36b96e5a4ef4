import { createHash } from 'node:crypto';
import { ScheduleTickSchema, scheduleTickKey, type ScheduleTick } from '../functions/producer/contract';
import { atExpression, atTime, nextOccurrence, parseScheduleExpression } from '../lib/schedule-expression';

/**
 * A tick that failed is kept in one of two queues, with the tick itself as the message body
 * (docs/decisions/0048-schedules.md):
 * - the schedules' dead-letter queue, as Scheduler's dead-letter event, when Scheduler could not
 *   hand the tick to Lambda: what failed in the attributes ERROR_CODE, ERROR_MESSAGE, …;
 * - the producer's dead-letter queue, as Lambda's dead-letter message, when the producer failed on
 *   it and Lambda's asynchronous retries were spent: ErrorCode, ErrorMessage. That queue also
 *   holds event source deliveries, which are not ticks.
 */
export interface DeadLetteredTick {
  readonly tick: ScheduleTick;
  /** Who gave up: Scheduler (not delivered) or Lambda (delivered, the producer failed). */
  readonly gaveUp: 'scheduler' | 'lambda';
  /** `code: message` of the last failure, as far as the message says. */
  readonly error: string;
  /** Why Scheduler stopped retrying (MaximumRetryAttempts, MaximumEventAgeInSeconds). */
  readonly condition?: string;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The tick a dead-letter message of `queue` carries and why it failed, or undefined when it is no tick. */
export const deadLetteredTickOf = (
  queue: DeadLetteredTick['gaveUp'],
  body: string,
  attributes: Readonly<Record<string, string>>,
): DeadLetteredTick | undefined => {
  const tick = ScheduleTickSchema.safeParse(parseJson(body));
  if (!tick.success) return undefined;
  const [code, message] =
    queue === 'scheduler'
      ? [attributes.ERROR_CODE, attributes.ERROR_MESSAGE]
      : [attributes.ErrorCode, attributes.ErrorMessage];
  return {
    tick: tick.data,
    gaveUp: queue,
    error: `${code ?? 'unknown'}: ${message ?? ''}`.trim(),
    ...(attributes.EXHAUSTED_RETRY_CONDITION ? { condition: attributes.EXHAUSTED_RETRY_CONDITION } : {}),
  };
};

/**
 * The one-time schedule that delivers a tick again: named for the tick (so that replaying the same
 * tick twice is one schedule), beside its schedule, whose config names cannot hold a dot.
 */
export const replayScheduleName = (tick: ScheduleTick): string => {
  const { name, scheduledTime } = tick.relayflowSchedule;
  const digest = createHash('sha256').update(scheduleTickKey(name, scheduledTime)).digest('hex');
  return `${name}.replay-${digest.slice(0, 8)}`;
};

/** A replay runs a minute from now, on a whole second: Scheduler takes at() times in the future. */
export const replayAt = (now: Date): string =>
  atExpression(new Date(Math.ceil((now.getTime() + 60_000) / 1000) * 1000));

/** What `schedules list` shows of a schedule's timing, read from GetSchedule. */
export interface ScheduleTiming {
  readonly expression: string;
  readonly timezone?: string;
  readonly state?: string;
  readonly startDate?: Date;
  readonly creationDate?: Date;
}

/**
 * When a schedule ticks next after `now`, or undefined (disabled, finished, or an expression
 * this version cannot read). A rate schedule counts from its start date, else its creation.
 */
export const nextTickOf = (schedule: ScheduleTiming, now: Date): Date | undefined => {
  if (schedule.state === 'DISABLED') return undefined;
  const parsed = parseScheduleExpression(schedule.expression);
  if (!parsed.ok) return undefined;
  const timezone = schedule.timezone ?? 'UTC';
  if (parsed.expression.kind === 'at') return atTime(parsed.expression, timezone);
  const start = schedule.startDate ?? schedule.creationDate ?? now;
  return nextOccurrence(parsed.expression, { timezone, start }, now);
};
