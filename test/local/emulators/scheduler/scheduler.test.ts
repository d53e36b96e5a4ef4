import {
  ConflictException,
  CreateScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import {
  SchedulerEmulator,
  type CreateScheduleInput,
  type InvokeAnswer,
  type SchedulerTargets,
} from '../../../../local/emulators/scheduler';
import { ManualClock } from '../../../../local/emulators/sqs';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:RelayFlow-Producer';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/RelayFlow-SchedulesRole';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:RelayFlow-SchedulesDeadLetterQueue';
const GROUP = 'RelayFlow';
const TICK_INPUT = JSON.stringify({
  relayflowSchedule: {
    name: 'nightly',
    scheduledTime: '<aws.scheduler.scheduled-time>',
    type: 'report.nightly',
  },
});
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A stand-in for Lambda and SQS: records what the emulator hands it, answers as told. */
class FakeTargets implements SchedulerTargets {
  readonly invocations: { arn: string; payload: unknown }[] = [];
  readonly deadLetters: { queueArn: string; body: string; attributes: Readonly<Record<string, string>> }[] =
    [];
  private readonly answers: InvokeAnswer[] = [];

  /** The next invocations are refused with `errorCode`, `times` times. */
  refuse(errorCode: string, times: number) {
    for (let i = 0; i < times; i += 1)
      this.answers.push({ accepted: false, errorCode, errorMessage: `${errorCode} from the fake` });
  }

  invoke(arn: string, payload: unknown): Promise<InvokeAnswer> {
    this.invocations.push({ arn, payload });
    return Promise.resolve(this.answers.shift() ?? { accepted: true });
  }

  sendMessage(queueArn: string, body: string, attributes: Readonly<Record<string, string>>): Promise<void> {
    this.deadLetters.push({ queueArn, body, attributes });
    return Promise.resolve();
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Moves the clock `ms` at a time, `steps` times, letting each delivery run before the next step. */
const advance = async (clock: ManualClock, ms: number, steps = 1) => {
  for (let i = 0; i < steps; i += 1) {
    clock.advance(ms);
    await settle();
  }
};

const aSchedule = (overrides: Partial<CreateScheduleInput> = {}): CreateScheduleInput => ({
  ScheduleExpression: 'cron(0/15 * * * ? *)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  GroupName: GROUP,
  Target: {
    Arn: FUNCTION_ARN,
    RoleArn: ROLE_ARN,
    Input: TICK_INPUT,
    RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
    DeadLetterConfig: { Arn: DLQ_ARN },
  },
  ...overrides,
});

const scheduledTimes = (targets: FakeTargets) =>
  targets.invocations.map(
    (i) => (i.payload as { relayflowSchedule: { scheduledTime: string } }).relayflowSchedule.scheduledTime,
  );

describe('Scheduler emulator: ticks on the clock', () => {
  let clock: ManualClock;
  let targets: FakeTargets;
  let scheduler: SchedulerEmulator;

  beforeEach(() => {
    clock = new ManualClock(Date.parse('2025-06-01T08:50:00Z'));
    targets = new FakeTargets();
    scheduler = new SchedulerEmulator({ clock, targets });
    scheduler.createScheduleGroup({ Name: GROUP });
  });

  afterEach(() => scheduler.close());

  it('fires a cron schedule at each of its times once the clock passes them, not before', async () => {
    scheduler.createSchedule('nightly', aSchedule());

    await advance(clock, 9 * 60_000 + 59_000);
    expect(targets.invocations).toEqual([]);
    await advance(clock, 1000);
    await advance(clock, 15 * 60_000);

    expect(scheduledTimes(targets)).toEqual(['2025-06-01T09:00:00Z', '2025-06-01T09:15:00Z']);
  });

  it('invokes the target with its input, <aws.scheduler.scheduled-time> filled in, parsed as the Lambda event', async () => {
    scheduler.createSchedule('nightly', aSchedule());

    await advance(clock, 10 * 60_000);

    expect(targets.invocations).toEqual([
      {
        arn: FUNCTION_ARN,
        payload: {
          relayflowSchedule: {
            name: 'nightly',
            scheduledTime: '2025-06-01T09:00:00Z',
            type: 'report.nightly',
          },
        },
      },
    ]);
  });

  it('reads a cron expression in the schedule time zone', async () => {
    scheduler.createSchedule(
      'morning',
      aSchedule({ ScheduleExpression: 'cron(0 9 * * ? *)', ScheduleExpressionTimezone: 'America/New_York' }),
    );

    await advance(clock, 60 * 60_000, 5);

    expect(scheduledTimes(targets)).toEqual(['2025-06-01T13:00:00Z']);
  });

  it('fires a rate schedule at its creation, then every period from it', async () => {
    scheduler.createSchedule('pulse', aSchedule({ ScheduleExpression: 'rate(5 minutes)' }));

    await advance(clock, 0);
    await advance(clock, 5 * 60_000, 2);

    expect(scheduledTimes(targets)).toEqual([
      '2025-06-01T08:50:00Z',
      '2025-06-01T08:55:00Z',
      '2025-06-01T09:00:00Z',
    ]);
  });

  it('counts a rate schedule from its start date when it has one', async () => {
    scheduler.createSchedule(
      'pulse',
      aSchedule({ ScheduleExpression: 'rate(1 hour)', StartDate: new Date('2025-06-01T09:30:00Z') }),
    );

    await advance(clock, 30 * 60_000, 4);

    expect(scheduledTimes(targets)).toEqual(['2025-06-01T09:30:00Z', '2025-06-01T10:30:00Z']);
  });

  it('never fires a disabled schedule', async () => {
    scheduler.createSchedule('nightly', aSchedule({ State: 'DISABLED' }));

    await advance(clock, 60 * 60_000);

    expect(targets.invocations).toEqual([]);
  });

  it('retries a tick the target refused per the retry policy, then sends it to the dead-letter queue', async () => {
    targets.refuse('TooManyRequestsException', 3);
    scheduler.createSchedule('nightly', aSchedule());

    await advance(clock, 10 * 60_000);
    await advance(clock, 1000);
    await advance(clock, 2000);
    await scheduler.drain();

    expect(targets.invocations).toHaveLength(3);
    expect(targets.deadLetters).toEqual([
      {
        queueArn: DLQ_ARN,
        body: JSON.stringify({
          relayflowSchedule: {
            name: 'nightly',
            scheduledTime: '2025-06-01T09:00:00Z',
            type: 'report.nightly',
          },
        }),
        attributes: {
          ERROR_CODE: 'TooManyRequestsException',
          ERROR_MESSAGE: 'TooManyRequestsException from the fake',
          EXECUTION_ID: expect.any(String),
          EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
          IS_PAYLOAD_TRUNCATED: 'false',
          RETRY_ATTEMPTS: '2',
          SCHEDULED_TIME: '2025-06-01T09:00:00Z',
          SCHEDULE_ARN: 'arn:aws:scheduler:us-east-1:000000000000:schedule/RelayFlow/nightly',
          TARGET_ARN: FUNCTION_ARN,
        },
      },
    ]);
    expect(scheduler.deliveries()).toEqual([
      expect.objectContaining({ schedule: 'nightly', outcome: 'dead-lettered', attempts: 3 }),
    ]);
  });

  it('delivers a tick that succeeds on a retry, and dead-letters nothing', async () => {
    targets.refuse('ServiceException', 1);
    scheduler.createSchedule('nightly', aSchedule());

    await advance(clock, 10 * 60_000);
    await advance(clock, 1000);
    await scheduler.drain();

    expect(targets.deadLetters).toEqual([]);
    expect(scheduler.deliveries()).toEqual([expect.objectContaining({ outcome: 'delivered', attempts: 2 })]);
  });

  it('stops retrying at the maximum event age, and says so', async () => {
    targets.refuse('TooManyRequestsException', 200);
    scheduler.createSchedule(
      'nightly',
      aSchedule({
        Target: {
          ...aSchedule().Target,
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 60 },
        },
      }),
    );

    await advance(clock, 10 * 60_000);
    await advance(clock, 60_000, 10);
    await scheduler.drain();

    expect(targets.deadLetters.map((d) => d.attributes.EXHAUSTED_RETRY_CONDITION)).toEqual([
      'MaximumEventAgeInSeconds',
    ]);
  });

  it('drops a tick that failed every retry when the target has no dead-letter queue', async () => {
    targets.refuse('ResourceNotFoundException', 1);
    scheduler.createSchedule(
      'nightly',
      aSchedule({
        Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 0 } },
      }),
    );

    await advance(clock, 10 * 60_000);
    await scheduler.drain();

    expect(scheduler.deliveries()).toEqual([expect.objectContaining({ outcome: 'dropped', attempts: 1 })]);
  });

  it('runs a one-time schedule once, at once when its time is past, and deletes it after when told to', async () => {
    scheduler.createSchedule(
      'nightly.replay-1',
      aSchedule({
        ScheduleExpression: 'at(2025-06-01T08:00:00)',
        ActionAfterCompletion: 'DELETE',
        Target: { ...aSchedule().Target, Input: '{"relayflowSchedule":{"name":"nightly"}}' },
      }),
    );

    await advance(clock, 0);
    await scheduler.drain();
    await advance(clock, 60 * 60_000);

    expect(targets.invocations).toEqual([
      { arn: FUNCTION_ARN, payload: { relayflowSchedule: { name: 'nightly' } } },
    ]);
    expect(() => scheduler.getSchedule('nightly.replay-1', GROUP)).toThrow(
      'Schedule nightly.replay-1 does not exist.',
    );
  });

  it('fires nothing once closed', async () => {
    scheduler.createSchedule('nightly', aSchedule());
    scheduler.close();

    await advance(clock, 60 * 60_000);

    expect(targets.invocations).toEqual([]);
  });
});

describe('Scheduler emulator through the AWS SDK v3 client (REST-JSON)', () => {
  let clock: ManualClock;
  let scheduler: SchedulerEmulator;
  let running: RunningEmulator;
  let client: SchedulerClient;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2025-06-01T08:50:00Z'));
    scheduler = new SchedulerEmulator({ clock, targets: new FakeTargets() });
    scheduler.createScheduleGroup({ Name: GROUP });
    scheduler.createSchedule('nightly', aSchedule({ ScheduleExpressionTimezone: 'Europe/Paris' }));
    scheduler.createSchedule(
      'pulse',
      aSchedule({ ScheduleExpression: 'rate(5 minutes)', State: 'DISABLED' }),
    );
    scheduler.createSchedule('elsewhere', aSchedule({ GroupName: 'default' }));
    running = await scheduler.start();
    client = new SchedulerClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    scheduler.close();
    await running.stop();
  });

  it("ListSchedules lists a group's schedules with their state and target", async () => {
    const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP }));

    expect(listed.Schedules).toEqual([
      {
        Arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/RelayFlow/nightly',
        Name: 'nightly',
        GroupName: GROUP,
        State: 'ENABLED',
        CreationDate: new Date('2025-06-01T08:50:00Z'),
        LastModificationDate: new Date('2025-06-01T08:50:00Z'),
        Target: { Arn: FUNCTION_ARN },
      },
      expect.objectContaining({ Name: 'pulse', State: 'DISABLED' }),
    ]);
    expect(listed.NextToken).toBeUndefined();
  });

  it('ListSchedules pages with MaxResults and NextToken, and filters by state and name prefix', async () => {
    const first = await client.send(new ListSchedulesCommand({ GroupName: GROUP, MaxResults: 1 }));
    const second = await client.send(
      new ListSchedulesCommand({ GroupName: GROUP, MaxResults: 1, NextToken: first.NextToken }),
    );
    const disabled = await client.send(new ListSchedulesCommand({ State: 'DISABLED' }));
    const prefixed = await client.send(new ListSchedulesCommand({ NamePrefix: 'else' }));

    expect([...(first.Schedules ?? []), ...(second.Schedules ?? [])].map((s) => s.Name)).toEqual([
      'nightly',
      'pulse',
    ]);
    expect(second.NextToken).toBeUndefined();
    expect(disabled.Schedules?.map((s) => s.Name)).toEqual(['pulse']);
    expect(prefixed.Schedules?.map((s) => s.Name)).toEqual(['elsewhere']);
  });

  it('GetSchedule answers the expression, time zone, dates, target and retry policy', async () => {
    const schedule = await client.send(new GetScheduleCommand({ Name: 'nightly', GroupName: GROUP }));

    expect(schedule).toMatchObject({
      Name: 'nightly',
      GroupName: GROUP,
      ScheduleExpression: 'cron(0/15 * * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      CreationDate: new Date('2025-06-01T08:50:00Z'),
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: FUNCTION_ARN,
        RoleArn: ROLE_ARN,
        Input: TICK_INPUT,
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: DLQ_ARN },
      },
    });
  });

  it('GetSchedule of a schedule not in the group is ResourceNotFoundException', async () => {
    await expect(
      client.send(new GetScheduleCommand({ Name: 'elsewhere', GroupName: GROUP })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('CreateSchedule adds a schedule, and refuses its name twice with ConflictException', async () => {
    const input = {
      Name: 'nightly.replay-1',
      GroupName: GROUP,
      ScheduleExpression: 'at(2025-06-01T09:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      ActionAfterCompletion: 'DELETE' as const,
      Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: TICK_INPUT },
    };

    const created = await client.send(new CreateScheduleCommand(input));

    expect(created.ScheduleArn).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule/RelayFlow/nightly.replay-1',
    );
    await expect(client.send(new CreateScheduleCommand(input))).rejects.toBeInstanceOf(ConflictException);
  });

  it('CreateSchedule refuses an expression Scheduler would not read, with ValidationException', async () => {
    await expect(
      client.send(
        new CreateScheduleCommand({
          Name: 'broken',
          GroupName: GROUP,
          ScheduleExpression: 'cron(0 9 * * * *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN },
        }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
  });
});
