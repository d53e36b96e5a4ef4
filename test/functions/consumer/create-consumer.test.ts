import 'aws-sdk-client-mock-jest';
import { noMessageDelivery, noReceipts } from '../../helpers/no-channels';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { RelayFlowMetrics } from '#shared/powertools/index';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context, SQSRecord } from 'aws-lambda';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { createConsumer, type ConsumerSettings } from '#shared/consumer/create-consumer';
import { PauseGate } from '#shared/flow/pause-gate';
import { PauseStore } from '#shared/flow/pause-store';
import { NO_QUOTAS } from '#shared/flow/contract';
import { ConsumerQueue } from '#shared/consumer/queue';
import { resolveRoutes, Router, RoutesSchema } from '#shared/routing/routes';
import { EventStore, type EventPayload } from '#shared/store/event-store';
import { EventItemPersistenceLayer } from '#shared/store/run-records';
import { ProcessingStore } from '#shared/store/processing-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { AuditLog } from '#shared/replay/audit-log';
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TargetError } from '#shared/targets/errors';
import { EventBridgeDelivery } from '#shared/targets/eventbridge';
import { HttpDelivery } from '#shared/targets/http';
import { Deliveries, downstreamKeyOf } from '#shared/targets/index';
import type { Workflow } from '#shared/targets/types';
import { WorkflowDelivery } from '#shared/targets/workflow';
import { aLambdaContext } from '../../helpers/api-gateway';
import { aRecordingLimiter } from '../../helpers/limiter';
import { aStoredEvent, anIntegrationEvent, anSqsBatch, anSqsRecord } from '../../helpers/sqs-events';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const SETTINGS: ConsumerSettings = {
  maxAttempts: 3,
  maxReceiveCount: 12,
  backoff: { baseSeconds: 2, maxSeconds: 60 },
  deadlineReserveMs: 100,
  maxCausationDepth: 8,
};

let tables: LocalEventTable;
/** Status changes a run found already made by someone else. */
let movedElsewhere: string[];
let store: EventStore;
const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const sqsMock = mockClient(sqs);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const s3Mock = mockClient(s3);

/** What the workflows did, in order: the side effects the tests count. */
let effects: string[];
let workflows: Map<string, Workflow>;

beforeAll(async () => {
  tables = await startEventTable();
  store = new EventStore(tables.documentClient, { tableName: tables.tableName, retentionDays: 30 });
});

afterAll(async () => {
  await tables.stop();
});

beforeEach(() => {
  effects = [];
  movedElsewhere = [];
  workflows = new Map<string, Workflow>([
    ['first', (event) => Promise.resolve(void effects.push(`first:${event.id}`))],
    ['second', (event) => Promise.resolve(void effects.push(`second:${event.id}`))],
  ]);
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

afterEach(() => {
  s3Mock.reset();
  sqsMock.reset();
});

/** A consumer over the local tables, as one Lambda container would build it. */
const aConsumer = (routes: unknown[], settings: ConsumerSettings = SETTINGS) => {
  const resolved = resolveRoutes(RoutesSchema.parse(routes), new Set(workflows.keys()));
  if (resolved.problems.length) throw new Error(JSON.stringify(resolved.problems));
  const processing = new ProcessingStore(tables.documentClient, {
    tableName: tables.tableName,
    retentionDays: 30,
  });
  const audit = new AuditLog(tables.documentClient, tables.tableName);
  return createConsumer(
    {
      store,
      processing,
      audit,
      rawBodies: new RawBodies(s3, 'raw'),
      router: new Router(resolved.routes),
      deliveries: new Deliveries({
        http: new HttpDelivery({
          signer: () => Promise.reject(new Error('no http targets here')),
          limiter: aRecordingLimiter().limiter,
        }),
        eventbridge: new EventBridgeDelivery(new EventBridgeClient({ region: 'us-east-1' })),
        workflow: new WorkflowDelivery(workflows, {
          records: processing,
          audit,
          publisher: { publish: () => Promise.reject(new Error('these workflows emit nothing')) },
          now: () => new Date(),
        }),
        message: noMessageDelivery(),
      }),
      admission: NO_QUOTAS,
      receipts: noReceipts,
      gate: new PauseGate(
        {
          pauses: new PauseStore(tables.documentClient, {
            tableName: tables.tableName,
            retentionDays: 30,
            // The gate below reads the pauses on every record: a pause may hold at once.
            takesEffectAfterMs: 0,
          }),
          store,
          now: () => new Date(),
        },
        0,
      ),
      queue: new ConsumerQueue(sqs, { main: 'main.fifo', deadLetter: 'dlq.fifo' }),
      idempotency: {
        persistenceStore: new EventItemPersistenceLayer(store, (eventId, change) =>
          movedElsewhere.push(`${eventId}:${change.to}`),
        ),
        config: new IdempotencyConfig({ expiresAfterSeconds: 72 * 3600 }),
      },
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new RelayFlowMetrics({ namespace: 'RelayFlowTest' }),
      now: () => new Date(),
      random: () => 0.5,
    },
    settings,
  );
};

const ROUTE_FIRST = [{ match: { type: '*' }, targets: [{ kind: 'workflow', name: 'first' }] }];

const stored = async (
  overrides: Partial<IntegrationEvent> = {},
  raw?: EventPayload['raw'],
  attemptsMade = 0,
) => {
  const event = anIntegrationEvent(overrides);
  const { state, payload } = aStoredEvent(event, attemptsMade ? { attempts: attemptsMade } : {});
  await store.putPayloadIfAbsent(raw ? { ...payload, raw, rawBody: undefined } : payload, new Date());
  await store.createState(state, new Date());
  return event;
};

const run = (
  consumer: ReturnType<typeof aConsumer>,
  records: SQSRecord[],
  context: Context = aLambdaContext(),
) => consumer(anSqsBatch(records), context);

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

const visibilityOf = (messageId: string) =>
  sqsMock
    .commandCalls(ChangeMessageVisibilityBatchCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .find((e) => e.ReceiptHandle === `receipt-${messageId.slice('msg-'.length)}`)?.VisibilityTimeout;

const claimFor = (event: IntegrationEvent, forcedRun: number) =>
  JSON.stringify({ v: 1, eventId: event.id, correlationId: event.correlationId, run: forcedRun });

/** What a forced replay writes before it sends: the event back to RECEIVED, with the run it forces. */
const forceReplay = (event: IntegrationEvent, forcedRun: number) =>
  store.transition(
    event.id,
    ['PROCESSED'],
    'RECEIVED',
    { at: new Date().toISOString(), action: 'replay-started', by: 'replay', status: 'RECEIVED' },
    { run: forcedRun },
  );

/** The run record Powertools keeps in the event's state item (decision 0044). */
const runRecordOf = async (eventId: string) => {
  const { Item } = await tables.documentClient.send(
    new GetCommand({ TableName: tables.tableName, Key: { PK: `EVT#${eventId}`, SK: 'STATE' } }),
  );
  return {
    key: Item?.idem as string | undefined,
    status: Item?.idemStatus as string | undefined,
    expiry: Item?.idemExpiry as number | undefined,
    result: Item?.idemResult as Record<string, unknown> | undefined,
  };
};

describe('consumer against a local DynamoDB', () => {
  it('runs the side effect once when 20 invocations receive the same event at the same time', async () => {
    const event = await stored();
    workflows.set('first', async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      effects.push(`first:${e.id}`);
    });
    const consumers = Array.from({ length: 20 }, () => aConsumer(ROUTE_FIRST));

    const responses = await Promise.all(consumers.map((consumer) => run(consumer, [anSqsRecord(event)])));

    expect(effects).toEqual([`first:${event.id}`]);
    const state = await store.getState(event.id);
    expect(state?.status).toBe('PROCESSED');
    expect(state?.audit.filter((a) => a.action === 'processed')).toHaveLength(1);
    // The losers either saw the run in progress (retried later) or its finished state (dropped).
    const failed = responses.flatMap(failedIds);
    expect(failed.length).toBeLessThan(20);
  });

  it('runs an event again once the in-progress record of a timed-out invocation has expired', async () => {
    const event = await stored();
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    let calls = 0;
    workflows.set('first', async (e) => {
      calls += 1;
      if (calls === 1) {
        entered();
        // A Lambda that times out never resumes.
        await new Promise<never>(() => undefined);
      }
      effects.push(`first:${e.id}`);
    });
    const consumer = aConsumer(ROUTE_FIRST);
    void run(consumer, [anSqsRecord(event)], aLambdaContext({ getRemainingTimeInMillis: () => 300 }));
    await inFlight;

    const whileInProgress = await run(consumer, [anSqsRecord(event, { receiveCount: 2 })]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const afterExpiry = await run(consumer, [anSqsRecord(event, { receiveCount: 3 })]);

    expect(failedIds(whileInProgress)).toHaveLength(1);
    expect(failedIds(afterExpiry)).toEqual([]);
    expect(effects).toEqual([`first:${event.id}`]);
    expect((await store.getState(event.id))?.status).toBe('PROCESSED');
  });

  it('never deletes a completed record when a duplicate arrives and the target would now fail', async () => {
    const event = await stored();
    const consumer = aConsumer(ROUTE_FIRST);
    await run(consumer, [anSqsRecord(event)]);
    const before = await runRecordOf(event.id);
    // A replay without force moves the state back; the completed run must still win.
    await store.transition(event.id, ['PROCESSED'], 'QUEUED', {
      at: new Date().toISOString(),
      action: 'replayed',
      by: 'replay',
      status: 'QUEUED',
    });
    workflows.set('first', () => Promise.reject(new TargetError('first', 'boom', true, 'now failing')));

    const response = await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event)]);

    expect(failedIds(response)).toEqual([]);
    expect(effects).toEqual([`first:${event.id}`]);
    expect(before.status).toBe('COMPLETED');
    expect(await runRecordOf(event.id)).toEqual(before);
    const state = await store.getState(event.id);
    expect(state?.status).toBe('PROCESSED');
    expect(state?.audit.at(-1)).toMatchObject({ action: 'duplicate', by: 'consumer' });
  });

  it('runs a finished event again, every target, when a forced replay names a new run', async () => {
    const event = await stored();
    const route = [
      {
        match: { type: '*' },
        targets: [
          { kind: 'workflow', name: 'first' },
          { kind: 'workflow', name: 'second' },
        ],
      },
    ];
    workflows.set('second', (e, ctx) => {
      effects.push(`second:${e.id}:${ctx.idempotencyKey}`);
      return Promise.resolve();
    });
    await run(aConsumer(route), [anSqsRecord(event)]);
    await forceReplay(event, 2);

    const response = await run(aConsumer(route), [anSqsRecord(event, { body: claimFor(event, 2) })]);

    expect(failedIds(response)).toEqual([]);
    expect(effects.filter((e) => e.startsWith('first:'))).toEqual([`first:${event.id}`, `first:${event.id}`]);
    const secondKeys = effects.filter((e) => e.startsWith('second:')).map((e) => e.split(':')[2]);
    expect(secondKeys).toHaveLength(2);
    expect(secondKeys[0]).not.toBe(secondKeys[1]);
    expect((await store.getState(event.id))?.status).toBe('PROCESSED');
  });

  it('does not run a processed event again for a message naming a run that no replay recorded', async () => {
    const event = await stored();
    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event)]);
    // Not final, as while a replay or a provider's redelivery has it: the consumer reads on.
    await store.transition(event.id, ['PROCESSED'], 'QUEUED', {
      at: new Date().toISOString(),
      action: 'replayed',
      by: 'replay',
      status: 'QUEUED',
    });

    const response = await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event, { body: claimFor(event, 7) })]);

    expect(failedIds(response)).toEqual([]);
    expect(effects).toEqual([`first:${event.id}`]);
    const state = await store.getState(event.id);
    expect(state?.status).toBe('PROCESSED');
    expect(state?.audit.at(-1)).toMatchObject({ action: 'duplicate', by: 'consumer' });
  });

  it('runs a forced replay once, under the run it recorded, when a message with a forged run comes first', async () => {
    const event = await stored();
    const keys: string[] = [];
    workflows.set('first', (_e, ctx) => Promise.resolve(void keys.push(ctx.idempotencyKey)));
    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event)]);
    await forceReplay(event, 2);

    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event, { body: claimFor(event, 9) })]);
    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event, { body: claimFor(event, 2) })]);

    expect(keys).toEqual([
      downstreamKeyOf(event.id, 'workflow:first'),
      downstreamKeyOf(`${event.id}#run2`, 'workflow:first'),
    ]);
    expect((await store.getState(event.id))?.status).toBe('PROCESSED');
  });

  it('finishes a forced run, not the first run, when its message returns without a run (a replay from the DLQ)', async () => {
    const event = await stored();
    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event)]);
    await forceReplay(event, 2);
    // The forced run was dead-lettered; a replay of a DEAD_LETTERED event sends a plain claim check.
    await store.transition(event.id, ['RECEIVED'], 'DEAD_LETTERED', {
      at: new Date().toISOString(),
      action: 'dead-lettered',
      by: 'consumer',
      status: 'DEAD_LETTERED',
    });

    const response = await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event)]);

    expect(failedIds(response)).toEqual([]);
    expect(effects).toEqual([`first:${event.id}`, `first:${event.id}`]);
    expect((await store.getState(event.id))?.audit.at(-1)).toMatchObject({
      action: 'processed',
      by: 'consumer',
    });
  });

  it('does not repeat a delivered target when a later target of the route fails', async () => {
    const event = await stored();
    let secondFails = true;
    workflows.set('second', (e) => {
      if (secondFails) return Promise.reject(new Error('receiver down'));
      effects.push(`second:${e.id}`);
      return Promise.resolve();
    });
    const consumer = aConsumer([
      {
        match: { type: 'payment.*' },
        targets: [
          { kind: 'workflow', name: 'first' },
          { kind: 'workflow', name: 'second' },
        ],
      },
    ]);

    const firstAttempt = anSqsRecord(event);
    const failed = await run(consumer, [firstAttempt]);
    const retrying = await store.getState(event.id);
    secondFails = false;
    const succeeded = await run(consumer, [anSqsRecord(event, { receiveCount: 2 })]);

    expect(failedIds(failed)).toEqual([firstAttempt.messageId]);
    expect(retrying?.status).toBe('RETRYING');
    expect(retrying?.lastError).toMatch(/^workflow-failed: /);
    expect(retrying?.audit.at(-1)?.detail).toMatch(
      /^attempt 1 of 3 failed; next attempt at \d{4}-\S+Z; workflow-failed: /,
    );
    expect(failedIds(succeeded)).toEqual([]);
    expect(effects).toEqual([`first:${event.id}`, `second:${event.id}`]);
    expect((await store.getState(event.id))?.audit.at(-1)?.detail).toMatch(/1 done before/);
  });

  it('backs a retryable failure off by full jitter through the message visibility', async () => {
    const event = await stored({}, undefined, 1);
    workflows.set('first', () => Promise.reject(new Error('flaky')));
    const record = anSqsRecord(event, { receiveCount: 2 });

    await run(aConsumer(ROUTE_FIRST), [record]);

    // attempt 2: ceiling min(2·2^1, 60) = 4 s; random 0.5 → floor(0.5·5) = 2 s.
    expect(visibilityOf(record.messageId)).toBe(2);
  });

  it('marks an event DEAD_LETTERED on its last attempt and moves it to the DLQ itself, so its group moves on in the same batch', async () => {
    const event = await stored({}, undefined, 2);
    const follower = await stored({ entity: event.entity });
    workflows.set('first', (e) =>
      e.id === event.id ? Promise.reject(new Error('still down')) : Promise.resolve(),
    );
    const record = anSqsRecord(event, { receiveCount: 3 });
    // The follower was received as often as the failing event, held back untried each time.
    const followerRecord = anSqsRecord(follower, {
      receiveCount: 3,
      groupId: record.attributes.MessageGroupId,
    });

    const response = await run(aConsumer(ROUTE_FIRST), [record, followerRecord]);

    expect(failedIds(response)).toEqual([]);
    const state = await store.getState(event.id);
    expect(state?.status).toBe('DEAD_LETTERED');
    expect(state?.lastError).toBe('workflow-failed: workflow first failed: still down');
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'dlq.fifo',
      MessageBody: record.body,
      MessageDeduplicationId: `dlq-${record.messageId}`,
    });
    expect((await store.getState(follower.id))?.status).toBe('PROCESSED');
  });

  it('marks a record held back until its receives ran out DEAD_LETTERED and leaves its move to the redrive', async () => {
    const event = await stored();
    const follower = await stored({ entity: event.entity });
    workflows.set('first', (e) =>
      e.id === event.id ? Promise.reject(new Error('flaky')) : Promise.resolve(),
    );
    const record = anSqsRecord(event);
    const followerRecord = anSqsRecord(follower, {
      receiveCount: SETTINGS.maxReceiveCount,
      groupId: record.attributes.MessageGroupId,
    });

    const response = await run(aConsumer(ROUTE_FIRST), [record, followerRecord]);

    expect(failedIds(response)).toEqual([record.messageId, followerRecord.messageId]);
    const state = await store.getState(follower.id);
    expect(state?.status).toBe('DEAD_LETTERED');
    expect(state?.lastError).toBe('held-back: an earlier event of the same entity kept failing');
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(visibilityOf(followerRecord.messageId)).toBe(0);
  });

  it('counts its own attempts: a record received often while held back untried is not dead-lettered by its first failure', async () => {
    const event = await stored();
    workflows.set('first', () => Promise.reject(new Error('flaky')));

    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event, { receiveCount: 3 })]);

    const state = await store.getState(event.id);
    expect(state?.status).toBe('RETRYING');
    expect(state?.attempts).toBe(1);
    expect(state?.audit.at(-1)?.detail).toMatch(/^attempt 1 of 3 failed/);
  });

  it('starts a new run from zero attempts when the message finds its event DEAD_LETTERED (a replay not yet recorded)', async () => {
    const event = await stored({}, undefined, 3);
    await store.transition(event.id, ['QUEUED'], 'DEAD_LETTERED', {
      at: new Date().toISOString(),
      action: 'dead-lettered',
      by: 'consumer',
      status: 'DEAD_LETTERED',
    });
    workflows.set('first', () => Promise.reject(new Error('flaky')));

    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event)]);

    const state = await store.getState(event.id);
    expect(state?.status).toBe('RETRYING');
    expect(state?.attempts).toBe(1);
  });

  it('dead-letters a permanent failure at once and lets the main queue delete the message', async () => {
    const event = await stored();
    workflows.set('first', () =>
      Promise.reject(new TargetError('first', 'http-400', false, 'receiver refused the event')),
    );
    const record = anSqsRecord(event);

    const response = await run(aConsumer(ROUTE_FIRST), [record]);

    expect(failedIds(response)).toEqual([]);
    expect((await store.getState(event.id))?.status).toBe('DEAD_LETTERED');
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'dlq.fifo',
      MessageBody: record.body,
      MessageGroupId: record.attributes.MessageGroupId,
      MessageDeduplicationId: `dlq-${record.messageId}`,
    });
  });

  it('marks an event no route matches PROCESSED with outcome unrouted', async () => {
    const event = await stored({ type: 'crm.contact.created' });

    const response = await run(
      aConsumer([{ match: { type: 'payment.*' }, targets: [{ kind: 'workflow', name: 'first' }] }]),
      [anSqsRecord(event)],
    );

    expect(failedIds(response)).toEqual([]);
    expect(effects).toEqual([]);
    const state = await store.getState(event.id);
    expect(state?.status).toBe('PROCESSED');
    expect(state?.audit.at(-1)).toMatchObject({ action: 'unrouted', status: 'PROCESSED' });
  });

  it('marks an event older than its entity’s newest applied event STALE on a skip route, without running it', async () => {
    const entity = { kind: 'customer', id: `cus_${Date.now()}` };
    const consumer = aConsumer([
      { match: { type: '*' }, targets: [{ kind: 'workflow', name: 'first' }], onStale: 'skip' },
    ]);
    const newer = await stored({ entity, occurredAt: '2025-06-01T12:00:00.000Z' });
    const older = await stored({ entity, occurredAt: '2025-06-01T11:59:59.000+00:00' });
    const newest = await stored({ entity, occurredAt: '2025-06-01T13:00:00.000Z' });

    await run(consumer, [anSqsRecord(newer)]);
    await run(consumer, [anSqsRecord(older)]);
    await run(consumer, [anSqsRecord(newest)]);

    expect(effects).toEqual([`first:${newer.id}`, `first:${newest.id}`]);
    const stale = await store.getState(older.id);
    expect(stale?.status).toBe('STALE');
    expect(stale?.audit.at(-1)?.detail).toContain(`before 2025-06-01T12:00:00.000Z of ${newer.id}`);
  });

  it('applies an older event on a route that keeps the default onStale apply', async () => {
    const entity = { kind: 'customer', id: `cus_apply_${Date.now()}` };
    const consumer = aConsumer(ROUTE_FIRST);
    const newer = await stored({ entity, occurredAt: '2025-06-01T12:00:00.000Z' });
    const older = await stored({ entity, occurredAt: '2025-06-01T11:00:00.000Z' });

    await run(consumer, [anSqsRecord(newer)]);
    await run(consumer, [anSqsRecord(older)]);

    expect(effects).toEqual([`first:${newer.id}`, `first:${older.id}`]);
  });

  it('keeps the run record in the state item for the configured TTL, keyed by event id, without the status change', async () => {
    const event = await stored();

    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(event)]);

    const record = await runRecordOf(event.id);
    expect(record.key).toBe(event.id);
    expect(record.status).toBe('COMPLETED');
    expect((record.expiry ?? 0) - Date.now() / 1000).toBeGreaterThan(72 * 3600 - 60);
    expect(record.result).toEqual({
      runId: expect.any(String),
      outcome: 'processed',
    });
    expect(await store.getState(event.id)).not.toHaveProperty('idem');
  });

  it('hands a workflow the exact raw body, read from S3 when the event went through the claim check', async () => {
    const body = Buffer.from('{"exact":"bytes as received"}');
    const object = { transformToByteArray: () => Promise.resolve(new Uint8Array(gzipSync(body))) };
    s3Mock.on(GetObjectCommand, { Bucket: 'raw', Key: 'raw/default/stripe/2025-06-01/abc.gz' }).resolves({
      Body: object as unknown as GetObjectCommandOutput['Body'],
    });
    const inline = await stored();
    const large = await stored(
      {},
      { kind: 's3', bucket: 'raw', key: 'raw/default/stripe/2025-06-01/abc.gz' },
    );
    const seen: string[] = [];
    workflows.set('first', async (_event, ctx) => void seen.push((await ctx.rawBody()).toString('utf8')));

    await run(aConsumer(ROUTE_FIRST), [anSqsRecord(inline), anSqsRecord(large)]);

    expect(seen).toEqual([JSON.stringify(inline.data), body.toString('utf8')]);
  });
});

describe('consumer flow control (issue 18)', () => {
  it('skips a route whose filter does not match and takes the next', async () => {
    const small = await stored({ data: { amount: 5 } });
    const large = await stored({ data: { amount: 5000 } });
    const routes = [
      {
        match: { type: '*', filter: { path: 'data.amount', '>=': 1000 } },
        targets: [{ kind: 'workflow', name: 'first' }],
      },
      { match: { type: '*' }, targets: [{ kind: 'workflow', name: 'second' }] },
    ];

    await run(aConsumer(routes), [anSqsRecord(small), anSqsRecord(large)]);

    expect(effects.sort()).toEqual([`first:${large.id}`, `second:${small.id}`].sort());
    expect((await store.getState(small.id))?.audit.at(-1)?.detail).toMatch(/^route #1 /);
  });

  it("retries by the target's policy over the route's over the default", async () => {
    // Attempt 3 of the default 3 would dead-letter; the route allows 2; the target allows 4.
    const event = await stored({}, undefined, 2);
    workflows.set('first', () => Promise.reject(new Error('flaky')));
    const record = anSqsRecord(event, { receiveCount: 3 });
    const routes = [
      {
        match: { type: '*' },
        retry: { maxAttempts: 2, backoffMaxSeconds: 1 },
        targets: [{ kind: 'workflow', name: 'first', retry: { maxAttempts: 4 } }],
      },
    ];

    await run(aConsumer(routes), [record]);

    const state = await store.getState(event.id);
    expect(state?.status).toBe('RETRYING');
    expect(state?.audit.at(-1)?.detail).toMatch(/^attempt 3 of 4 failed/);
    // The route's backoff ceiling of 1 s holds for the target, which does not set its own.
    expect(visibilityOf(record.messageId)).toBeLessThanOrEqual(1);
  });

  it("dead-letters on the route's last attempt when its target sets no attempts of its own", async () => {
    const event = await stored({}, undefined, 1);
    workflows.set('first', () => Promise.reject(new Error('flaky')));
    const routes = [
      { match: { type: '*' }, retry: { maxAttempts: 2 }, targets: [{ kind: 'workflow', name: 'first' }] },
    ];

    await run(aConsumer(routes), [anSqsRecord(event, { receiveCount: 2 })]);

    expect((await store.getState(event.id))?.status).toBe('DEAD_LETTERED');
  });

  it('dead-letters with its reason an event whose target transform throws at run time', async () => {
    const event = await stored();
    const routes = [
      {
        match: { type: '*' },
        targets: [{ kind: 'eventbridge', transform: '$error("no plan for " & type)' }],
      },
    ];

    await run(aConsumer(routes), [anSqsRecord(event)]);

    const state = await store.getState(event.id);
    expect(state?.status).toBe('DEAD_LETTERED');
    expect(state?.lastError).toBe(`transform-failed: transform failed: no plan for ${event.type}`);
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: 'dlq.fifo' });
  });

  it('dead-letters at once a retryable failure whose class is not in retryOn', async () => {
    const event = await stored();
    workflows.set('first', () => Promise.reject(new TargetError('first', 'http-503', true, 'receiver down')));
    const routes = [
      {
        match: { type: '*' },
        targets: [{ kind: 'workflow', name: 'first', retry: { retryOn: ['timeout', 'http-429'] } }],
      },
    ];

    await run(aConsumer(routes), [anSqsRecord(event)]);

    const state = await store.getState(event.id);
    expect(state?.status).toBe('DEAD_LETTERED');
    expect(state?.lastError).toMatch(/not retried: http-503 is not in retryOn/);
  });
});
