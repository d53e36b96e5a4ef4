import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BadRequest } from '../../../cli/console/api/events';
import { bucketsOf, overview, type OverviewQuery } from '../../../cli/console/api/overview';
import type { Environment } from '../../../cli/environment';
import { PauseStore } from '../../../functions/flow/pause-store';
import type { Plan, Summary } from '../../../functions/replay/state';
import { EventStore } from '../../../functions/store/event-store';
import type { AuditEntry, EventState } from '../../../functions/store/records';
import { CloudWatchEmulator } from '../../../local/emulators/cloudwatch';
import type { RunningEmulator } from '../../../local/emulators/loopback';
import { SqsEmulator } from '../../../local/emulators/sqs';
import { StepFunctionsEmulator } from '../../../local/emulators/stepfunctions';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { FakeClock, FakeLambdas, functionArn, ok } from '../../local/emulators/stepfunctions/helpers';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const config = (endpoint?: string) => ({
  region: 'us-east-1',
  credentials,
  maxAttempts: 1,
  ...(endpoint ? { endpoint } : {}),
});
const MINUTE = 60_000;
const PLAN_TASK = functionArn('plan');
const SUMMARY_TASK = functionArn('summary');

const PLAN: Plan = {
  source: 'dlq',
  matching: 3,
  selected: 3,
  scanned: 3,
  truncated: false,
  unknownMessages: 0,
  sample: [],
  batchSize: 10,
  waitSeconds: 0,
};
const SUMMARY: Summary = {
  replayed: 2,
  skipped: 1,
  failed: 0,
  handled: 3,
  batches: 1,
  skippedReasons: { 'already processed': 1 },
  failures: [],
};

interface Stack {
  env: Environment;
  cloudwatch: CloudWatchEmulator;
  sqs: SQSClient;
  sfn: SFNClient;
  table: LocalEventTable;
  store: EventStore;
  pauses: PauseStore;
  stop(): Promise<void>;
}

/** Every emulator the overview reads, and an Environment over them as `connect({ local: true })` builds it. */
const startStack = async (now: Date): Promise<Stack> => {
  const cloudwatch = new CloudWatchEmulator({ now: () => now });
  const sqsEmulator = new SqsEmulator();
  const stepFunctions = new StepFunctionsEmulator({
    // As the replay machine does: a state passes the plan (and summary) along, the last answers the summary.
    invokeLambda: new FakeLambdas({
      [PLAN_TASK]: () => ok({ plan: PLAN, summary: SUMMARY }),
      [SUMMARY_TASK]: () => ok(SUMMARY),
    }).invoke,
    clock: new FakeClock(now.getTime() - 10 * MINUTE),
  });
  const running: RunningEmulator[] = [
    await cloudwatch.start(),
    await sqsEmulator.start(),
    await stepFunctions.start(),
  ];
  const [cw, sqsServer, sfnServer] = running.map((r) => r.endpoint);
  const table = await startEventTable();
  const sqs = new SQSClient(config(sqsServer));
  const sfn = new SFNClient(config(sfnServer));
  const main = await sqsEmulator.createQueue({ QueueName: 'main.fifo', Attributes: { FifoQueue: 'true' } });
  const dlq = await sqsEmulator.createQueue({ QueueName: 'dlq.fifo', Attributes: { FifoQueue: 'true' } });
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: 'Replay',
      roleArn: 'arn:aws:iam::000000000000:role/Replay',
      definition: JSON.stringify({
        StartAt: 'Plan',
        States: {
          Plan: { Type: 'Task', Resource: PLAN_TASK, Next: 'Summary' },
          Summary: { Type: 'Task', Resource: SUMMARY_TASK, End: true },
        },
      }),
    }),
  );
  const outputs: Record<string, string> = {
    MainQueueUrl: main.QueueUrl ?? '',
    DeadLetterQueueUrl: dlq.QueueUrl ?? '',
    ReplayStateMachineArn: stateMachineArn ?? '',
    EventTableName: table.tableName,
    RetentionDays: '30',
  };
  const env: Environment = {
    stackName: 'RelayFlowTest',
    region: 'us-east-1',
    local: true,
    outputs,
    dynamodb: table.documentClient,
    sqs,
    sfn,
    secrets: new SecretsManagerClient(config()),
    sns: new SNSClient(config()),
    cloudwatch: new CloudWatchClient(config(cw)),
    lambda: new LambdaClient(config()),
    s3: new S3Client(config()),
    athena: new AthenaClient(config()),
    scheduler: new SchedulerClient(config()),
    output: (key) => {
      const value = outputs[key];
      if (value === undefined) throw new Error(`no output ${key}`);
      return value;
    },
  };
  const settings = { tableName: table.tableName, retentionDays: 30 };
  return {
    env,
    cloudwatch,
    sqs,
    sfn,
    table,
    store: new EventStore(table.documentClient, settings),
    pauses: new PauseStore(table.documentClient, settings),
    stop: async () => {
      for (const client of [sqs, sfn, env.cloudwatch]) client.destroy();
      await stepFunctions.dispose();
      sqsEmulator.close();
      await Promise.all(running.map((r) => r.stop()));
      await table.stop();
    },
  };
};

/** An EMF count as the functions publish it: Powertools' `service` plus the point's own dimensions. */
const count = (
  cloudwatch: CloudWatchEmulator,
  metric: string,
  dimensions: Record<string, string>,
  at: Date,
  value = 1,
) => {
  const recorded = cloudwatch.putEmf({
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: 'RelayFlow',
          Dimensions: [Object.keys(dimensions)],
          Metrics: [{ Name: metric, Unit: 'Count' }],
        },
      ],
    },
    ...dimensions,
    [metric]: value,
  });
  expect(recorded).toBe(1);
};

const consumer = (provider: string, tenant: string) => ({ service: 'consumer', provider, tenant });
const verifier = (provider: string, tenant: string) => ({ service: `ingest-${provider}`, provider, tenant });

const anEvent = (
  id: string,
  receivedAt: Date,
  audit: AuditEntry[],
  fields: Partial<EventState> = {},
): EventState => ({
  eventId: `ev_${id}`,
  idempotencyKey: id,
  tenant: 'acme',
  provider: 'stripe',
  type: 'payment.succeeded',
  providerType: 'payment_intent.succeeded',
  externalId: `evt_${id}`,
  entityKind: 'customer',
  entityId: 'cus_1',
  groupId: 'acme#stripe#customer:cus_1',
  occurredAt: receivedAt.toISOString(),
  receivedAt: receivedAt.toISOString(),
  correlationId: `corr-${id}`,
  status: 'PROCESSED',
  statusAt: receivedAt.toISOString(),
  secretIndex: 0,
  sends: 1,
  audit,
  ...fields,
});

const byConsumer = (at: Date, action: string, detail: string): AuditEntry => ({
  at: at.toISOString(),
  action,
  by: 'consumer',
  detail,
});

describe('the console overview over the emulators', () => {
  // A minute boundary plus 30 s: the window's last bucket is the current minute.
  const now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE + 30_000);
  const ago = (minutes: number) => new Date(now.getTime() - minutes * MINUTE);
  let stack: Stack;

  beforeEach(async () => {
    stack = await startStack(now);
  });
  afterEach(() => stack.stop());

  const ask = (query: OverviewQuery) => overview(stack.env, query, now);

  it('cuts the window into buckets of window/60 rounded to whole minutes, one minute at least', () => {
    const sizes = (['15m', '1h', '6h', '24h', '7d'] as const).map((window) => {
      const { bucketSeconds, count: buckets, start, end } = bucketsOf(window, now);
      return [
        window,
        bucketSeconds,
        buckets,
        (end.getTime() - start.getTime()) / 1000,
        start.getTime() % (bucketSeconds * 1000),
      ];
    });

    expect(sizes).toEqual([
      ['15m', 60, 15, 900, 0],
      ['1h', 60, 60, 3600, 0],
      ['6h', 360, 60, 21_600, 0],
      ['24h', 1440, 60, 86_400, 0],
      ['7d', 10_080, 60, 604_800, 0],
    ]);
  });

  it('sums every series of the stack per bucket: received, processed (routed, unrouted, dry run), failed, retried; totals and retry rate', async () => {
    const { cloudwatch } = stack;
    count(cloudwatch, 'Received', verifier('stripe', 'acme'), ago(5), 3);
    count(cloudwatch, 'Received', verifier('github', 'globex'), ago(5), 2);
    count(cloudwatch, 'Received', verifier('stripe', 'acme'), ago(2));
    count(cloudwatch, 'Processed', consumer('stripe', 'acme'), ago(5), 2);
    count(cloudwatch, 'Unrouted', consumer('github', 'globex'), ago(4));
    count(cloudwatch, 'DryRun', consumer('github', 'globex'), ago(4));
    count(cloudwatch, 'Retried', consumer('stripe', 'acme'), ago(4), 2);
    count(cloudwatch, 'DeadLettered', consumer('stripe', 'acme'), ago(2));
    count(cloudwatch, 'CompensationFailed', consumer('github', 'globex'), ago(2));
    count(cloudwatch, 'Received', verifier('stripe', 'acme'), ago(90), 100);

    const answer = await ask({ window: '1h' });

    const bucketOf = (minutesAgo: number) => 59 - minutesAgo;
    const nonZero = (points: readonly { v: number }[]) =>
      Object.fromEntries(points.flatMap((p, i) => (p.v > 0 ? [[59 - i, p.v]] : [])));
    expect(answer.bucketSeconds).toBe(60);
    expect(answer.series.received).toHaveLength(60);
    expect(answer.series.received[bucketOf(5)]?.t).toBe(Math.floor(ago(5).getTime() / MINUTE) * MINUTE);
    expect(nonZero(answer.series.received)).toEqual({ 5: 5, 2: 1 });
    expect(nonZero(answer.series.processed)).toEqual({ 5: 2, 4: 2 });
    expect(nonZero(answer.series.failed)).toEqual({ 2: 2 });
    expect(nonZero(answer.series.retried)).toEqual({ 4: 2 });
    expect(answer.totals).toEqual({ received: 6, processed: 4, failed: 2, retried: 2 });
    expect(answer.retryRate).toBe(0.5);
    expect(answer.notes).toEqual([]);
  });

  it('slices by tenant and by provider with their dimensions, and answers the whole stack with a note for a channel', async () => {
    const { cloudwatch } = stack;
    count(cloudwatch, 'Received', verifier('stripe', 'acme'), ago(3), 3);
    count(cloudwatch, 'Received', verifier('github', 'acme'), ago(3), 5);
    count(cloudwatch, 'Received', verifier('stripe', 'globex'), ago(3), 7);
    count(cloudwatch, 'Processed', consumer('stripe', 'globex'), ago(3), 7);

    const acme = await ask({ window: '15m', tenant: 'acme' });
    const stripe = await ask({ window: '15m', provider: 'stripe' });
    const stripeGlobex = await ask({ window: '15m', provider: 'stripe', tenant: 'globex' });
    const email = await ask({ window: '15m', channel: 'email' });

    expect(acme.totals).toEqual({ received: 8, processed: 0, failed: 0, retried: 0 });
    expect(stripe.totals).toMatchObject({ received: 10, processed: 7 });
    expect(stripeGlobex.totals).toMatchObject({ received: 7, processed: 7 });
    expect(email.totals.received).toBe(15);
    expect(email.notes).toEqual([expect.stringMatching(/whole stack's.*no channel dimension/)]);
  });

  it('answers a window with nothing in it with zeros and empty lists, not errors', async () => {
    const answer = await ask({ window: '7d' });

    expect(answer.series.processed).toHaveLength(60);
    expect(answer.series.processed.every((p) => p.v === 0)).toBe(true);
    expect(answer.totals).toEqual({ received: 0, processed: 0, failed: 0, retried: 0 });
    expect(answer.retryRate).toBe(0);
    expect(answer.queues).toEqual({
      main: { visible: 0, inFlight: 0 },
      deadLetter: { visible: 0, inFlight: 0 },
    });
    expect([answer.replays, answer.channels, answer.targets, answer.pauses]).toEqual([[], [], [], []]);
  });

  it('refuses an invalid window, or an unknown parameter, with a sentence saying what is allowed', async () => {
    const wrong = ask({ window: '2h' as OverviewQuery['window'] });
    const missing = overview(stack.env, {} as OverviewQuery, now);
    const typo = overview(stack.env, { window: '1h', tenants: 'acme' } as OverviewQuery, now);

    await expect(wrong).rejects.toThrow(BadRequest);
    await expect(wrong).rejects.toThrow('window must be one of 15m, 1h, 6h, 24h, 7d, not "2h".');
    await expect(missing).rejects.toThrow('window is required: one of 15m, 1h, 6h, 24h, 7d.');
    await expect(typo).rejects.toThrow(/tenants/);
  });

  it('shows the depth of both queues, the oldest age CloudWatch publishes, else the oldest sampled dead letter', async () => {
    const { sqs, env, cloudwatch } = stack;
    const send = (queue: string, n: number) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: env.output(queue),
          MessageBody: JSON.stringify({ n }),
          MessageGroupId: `g${n}`,
          MessageDeduplicationId: `d${n}`,
        }),
      );
    for (const n of [1, 2, 3]) await send('MainQueueUrl', n);
    await send('DeadLetterQueueUrl', 4);
    cloudwatch.putMetric('AWS/SQS', 'ApproximateAgeOfOldestMessage', { QueueName: 'main.fifo' }, 42, ago(1));

    const { queues, notes } = await ask({ window: '15m' });

    expect(queues.main).toEqual({ visible: 3, inFlight: 0, oldestAgeSeconds: 42 });
    expect(queues.deadLetter).toMatchObject({ visible: 1, inFlight: 0 });
    expect(queues.deadLetter.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(queues.deadLetter.oldestAgeSeconds).toBeLessThan(120);
    expect(notes).toEqual([expect.stringMatching(/^Dead-letter queue: .*oldest of 10 sampled messages/)]);
  });

  it('lists the replays started in the window, newest first, with plan and summary, and leaves out plans (dry runs)', async () => {
    const { sfn, env } = stack;
    const start = (name: string, dryRun: boolean, tenant?: string) =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: env.output('ReplayStateMachineArn'),
          name,
          input: JSON.stringify({ source: 'dlq', dryRun, filter: tenant ? { tenant } : {}, reason: 'test' }),
        }),
      );
    await start('first', false, 'acme');
    await start('plan', true);
    await start('second', false, 'globex');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const all = await ask({ window: '1h' });
    const acme = await ask({ window: '1h', tenant: 'acme' });

    expect(all.replays.map((r) => [r.executionId, r.status])).toEqual([
      ['second', 'SUCCEEDED'],
      ['first', 'SUCCEEDED'],
    ]);
    expect(all.replays[0]).toMatchObject({ plan: PLAN, summary: SUMMARY });
    expect(all.replays[0]?.stoppedAt).toEqual(expect.any(String));
    expect(acme.replays.map((r) => r.executionId)).toEqual(['first']);
  });

  it('counts messages by status per channel and adapter from the message metrics, sliced by tenant or channel', async () => {
    const { cloudwatch } = stack;
    const message = (channel: string, via: string, tenant: string) => ({
      service: 'consumer',
      channel,
      via,
      tenant,
    });
    count(cloudwatch, 'MessageSent', message('email', 'postmark', 'acme'), ago(3), 4);
    count(cloudwatch, 'MessageDelivered', message('email', 'postmark', 'acme'), ago(2), 3);
    count(cloudwatch, 'MessageBounced', message('email', 'postmark', 'globex'), ago(2));
    count(cloudwatch, 'MessageSent', message('sms', 'twilio', 'acme'), ago(2), 2);
    count(cloudwatch, 'MessageFailed', message('sms', 'twilio', 'acme'), ago(1));

    const all = await ask({ window: '15m' });
    const globex = await ask({ window: '15m', tenant: 'globex' });
    const sms = await ask({ window: '15m', channel: 'sms' });
    const byProvider = await ask({ window: '15m', provider: 'stripe' });

    expect(all.channels).toEqual([
      { channel: 'email', via: 'postmark', counts: { SENT: 4, DELIVERED: 3, BOUNCED: 1 } },
      { channel: 'sms', via: 'twilio', counts: { SENT: 2, FAILED: 1 } },
    ]);
    expect(globex.channels).toEqual([{ channel: 'email', via: 'postmark', counts: { BOUNCED: 1 } }]);
    expect(sms.channels.map((c) => c.channel)).toEqual(['sms']);
    expect(byProvider.channels).toHaveLength(2);
    expect(byProvider.notes).toEqual([expect.stringMatching(/Channels are not sliced by provider/)]);
  });

  it("counts each target's deliveries and failures in the window from the events' timelines, and marks a paused target disabled", async () => {
    const { store, pauses } = stack;
    const events = [
      // As the consumer writes a first attempt's entry (decision 0060); `b` below, a later one.
      anEvent('a', ago(10), [byConsumer(ago(10), 'processed', 'route #0 → crm, audit-log')]),
      anEvent('b', ago(8), [
        byConsumer(
          ago(8),
          'retrying',
          'attempt 1 of 3 failed; next attempt at …; http-503: crm answered HTTP 503',
        ),
        byConsumer(ago(7), 'processed', 'route #0 → crm, audit-log (1 done before); attempt 2'),
      ]),
      anEvent('c', ago(6), [byConsumer(ago(6), 'dead-lettered', 'http-400: crm answered HTTP 400')], {
        status: 'DEAD_LETTERED',
        tenant: 'globex',
      }),
      anEvent('old', ago(120), [byConsumer(ago(120), 'processed', 'route #0 → crm; attempt 1')]),
    ];
    for (const event of events) await store.createState(event, now);
    await pauses.pause('target', 'warehouse', {
      at: ago(1).toISOString(),
      action: 'paused',
      by: 'ops',
      reason: 'maintenance',
    });

    const all = await ask({ window: '1h' });
    const acme = await ask({ window: '1h', tenant: 'acme' });
    const crm = await ask({ window: '1h', target: 'crm' });

    expect(all.targets).toEqual([
      { target: 'audit-log', delivered: 2, failed: 0, disabled: false },
      { target: 'crm', delivered: 2, failed: 2, disabled: false },
      { target: 'warehouse', delivered: 0, failed: 0, disabled: true },
    ]);
    expect(acme.targets.find((t) => t.target === 'crm')).toEqual({
      target: 'crm',
      delivered: 2,
      failed: 1,
      disabled: false,
    });
    expect(crm.targets.map((t) => t.target)).toEqual(['crm']);
    expect(all.pauses.map((p) => [p.scope, p.id, p.state])).toEqual([['target', 'warehouse', 'paused']]);
  });
});
