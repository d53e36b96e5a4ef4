import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { deliver, drain, FaultSink, Ledger, queueDepth, violations, Webhooks } from '../../helpers/ledger';
import { startFaultRuntime, type RunningFaults } from '../../helpers/local-runtime';

// The first run synthesizes and bundles the fault stack.
jest.setTimeout(240_000);

/** The deployed lease: 3 × the 10 s verifier timeout (lib/constructs/ingest-api.ts). */
const INGEST_LEASE_MS = 30_000;
/** Attempts the SDK makes for a retryable SQS error (its default retry strategy). */
const SDK_ATTEMPTS = 3;

const sink = new FaultSink();
let faults: RunningFaults;
let webhooks: Webhooks;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  faults = await startFaultRuntime({ sinkPort: await sink.start() });
  webhooks = Webhooks.for(faults.runtime);
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: faults.runtime.endpoints.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    }),
  );
});
afterAll(async () => {
  await faults.runtime.stop();
  await sink.stop();
});
afterEach(() => {
  faults.runtime.emulators.sqs.clearFaults();
  faults.runtime.emulators.dynamodb.clearFaults();
  faults.runtime.lambda.clearFaults();
  sink.behaviour = () => 200;
});

/** SQS remembers a deduplication id this long. */
const DEDUPLICATION_WINDOW_MS = 5 * 60_000;

const statusOf = async (eventId: string) =>
  (
    await documents.send(
      new GetCommand({
        TableName: faults.runtime.outputs.EventTableName,
        Key: { PK: `EVT#${eventId}`, SK: 'STATE' },
        ConsistentRead: true,
      }),
    )
  ).Item?.status as string | undefined;

const eventIdIn = async (response: Response) =>
  ((await response.clone().json()) as { events: { id: string }[] }).events[0]?.id ?? '';

const holdConsumers = () => Promise.all(faults.runtime.eventSources.map((source) => source.stop()));
const releaseConsumers = () => faults.runtime.eventSources.forEach((source) => source.start());

describe('ingest faults', () => {
  it('1. a verifier that dies between the store write and the queue send is completed by the provider’s next retry, once', async () => {
    const ledger = new Ledger();
    const delivery = webhooks.stripe({ id: 'evt_f1_crash', customer: 'cus_f1', created: 1 });
    faults.runtime.emulators.sqs.injectFault('SendMessage', {
      kind: 'error',
      code: 'InternalError',
      times: SDK_ATTEMPTS,
    });

    const crashed = await deliver(ledger, delivery);
    faults.runtime.emulators.sqs.clearFaults();
    // The store says RECEIVED whether or not the send happened (decision 0045): the retry sends again.
    const retried = await deliver(ledger, delivery);

    expect([crashed.status, retried.status]).toEqual([503, 200]);
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: () => sink.sideEffects().some((d) => d.key === 'stripe:evt_f1_crash'),
      }),
    ).toBe(true);
    faults.runtime.clock.advance(INGEST_LEASE_MS + 1000);
    const late = await deliver(ledger, delivery);
    expect(late.status).toBe(200);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual({ lost: [], duplicated: [], orderViolations: [], unexpected: [] });
    expect(report.redelivered).toEqual([]);
    expect(report.sideEffects).toBe(1);
  });

  it('2. a send whose response is lost is retried by the SDK and the FIFO deduplication collapses the copy', async () => {
    const ledger = new Ledger();
    await holdConsumers();
    const before = faults.runtime.emulators.sqs.counters().SendMessage ?? 0;
    faults.runtime.emulators.sqs.injectFault('SendMessage', { kind: 'dropResponse' });

    const response = await deliver(
      ledger,
      webhooks.stripe({ id: 'evt_f2_dropped', customer: 'cus_f2', created: 1 }),
    );
    const eventId = await eventIdIn(response);

    expect(response.status).toBe(202);
    expect((faults.runtime.emulators.sqs.counters().SendMessage ?? 0) - before).toBe(2);
    const { Attributes } = await faults.runtime.emulators.sqs.getQueueAttributes({
      QueueUrl: faults.runtime.outputs.MainQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
    expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
    releaseConsumers();
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: async () => (await statusOf(eventId)) === 'PROCESSED',
      }),
    ).toBe(true);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual({ lost: [], duplicated: [], orderViolations: [], unexpected: [] });
    expect(report.redelivered).toEqual([]);
    expect(report.sideEffects).toBe(1);
  });

  it('3. a provider retry after the 5-minute deduplication window enqueues a second copy, and the consumer runs the event once', async () => {
    const ledger = new Ledger();
    const delivery = webhooks.stripe({ id: 'evt_f3_window', customer: 'cus_f3', created: 1 });
    await holdConsumers();
    // Every SDK attempt lands and loses its answer: one message queued, the verifier answers 503.
    faults.runtime.emulators.sqs.injectFault('SendMessage', { kind: 'dropResponse', times: SDK_ATTEMPTS });
    const crashed = await deliver(ledger, delivery);
    faults.runtime.emulators.sqs.clearFaults();
    // The window is longer than the ingest lease: both have run out.
    faults.runtime.clock.advance(DEDUPLICATION_WINDOW_MS + 1000);

    const late = await deliver(ledger, delivery);
    const copies = await queueDepth(faults.runtime, faults.runtime.outputs.MainQueueUrl ?? '');
    releaseConsumers();

    expect([crashed.status, late.status]).toEqual([503, 202]);
    expect(copies).toBe(2);
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: async () => (await statusOf(await eventIdIn(late))) === 'PROCESSED',
      }),
    ).toBe(true);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual({ lost: [], duplicated: [], orderViolations: [], unexpected: [] });
    expect(report.redelivered).toEqual([]);
    expect(report.sideEffects).toBe(1);
  });

  it('4. 50 concurrent identical deliveries store, enqueue and run the event once; every other answer is a duplicate or a retryable 5xx', async () => {
    const ledger = new Ledger();
    const delivery = webhooks.stripe({ id: 'evt_f4_fifty', customer: 'cus_f4', created: 1 });
    await holdConsumers();
    const verifierCounters = () => {
      const counters = faults.runtime.lambda.counters()[faults.functions.verifier('stripe')];
      return {
        throttles: counters?.throttles ?? 0,
        timeouts: counters?.timeouts ?? 0,
        errors: counters?.errors ?? 0,
      };
    };
    const before = verifierCounters();

    const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(ledger, delivery)));
    const after = verifierCounters();
    // On a slow machine 50 concurrent cold starts can outlast the verifier's timeout: like a
    // throttle, a provider retries it. An error of any other kind would be a defect.
    const verifier = {
      throttled: after.throttles - before.throttles,
      timedOut: after.timeouts - before.timeouts,
      failedOtherwise: after.errors - before.errors - (after.timeouts - before.timeouts),
    };
    // The provider retries whatever was not acknowledged.
    const retries = await Promise.all(
      answers.filter((a) => a.status >= 300).map(() => deliver(ledger, delivery)),
    );

    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    // 503: the payload stored by another delivery, its state not yet; 500: API Gateway's answer
    // to a throttled (or timed-out) verifier. A delivery that finds the state sends again (decision 0045).
    expect(statuses.filter((s) => ![200, 202, 503, 500].includes(s))).toEqual([]);
    expect({ answered500: statuses.filter((s) => s === 500).length, ...verifier }).toEqual({
      answered500: verifier.throttled + verifier.timedOut,
      ...verifier,
      failedOtherwise: 0,
    });
    expect(retries.every((r) => r.status === 200)).toBe(true);
    // Every send carried the event's one deduplication id: the queue holds one message.
    expect(await queueDepth(faults.runtime, faults.runtime.outputs.MainQueueUrl ?? '')).toBe(1);
    releaseConsumers();
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: () => sink.sideEffects().some((d) => d.key === 'stripe:evt_f4_fifty'),
      }),
    ).toBe(true);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual({ lost: [], duplicated: [], orderViolations: [], unexpected: [] });
    expect(report.redelivered).toEqual([]);
    expect(report.sideEffects).toBe(1);
  });
});
