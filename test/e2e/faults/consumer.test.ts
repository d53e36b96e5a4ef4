import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { toSqsRecord } from '../../../local/event-source/sqs-event';
import {
  deliver,
  drain,
  FaultSink,
  Ledger,
  queueDepth,
  violations,
  waitFor,
  Webhooks,
} from '../../helpers/ledger';
import { startFaultRuntime, type RunningFaults } from '../../helpers/local-runtime';

// The first run synthesizes and bundles the fault stack.
jest.setTimeout(240_000);

/** The main queue's visibility timeout: 6 × the 30 s consumer timeout (lib/constructs/event-queue.ts). */
const VISIBILITY_TIMEOUT_MS = 180_000;
const CONSUMER_TIMEOUT_MS = 30_000;
/** How long a hung write is held on the runtime's clock: past the deadline and the batch's redelivery. */
const HUNG_WRITE_MS = CONSUMER_TIMEOUT_MS + VISIBILITY_TIMEOUT_MS + 10_000;

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const sink = new FaultSink();
let faults: RunningFaults;
let webhooks: Webhooks;
let documents: DynamoDBDocumentClient;
let sqs: SQSClient;

beforeAll(async () => {
  faults = await startFaultRuntime({ sinkPort: await sink.start() });
  webhooks = Webhooks.for(faults.runtime);
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: faults.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
  );
  sqs = new SQSClient({ endpoint: faults.runtime.endpoints.sqs, region: 'us-east-1', credentials });
});
afterAll(async () => {
  sqs.destroy();
  await faults.runtime.stop();
  await sink.stop();
});
afterEach(() => {
  faults.runtime.emulators.sqs.clearFaults();
  faults.runtime.emulators.dynamodb.clearFaults();
  faults.runtime.lambda.clearFaults();
  sink.behaviour = () => 200;
});

const stateOf = async (eventId: string) =>
  (
    await documents.send(
      new GetCommand({
        TableName: faults.runtime.outputs.EventTableName,
        Key: { PK: `EVT#${eventId}`, SK: 'STATE' },
        ConsistentRead: true,
      }),
    )
  ).Item as { status: string; audit: { action: string; detail?: string }[] } | undefined;

const eventIdIn = async (response: Response) =>
  ((await response.clone().json()) as { events: { id: string }[] }).events[0]?.id ?? '';

const holdConsumers = () => Promise.all(faults.runtime.eventSources.map((source) => source.stop()));
const releaseConsumers = () => faults.runtime.eventSources.forEach((source) => source.start());

const consumerLogs = () => faults.runtime.lambda.jsonLogs(faults.functions.consumer);

/** Sends each entity's events in order (each acknowledged before the next), entities in parallel. */
const sendOrdered = async (
  ledger: Ledger,
  entities: readonly string[],
  perEntity: number,
  prefix: string,
) => {
  const ids = new Map<string, string>();
  await Promise.all(
    entities.map(async (customer) => {
      for (let seq = 1; seq <= perEntity; seq += 1) {
        const id = `evt_${prefix}_${customer}_${seq}`;
        const response = await deliver(ledger, webhooks.stripe({ id, customer, created: seq }));
        if (response.status !== 202) throw new Error(`${id} answered ${response.status}`);
        ids.set(`stripe:${id}`, await eventIdIn(response));
      }
    }),
  );
  return ids;
};

const NO_VIOLATIONS = { lost: [], duplicated: [], orderViolations: [], unexpected: [] };

/** The update that completes a consumer's run (its Powertools record) and marks the event with its outcome. */
const completesARun = (request: unknown) =>
  (request as { ExpressionAttributeValues?: Record<string, { S?: string }> }).ExpressionAttributeValues?.[
    ':completed'
  ]?.S === 'COMPLETED';

describe('consumer faults', () => {
  it('5. two invocations given the same record at once run its side effect once; the second backs off', async () => {
    const ledger = new Ledger();
    await holdConsumers();
    const response = await deliver(
      ledger,
      webhooks.stripe({ id: 'evt_f5_twice', customer: 'cus_f5', created: 1 }),
    );
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: faults.runtime.outputs.MainQueueUrl,
        MaxNumberOfMessages: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const [message] = received.Messages ?? [];
    if (!message) throw new Error('nothing was queued');
    const queueArn = `arn:aws:sqs:us-east-1:000000000000:${faults.runtime.outputs.MainQueueUrl?.split('/').pop() ?? ''}`;
    const batch = { Records: [toSqsRecord(message, queueArn)] };
    // The first invocation holds the record (its in-progress lock) while the sink is slow.
    sink.behaviour = () => ({ status: 200, delayMs: 1500 });

    const outcomes = await Promise.all([
      faults.runtime.lambda.invoke(faults.functions.consumer, batch),
      new Promise((r) => setTimeout(r, 300)).then(() =>
        faults.runtime.lambda.invoke(faults.functions.consumer, batch),
      ),
    ]);
    // The copy comes back after the second invocation's backoff and is dropped: the event is PROCESSED.
    releaseConsumers();

    const failures = outcomes.map((o) =>
      'result' in o ? (o.result as { batchItemFailures: unknown[] }).batchItemFailures.length : -1,
    );
    // Which of the two claims first depends on scheduling; one runs it, the other backs off.
    expect([...failures].sort()).toEqual([0, 1]);
    // Backing off from another invocation's run is not an attempt: nothing is marked RETRYING.
    const state = await stateOf(await eventIdIn(response));
    expect(state?.audit.map((entry) => entry.action)).not.toContain('retrying');
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: async () => (await stateOf(await eventIdIn(response)))?.status === 'PROCESSED',
      }),
    ).toBe(true);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(report.redelivered).toEqual([]);
    expect(sink.totalAttempts()).toBe(1);
  });

  it('6. a consumer that times out in the middle of a batch unlocks its in-progress record at the deadline and runs every record once', async () => {
    const ledger = new Ledger();
    await holdConsumers();
    const ids = await sendOrdered(ledger, ['cus_f6'], 6, 'f6');
    const consumerTimeouts = () => faults.runtime.lambda.counters()[faults.functions.consumer]?.timeouts ?? 0;
    const timeoutsBefore = consumerTimeouts();
    // The first record's PROCESSED write (the update that completes its run) is held on the
    // runtime's clock past the invocation's deadline. Time moves only once the write is being held,
    // so the deadline falls after it.
    faults.runtime.emulators.dynamodb.injectFault('UpdateItem', {
      kind: 'delay',
      ms: HUNG_WRITE_MS,
      times: 1,
      matching: completesARun,
    });
    releaseConsumers();
    const held = await waitFor(
      () => faults.runtime.emulators.dynamodb.armedFaults('UpdateItem') === 0,
      30_000,
    );
    faults.runtime.clock.advance(CONSUMER_TIMEOUT_MS);
    const timedOut = await waitFor(() => consumerTimeouts() > timeoutsBefore, 10_000);
    const effectsAtTimeout = sink.sideEffects().filter((d) => d.entity === 'cus_f6').length;
    // The batch is invisible for the queue's visibility timeout: jump over it, the write still held.
    faults.runtime.clock.advance(VISIBILITY_TIMEOUT_MS);
    const drained = await drain(faults.runtime, {
      timeoutMs: 30_000,
      done: () => sink.sideEffects().filter((d) => d.entity === 'cus_f6').length >= 7,
    });
    // Then the hung write lands, late, and its condition refuses it.
    const writesBeforeLanding = faults.runtime.emulators.dynamodb.writes().length;
    faults.runtime.clock.advance(HUNG_WRITE_MS);
    const refused = await waitFor(
      () =>
        faults.runtime.emulators.dynamodb
          .writes()
          .slice(writesBeforeLanding)
          .some((write) => write.conditionFailed),
      10_000,
    );

    expect({ held, timedOut, drained, refused }).toEqual({
      held: true,
      timedOut: true,
      drained: true,
      refused: true,
    });
    expect(effectsAtTimeout).toBe(1);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    // Only the record whose side effect preceded the crash is delivered again, under the same downstream key.
    expect(report.redelivered).toEqual(['stripe:evt_f6_cus_f6_1']);
    const statuses = await Promise.all([...ids.values()].map(async (id) => (await stateOf(id))?.status));
    expect(statuses.every((s) => s === 'PROCESSED')).toBe(true);
  });

  it('7. DynamoDB throttling makes records retry, and none is dropped', async () => {
    const ledger = new Ledger();
    await holdConsumers();
    const ids = await sendOrdered(ledger, ['cus_f7_a', 'cus_f7_b', 'cus_f7_c', 'cus_f7_d'], 5, 'f7');
    for (const action of ['GetItem', 'PutItem', 'UpdateItem']) {
      faults.runtime.emulators.dynamodb.injectFault(action, { kind: 'throttle', times: 12 });
    }
    releaseConsumers();

    // A throttled completion (the write after the side effect) leaves its run claimed until the
    // invocation's deadline: the record is retried after it, so the side effects come before the
    // last PROCESSED.
    const allProcessed = async () =>
      (await Promise.all([...ids.values()].map(async (id) => (await stateOf(id))?.status))).every(
        (s) => s === 'PROCESSED',
      );
    expect(
      await drain(faults.runtime, {
        timeoutMs: 90_000,
        done: async () =>
          sink.sideEffects().filter((d) => d.entity.startsWith('cus_f7_')).length >= 20 &&
          (await allProcessed()),
      }),
    ).toBe(true);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(consumerLogs().some((l) => JSON.stringify(l).includes('ProvisionedThroughputExceeded'))).toBe(
      true,
    );
  });

  it('8. a poison event heads one group while other groups share its batches: only its own entity waits', async () => {
    const ledger = new Ledger();
    sink.behaviour = (delivery) => (delivery.key === 'stripe:evt_f8_poison' ? 500 : 200);
    await holdConsumers();
    const poison = await deliver(
      ledger,
      webhooks.stripe({ id: 'evt_f8_poison', customer: 'cus_f8_poison', created: 1 }),
    );
    await sendOrdered(ledger, ['cus_f8_a', 'cus_f8_b', 'cus_f8_c', 'cus_f8_d', 'cus_f8_e'], 4, 'f8');
    releaseConsumers();

    const poisonId = await eventIdIn(poison);
    expect(
      await drain(faults.runtime, {
        timeoutMs: 60_000,
        done: async () => (await stateOf(poisonId))?.status === 'DEAD_LETTERED',
      }),
    ).toBe(true);
    const report = ledger.check(sink, { withoutSideEffect: ['stripe:evt_f8_poison'] });
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(report.sideEffects).toBe(20);
    expect(
      await queueDepth(faults.runtime, faults.runtime.outputs.DeadLetterQueueUrl ?? ''),
    ).toBeGreaterThanOrEqual(1);
  });

  it('9. healthy followers of a poison event are not burned into the dead-letter queue by its retries', async () => {
    const ledger = new Ledger();
    sink.behaviour = (delivery) => (delivery.key === 'stripe:evt_f9_poison' ? 500 : 200);
    await holdConsumers();
    const dlqBefore = await queueDepth(faults.runtime, faults.runtime.outputs.DeadLetterQueueUrl ?? '');
    const poison = await deliver(
      ledger,
      webhooks.stripe({ id: 'evt_f9_poison', customer: 'cus_f9', created: 1 }),
    );
    const followers = [];
    for (let seq = 2; seq <= 4; seq += 1) {
      followers.push(
        await deliver(
          ledger,
          webhooks.stripe({ id: `evt_f9_follower_${seq}`, customer: 'cus_f9', created: seq }),
        ),
      );
    }
    releaseConsumers();

    const poisonId = await eventIdIn(poison);
    const followerIds = await Promise.all(followers.map(eventIdIn));
    expect(
      await drain(faults.runtime, {
        timeoutMs: 60_000,
        done: async () =>
          (await stateOf(poisonId))?.status === 'DEAD_LETTERED' &&
          (await Promise.all(followerIds.map(stateOf))).every((s) => s?.status !== 'QUEUED'),
      }),
    ).toBe(true);
    const report = ledger.check(sink, { withoutSideEffect: ['stripe:evt_f9_poison'] });
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect((await Promise.all(followerIds.map(stateOf))).map((s) => s?.status)).toEqual([
      'PROCESSED',
      'PROCESSED',
      'PROCESSED',
    ]);
    expect(
      (await queueDepth(faults.runtime, faults.runtime.outputs.DeadLetterQueueUrl ?? '')) - dlqBefore,
    ).toBe(1);
  });
});
