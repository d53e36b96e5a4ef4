import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connect } from '../../cli/environment';
import { runCli, type CliDependencies } from '../../cli/program';
import { EventQueries } from '../../functions/operator/event-queries';
import type { PublishedEvent, ScheduleTick } from '../../functions/producer/contract';
import type { EventState } from '../../functions/store/records';
import { parseConfig } from '../../lib/config';
import { isInvokeFailure } from '../../local/lambda';
import { freePort, startSchedulesRuntime, type RunningE2e } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

// The first run synthesizes and bundles the schedules stack.
jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../..');
const QUARTER = 15 * 60_000;
const client = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
};

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

describe('scheduled triggers on the local runtime', () => {
  let e2e: RunningE2e;
  let sink: Sink;
  let stateDir: string;
  let queries: EventQueries;
  let sqs: SQSClient;
  let producer: string;

  const runtime = () => e2e.runtime;
  const now = () => runtime().clock.now();
  const scheduler = () => runtime().emulators.scheduler;
  /** The first quarter-hour after the runtime's now: when the quarter-hour schedule ticks next. */
  const nextQuarter = () => Math.floor(now() / QUARTER) * QUARTER + QUARTER;
  /**
   * The next quarter-hour tick that is not also the nightly schedule's (02:00 in Paris: 00:00 or
   * 01:00 UTC), with the clock moved to just before it and every earlier tick delivered: the
   * faults a test injects next then meet this tick alone.
   */
  const quietQuarter = async () => {
    const next = nextQuarter();
    const at = new Date(next);
    const due = at.getUTCMinutes() === 0 && at.getUTCHours() <= 1 ? next + QUARTER : next;
    moveTo(due, -5000);
    await settled();
    return due;
  };
  /** Waits until the producer has been quiet for a while: every tick already due is delivered. */
  const settled = async () => {
    for (let last = -1; ;) {
      const seen = counters().invocations + counters().throttles;
      if (seen === last) return;
      last = seen;
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
  };
  /** Moves the runtime's clock to `ms` past `time`. */
  const moveTo = (time: number, ms = 0) => runtime().clock.advance(Math.max(0, time + ms - now()));

  const eventsOf = async (schedule: string, tenant = 'default'): Promise<EventState[]> => {
    const page = await queries.entityPage(
      { tenant, provider: 'internal', kind: 'schedule', id: schedule },
      { limit: 100 },
    );
    return queries.states(page.entries.map((e) => e.eventId));
  };
  const eventsAt = async (schedule: string, time: number) =>
    (await eventsOf(schedule)).filter((e) => Date.parse(e.occurredAt) === time);

  const depth = async (queueUrl: string) =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    );

  /** Runs `relayflow --local <args>` in process through the state file, on the runtime's clock. */
  const relayflow = async (...args: string[]) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const deps: CliDependencies = {
      connect: (options) => connect({ ...options, localStateFile: join(stateDir, 'local.json') }),
      output: { out: (text) => stdout.push(text), err: (text) => stderr.push(text), interactive: false },
      now: () => new Date(now()),
      sleep: pause,
      fetch: globalThis.fetch,
      projectRoot: ROOT,
      loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {} } })),
    };
    const code = await runCli(['--local', ...args], deps);
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('') };
  };

  const counters = () => runtime().lambda.counters()[producer] ?? { invocations: 0, throttles: 0 };

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'relayflow-schedules-'));
    const sinkPort = await freePort();
    sink = new Sink();
    await sink.start(sinkPort);
    e2e = await startSchedulesRuntime({ sinkPort, stateFile: join(stateDir, 'local.json') });
    const { endpoints, outputs } = e2e.runtime;
    queries = new EventQueries(
      DynamoDBDocumentClient.from(new DynamoDBClient({ ...client, endpoint: endpoints.dynamodb })),
      outputs.EventTableName ?? '',
    );
    sqs = new SQSClient({ ...client, endpoint: endpoints.sqs });
    producer = outputs.ProducerFunctionName ?? '';
  });

  afterAll(async () => {
    sqs?.destroy();
    await e2e?.runtime.stop();
    await sink?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('fires a tick when the clock passes its time, and the tick becomes one event', async () => {
    const due = nextQuarter();

    moveTo(due, -1000);
    await pause(300);
    expect(
      scheduler()
        .deliveries()
        .filter((d) => d.scheduledTime === iso(due)),
    ).toEqual([]);
    moveTo(due, 1000);
    expect(
      await eventually(
        () =>
          scheduler()
            .deliveries()
            .some((d) => d.scheduledTime === iso(due)),
        20_000,
      ),
    ).toBe(true);
    await scheduler().drain();

    const [event, ...others] = await eventsAt('quarter-hour', due);
    expect(others).toEqual([]);
    expect(event).toMatchObject({ tenant: 'default', provider: 'internal', type: 'clock.quarter' });
    expect(await eventually(() => sink.to('/sink').some((d) => d.event.id === event?.eventId), 30_000)).toBe(
      true,
    );
    expect(sink.to('/sink').find((d) => d.event.id === event?.eventId)?.event.data).toEqual({
      scheduledTime: iso(due),
    });
  });

  it('runs a tick delivered twice once: the second delivery is a duplicate', async () => {
    const tick: ScheduleTick = {
      relayflowSchedule: {
        name: 'nightly',
        scheduledTime: '2025-01-15T01:00:00Z',
        type: 'report.nightly',
        tenant: 'acme',
        data: { report: 'ledger' },
      },
    };
    const deliver = async () => {
      const outcome = await runtime().lambda.invoke(producer, tick);
      if (isInvokeFailure(outcome)) throw new Error(outcome.error.errorMessage);
      return (outcome.result as { events: PublishedEvent[] }).events;
    };

    const [first] = await deliver();
    const [second] = await deliver();

    expect(first).toMatchObject({
      outcome: 'accepted',
      idempotencyKey: 'schedule:nightly@2025-01-15T01:00:00.000Z',
    });
    expect(second).toMatchObject({ outcome: 'duplicate', eventId: first?.eventId });
    expect(await eventually(() => sink.to('/sink').some((d) => d.event.id === first?.eventId), 30_000)).toBe(
      true,
    );
    await pause(1000);
    expect(sink.to('/sink').filter((d) => d.event.id === first?.eventId)).toHaveLength(1);
    expect(
      (await eventsOf('nightly', 'acme')).filter(
        (e) => Date.parse(e.occurredAt) === Date.parse('2025-01-15T01:00:00Z'),
      ),
    ).toEqual([expect.objectContaining({ eventId: first?.eventId })]);
  });

  it('relayflow schedules list --local shows each schedule with its next tick and its last', async () => {
    const listed = await relayflow('--json', 'schedules', 'list');

    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const { schedules } = JSON.parse(listed.stdout) as {
      schedules: {
        name: string;
        nextTick: string;
        lastTick: { scheduledTime: string; status: string } | null;
      }[];
    };
    const [nightly, quarter] = schedules;
    expect(schedules.map((s) => s.name)).toEqual(['nightly', 'quarter-hour']);
    // 02:00 in Paris is midnight UTC in summer, 01:00 in winter; within the next day.
    expect(nightly?.nextTick).toMatch(/T0[01]:00:00\.000Z$/);
    expect(Date.parse(nightly?.nextTick ?? '') - now()).toBeLessThanOrEqual(24 * 3600_000);
    const newestNightly = (await eventsOf('nightly', 'acme'))
      .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))
      .at(-1);
    expect(nightly?.lastTick).toEqual({
      scheduledTime: newestNightly?.occurredAt,
      eventId: newestNightly?.eventId,
      status: newestNightly?.status,
    });
    expect(quarter?.nextTick).toBe(new Date(nextQuarter()).toISOString());
    expect(Date.parse(quarter?.lastTick?.scheduledTime ?? '')).toBe(nextQuarter() - QUARTER);

    const table = await relayflow('schedules', 'list');
    expect(table.stdout.split('\n')[0]).toMatch(
      /^NAME\s+EXPRESSION\s+TIMEZONE\s+STATE\s+NEXT TICK\s+LAST TICK\s+LAST STATUS$/,
    );
    expect(table.stdout).toMatch(/nightly\s+cron\(0 2 \* \* \? \*\)\s+Europe\/Paris\s+ENABLED/);
  });

  it("keeps a tick the producer fails on in the producer's dead-letter queue once Lambda's retries are spent", async () => {
    const queue = runtime().outputs.ProducerDeadLetterQueueUrl ?? '';
    const due = await quietQuarter();
    const before = counters().invocations;
    runtime().lambda.injectFault(producer, {
      kind: 'error',
      code: 'InfrastructureError',
      message: 'the event store is down',
      times: 3,
    });

    moveTo(due, 1000);
    expect(await eventually(() => counters().invocations === before + 1, 20_000)).toBe(true);
    runtime().clock.advance(60_000);
    expect(await eventually(() => counters().invocations === before + 2, 20_000)).toBe(true);
    runtime().clock.advance(120_000);
    expect(await eventually(async () => (await depth(queue)) === 1, 20_000)).toBe(true);

    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }),
    );
    expect(JSON.parse(Messages?.[0]?.Body ?? '')).toEqual({
      relayflowSchedule: { name: 'quarter-hour', scheduledTime: iso(due), type: 'clock.quarter' },
    });
    expect(Messages?.[0]?.MessageAttributes?.ErrorMessage?.StringValue).toBe('the event store is down');
    expect(await eventsAt('quarter-hour', due)).toEqual([]);
  });

  it("sends a tick Lambda keeps refusing to the schedules' dead-letter queue after Scheduler's retries", async () => {
    const queue = runtime().outputs.ScheduleDeadLetterQueueUrl ?? '';
    const due = await quietQuarter();
    const before = counters().throttles;
    // The first attempt and the retry policy's 5 retries.
    runtime().lambda.injectFault(producer, { kind: 'throttle', times: 6 });

    moveTo(due, 1000);
    for (let retry = 0; retry <= 5; retry += 1) {
      // At least: the runtime clock also flows in real time, so under load a retry can come due
      // before this check sees the one before it.
      expect(await eventually(() => counters().throttles >= before + retry + 1, 20_000)).toBe(true);
      runtime().clock.advance(2 ** retry * 1000);
    }
    expect(counters().throttles).toBe(before + 6);
    expect(await eventually(async () => (await depth(queue)) === 1, 20_000)).toBe(true);

    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }),
    );
    const attributes = Object.fromEntries(
      Object.entries(Messages?.[0]?.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]),
    );
    expect(JSON.parse(Messages?.[0]?.Body ?? '')).toEqual({
      relayflowSchedule: { name: 'quarter-hour', scheduledTime: iso(due), type: 'clock.quarter' },
    });
    expect(attributes).toMatchObject({
      ERROR_CODE: 'TooManyRequestsException',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      RETRY_ATTEMPTS: '5',
      SCHEDULED_TIME: iso(due),
    });
  });

  it('relayflow schedules replay --local delivers both failed ticks again, each once', async () => {
    const { ScheduleDeadLetterQueueUrl = '', ProducerDeadLetterQueueUrl = '' } = runtime().outputs;
    const failedTimes = [nextQuarter() - 2 * QUARTER, nextQuarter() - QUARTER];

    const dryRun = await relayflow('schedules', 'replay');
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain('Dry run: nothing changed. Add --execute to replay.');
    expect(dryRun.stdout.match(/would replay as quarter-hour\.replay-[0-9a-f]{8}/g)).toHaveLength(2);
    expect(await depth(ScheduleDeadLetterQueueUrl)).toBe(1);
    expect(await depth(ProducerDeadLetterQueueUrl)).toBe(1);

    const executed = await relayflow('schedules', 'replay', '--execute');
    expect(executed.stdout).toContain('2 of 2 ticks handed to one-time schedules.');
    expect(await depth(ScheduleDeadLetterQueueUrl)).toBe(0);
    expect(await depth(ProducerDeadLetterQueueUrl)).toBe(0);

    runtime().clock.advance(2 * 60_000);
    for (const time of failedTimes)
      expect(await eventually(async () => (await eventsAt('quarter-hour', time)).length === 1, 30_000)).toBe(
        true,
      );
    await scheduler().drain();
    for (const time of failedTimes) expect(await eventsAt('quarter-hour', time)).toHaveLength(1);
    // The one-time schedules deleted themselves once they had run.
    const listed = JSON.parse((await relayflow('--json', 'schedules', 'list')).stdout) as {
      schedules: { name: string }[];
    };
    expect(listed.schedules.map((s) => s.name)).toEqual(['nightly', 'quarter-hour']);
  });
});
