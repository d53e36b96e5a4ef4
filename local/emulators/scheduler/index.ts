import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  atTime,
  nextOccurrence,
  parseScheduleExpression,
  schedulerTime,
  timezoneProblem,
  type ScheduleExpression,
} from '../../../lib/schedule-expression';
import { AwsError } from '../aws-json';
import { FaultHooks } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';
import { serveRestJson, type RestJsonRoute } from '../rest-json';
import type { Clock, Timer } from '../sqs';
import { SCHEDULER_DEFAULT_RETRY, schedulerRetry } from './retry-policy';
import type { InvokeAnswer } from './lambda-async';

export { AsyncLambdaInvoker, type InvokeAnswer, type LostInvocation } from './lambda-async';
export type { AsyncInvokeConfig } from './retry-policy';

/**
 * EventBridge Scheduler emulator: schedule groups and schedules (cron, rate and at expressions
 * in their time zones) that fire on the runtime's clock, each tick invoking a Lambda target with
 * its input, `<aws.scheduler.scheduled-time>` filled in; a tick the target does not take is
 * retried per the target's retry policy, then sent to its dead-letter queue as a dead-letter
 * event. Served over REST-JSON: ListSchedules, GetSchedule (`relayflow schedules list`) and
 * CreateSchedule (`relayflow schedules replay`).
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
const DEFAULT_GROUP = 'default';
const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';
const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+(:[a-zA-Z0-9$_-]+)?$/;

/** Where ticks go: the Lambda service (asynchronously) and SQS for dead-letter events. */
export interface SchedulerTargets {
  invoke(targetArn: string, payload: unknown): Promise<InvokeAnswer>;
  sendMessage(queueArn: string, body: string, attributes: Readonly<Record<string, string>>): Promise<void>;
  /** Resolves once the invocations handed over so far have ended (Lambda's own retries included). */
  drain(): Promise<void>;
}

export interface SchedulerEmulatorOptions {
  readonly clock: Clock;
  readonly targets?: SchedulerTargets;
}

/** What became of one tick, for tests and the runtime's diagnostics. */
export interface TickDelivery {
  readonly schedule: string;
  readonly groupName: string;
  readonly scheduledTime: string;
  readonly outcome: 'delivered' | 'dead-lettered' | 'dropped';
  /** Invoke calls made for the tick. */
  readonly attempts: number;
}

const timestamp = z
  .union([z.number(), z.date()])
  .transform((v) => (v instanceof Date ? v : new Date(v * 1000)));

const TargetSchema = z.object({
  Arn: z.string().regex(LAMBDA_ARN, 'the local Scheduler invokes Lambda functions only'),
  RoleArn: z.string().min(1),
  Input: z.string().min(1).optional(),
  RetryPolicy: z
    .object({
      MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400).optional(),
      MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
    })
    .optional(),
  DeadLetterConfig: z.object({ Arn: z.string().min(1).optional() }).optional(),
});

const CreateScheduleInput = z.object({
  ScheduleExpression: z.string().min(1).max(256),
  ScheduleExpressionTimezone: z.string().min(1).max(50).optional(),
  FlexibleTimeWindow: z.object({
    Mode: z.enum(['OFF', 'FLEXIBLE']),
    MaximumWindowInMinutes: z.number().int().min(1).max(1440).optional(),
  }),
  Target: TargetSchema,
  GroupName: z.string().regex(NAME).optional(),
  StartDate: timestamp.optional(),
  EndDate: timestamp.optional(),
  Description: z.string().max(512).optional(),
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']).optional(),
  KmsKeyArn: z.string().optional(),
  ClientToken: z.string().optional(),
});
export type CreateScheduleInput = z.input<typeof CreateScheduleInput>;

const ListSchedulesInput = z.object({
  ScheduleGroup: z.string().optional(),
  NamePrefix: z.string().optional(),
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  NextToken: z.string().regex(/^\d+$/).optional(),
  MaxResults: z.coerce.number().int().min(1).max(100).optional(),
});

interface Schedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  readonly expression: ScheduleExpression;
  readonly timezone: string;
  readonly input: z.output<typeof CreateScheduleInput>;
  readonly creationDate: Date;
  /** The last tick fired (rate ticks count from the start, cron ticks from the last). */
  lastTick?: Date;
  timer?: Timer;
}

const invalid = (message: string) => new AwsError('ValidationException', message);

const parse = <T extends z.ZodType>(schema: T, input: unknown): z.output<T> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(result.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
};

export class SchedulerEmulator extends FaultHooks {
  private readonly groups = new Set<string>([DEFAULT_GROUP]);
  private readonly schedules = new Map<string, Schedule>();
  private readonly pending = new Set<Promise<void>>();
  private readonly retryTimers = new Set<Timer>();
  private readonly log: TickDelivery[] = [];
  private targets: SchedulerTargets | undefined;
  private closed = false;

  constructor(private readonly options: SchedulerEmulatorOptions) {
    super();
    this.targets = options.targets;
  }

  /** Where ticks go; the runtime connects them once the template's functions and queues exist. */
  connectTargets(targets: SchedulerTargets): void {
    this.targets = targets;
  }

  createScheduleGroup(input: { Name: string }): { ScheduleGroupArn: string } {
    if (!NAME.test(input.Name)) throw invalid(`Name: must match ${String(NAME)}`);
    if (this.groups.has(input.Name))
      throw new AwsError('ConflictException', `Schedule group ${input.Name} already exists.`, 409);
    this.groups.add(input.Name);
    return { ScheduleGroupArn: `arn:aws:scheduler:${REGION}:${ACCOUNT_ID}:schedule-group/${input.Name}` };
  }

  /** Creates a schedule and arms its first tick (a rate schedule's is at its start, at once by default). */
  createSchedule(name: string, raw: unknown): { ScheduleArn: string } {
    if (!NAME.test(name)) throw invalid(`Name: must match ${String(NAME)}`);
    const input = parse(CreateScheduleInput, raw);
    const groupName = input.GroupName ?? DEFAULT_GROUP;
    if (!this.groups.has(groupName))
      throw new AwsError('ResourceNotFoundException', `Schedule group ${groupName} does not exist.`, 404);
    const key = this.key(groupName, name);
    if (this.schedules.has(key))
      throw new AwsError('ConflictException', `Schedule ${name} already exists.`, 409);
    const parsed = parseScheduleExpression(input.ScheduleExpression);
    if (!parsed.ok)
      throw invalid(`Invalid Schedule Expression ${input.ScheduleExpression}: ${parsed.problem}`);
    const timezone = input.ScheduleExpressionTimezone ?? 'UTC';
    const zoneProblem = timezoneProblem(timezone);
    if (zoneProblem) throw invalid(`Invalid ScheduleExpressionTimezone: ${zoneProblem}`);
    const schedule: Schedule = {
      name,
      groupName,
      arn: `arn:aws:scheduler:${REGION}:${ACCOUNT_ID}:schedule/${groupName}/${name}`,
      expression: parsed.expression,
      timezone,
      input,
      creationDate: this.now(),
    };
    this.schedules.set(key, schedule);
    this.arm(schedule);
    return { ScheduleArn: schedule.arn };
  }

  getSchedule(name: string, groupName = DEFAULT_GROUP) {
    return this.describe(this.schedule(name, groupName));
  }

  listSchedules(raw: unknown) {
    const request = parse(ListSchedulesInput, raw);
    const matching = [...this.schedules.values()].filter(
      (s) =>
        (!request.ScheduleGroup || s.groupName === request.ScheduleGroup) &&
        (!request.NamePrefix || s.name.startsWith(request.NamePrefix)) &&
        (!request.State || this.stateOf(s) === request.State),
    );
    const start = Number(request.NextToken ?? 0);
    const size = request.MaxResults ?? 100;
    return {
      Schedules: matching.slice(start, start + size).map((s) => ({
        Arn: s.arn,
        Name: s.name,
        GroupName: s.groupName,
        State: this.stateOf(s),
        CreationDate: s.creationDate,
        LastModificationDate: s.creationDate,
        Target: { Arn: s.input.Target.Arn },
      })),
      ...(start + size < matching.length ? { NextToken: String(start + size) } : {}),
    };
  }

  /** Every tick fired so far and what became of it, oldest first. */
  deliveries(): readonly TickDelivery[] {
    return [...this.log];
  }

  /**
   * Resolves once every tick fired so far is delivered or given up, and what its target does
   * with it has ended. Retries wait on the clock: move it first.
   */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.targets?.drain();
  }

  /** Stops every schedule and retry: nothing fires after this. */
  close(): void {
    this.closed = true;
    for (const schedule of this.schedules.values()) schedule.timer?.cancel();
    for (const timer of this.retryTimers) timer.cancel();
    this.retryTimers.clear();
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveRestJson(
      {
        service: 'EventBridge Scheduler',
        route: (method, path) => this.route(method, path),
        internalError: 'InternalServerException',
        throttle: (code) => new AwsError(code ?? 'ThrottlingException', 'Rate exceeded', 429),
      },
      this.faults,
      options.port,
    );
  }

  private route(method: string, path: string): RestJsonRoute | undefined {
    if (path === '/schedules' && method === 'GET')
      return { action: 'ListSchedules', run: ({ query }) => this.listSchedules(Object.fromEntries(query)) };
    const match = /^\/schedules\/([^/]+)$/.exec(path);
    if (!match) return undefined;
    const name = decodeURIComponent(String(match[1]));
    if (method === 'GET')
      return {
        action: 'GetSchedule',
        run: ({ query }) => this.getSchedule(name, query.get('groupName') ?? DEFAULT_GROUP),
      };
    if (method === 'POST')
      return { action: 'CreateSchedule', run: ({ body }) => this.createSchedule(name, body) };
    return undefined;
  }

  private arm(schedule: Schedule): void {
    if (this.closed || this.stateOf(schedule) !== 'ENABLED') return;
    const due = this.nextTick(schedule);
    if (!due) return;
    schedule.timer = this.options.clock.setTimer(
      () => this.fire(schedule, due),
      due.getTime() - this.options.clock.now(),
    );
  }

  /** The next tick: after the last one, or from the start (the creation, without a StartDate). */
  private nextTick(schedule: Schedule): Date | undefined {
    const { expression, input } = schedule;
    if (expression.kind === 'at')
      // A one-time schedule created after its time runs at once.
      return schedule.lastTick ? undefined : atTime(expression, schedule.timezone);
    const start = input.StartDate ?? schedule.creationDate;
    const after = schedule.lastTick ?? new Date(start.getTime() - 1);
    const next = nextOccurrence(expression, { timezone: schedule.timezone, start }, after);
    return next && (!input.EndDate || next.getTime() <= input.EndDate.getTime()) ? next : undefined;
  }

  private fire(schedule: Schedule, scheduledTime: Date): void {
    schedule.lastTick = scheduledTime;
    const delivery = this.deliver(schedule, scheduledTime).finally(() => {
      this.pending.delete(delivery);
      if (schedule.expression.kind === 'at' && schedule.input.ActionAfterCompletion === 'DELETE')
        this.schedules.delete(this.key(schedule.groupName, schedule.name));
    });
    this.pending.add(delivery);
    this.arm(schedule);
  }

  /** One tick: invoke, retry per the target's policy, then its dead-letter queue (or nowhere). */
  private async deliver(schedule: Schedule, scheduledTime: Date): Promise<void> {
    const target = schedule.input.Target;
    const time = schedulerTime(scheduledTime);
    const body = (target.Input ?? '').replaceAll(SCHEDULED_TIME, time);
    const policy = {
      maximumRetryAttempts:
        target.RetryPolicy?.MaximumRetryAttempts ?? SCHEDULER_DEFAULT_RETRY.maximumRetryAttempts,
      maximumEventAgeSeconds:
        target.RetryPolicy?.MaximumEventAgeInSeconds ?? SCHEDULER_DEFAULT_RETRY.maximumEventAgeSeconds,
    };
    const record = (outcome: TickDelivery['outcome'], attempts: number) =>
      this.log.push({
        schedule: schedule.name,
        groupName: schedule.groupName,
        scheduledTime: time,
        outcome,
        attempts,
      });
    for (let retriesDone = 0; ; retriesDone += 1) {
      const answer = await this.invoke(target.Arn, body);
      if (answer.accepted) {
        record('delivered', retriesDone + 1);
        return;
      }
      const decision = schedulerRetry(policy, {
        retriesDone,
        ageMs: this.options.clock.now() - scheduledTime.getTime(),
      });
      if (decision.kind === 'retry') {
        await this.sleep(decision.afterMs);
        if (this.closed) return;
        continue;
      }
      const deadLetter = target.DeadLetterConfig?.Arn;
      if (!deadLetter || !this.targets) {
        record('dropped', retriesDone + 1);
        return;
      }
      // Scheduler's dead-letter event: the target's input as the body, what failed as attributes.
      await this.targets.sendMessage(deadLetter, body, {
        ERROR_CODE: answer.errorCode,
        ERROR_MESSAGE: answer.errorMessage,
        EXECUTION_ID: randomUUID(),
        EXHAUSTED_RETRY_CONDITION: decision.condition,
        IS_PAYLOAD_TRUNCATED: 'false',
        RETRY_ATTEMPTS: String(retriesDone),
        SCHEDULED_TIME: time,
        SCHEDULE_ARN: schedule.arn,
        TARGET_ARN: target.Arn,
      });
      record('dead-lettered', retriesDone + 1);
      return;
    }
  }

  private async invoke(arn: string, body: string): Promise<InvokeAnswer> {
    if (!this.targets)
      return {
        accepted: false,
        errorCode: 'InternalServerException',
        errorMessage: 'no targets are connected',
      };
    // A Lambda target's input is its event: JSON, as Scheduler requires of a templated Lambda target.
    let payload: unknown = body;
    try {
      payload = JSON.parse(body);
    } catch {
      // Plain text stays a string event.
    }
    return this.targets.invoke(arn, payload);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimer(() => {
        this.retryTimers.delete(timer);
        resolve();
      }, ms);
      this.retryTimers.add(timer);
    });
  }

  private describe(schedule: Schedule) {
    const { input } = schedule;
    return {
      Arn: schedule.arn,
      GroupName: schedule.groupName,
      Name: schedule.name,
      ScheduleExpression: input.ScheduleExpression,
      ScheduleExpressionTimezone: schedule.timezone,
      ...(input.StartDate ? { StartDate: input.StartDate } : {}),
      ...(input.EndDate ? { EndDate: input.EndDate } : {}),
      ...(input.Description ? { Description: input.Description } : {}),
      State: this.stateOf(schedule),
      CreationDate: schedule.creationDate,
      LastModificationDate: schedule.creationDate,
      Target: input.Target,
      FlexibleTimeWindow: input.FlexibleTimeWindow,
      ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
    };
  }

  private schedule(name: string, groupName: string): Schedule {
    const schedule = this.schedules.get(this.key(groupName, name));
    if (!schedule) throw new AwsError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    return schedule;
  }

  private stateOf(schedule: Schedule): 'ENABLED' | 'DISABLED' {
    return schedule.input.State ?? 'ENABLED';
  }

  private key(groupName: string, name: string): string {
    return `${groupName}/${name}`;
  }

  private now(): Date {
    return new Date(this.options.clock.now());
  }
}
