import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ingestWebhook, type IngestDependencies, type IngestSettings } from '#shared/ingest/ingest';
import { stripeOptionsSchema, stripeProvider } from '#shared/providers/stripe/index';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { stateKey } from '#shared/store/records';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { aSignedStripeRequest, aStripeEvent, stripeBody } from '../../helpers/providers/stripe';

const SECRET = 'whsec_store_test';
const sqs = mockClient(SQSClient);
let table: LocalEventTable;

beforeAll(async () => {
  table = await startEventTable();
});
afterAll(() => table.stop());
beforeEach(() => sqs.on(SendMessageCommand).resolves({ MessageId: 'm' }));
afterEach(() => sqs.reset());

const settings: IngestSettings = {
  tenants: new Set(['default']),
  maxBodyBytes: 1_000_000,
  inlineBodyMaxBytes: 64_000,
  ingestLeaseSeconds: 30,
};

const depsAt = (now: () => Date): IngestDependencies => ({
  store: new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 }),
  rawBodies: new RawBodies(new S3Client({}), 'unused'),
  queue: new EventQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs.local/main.fifo'),
  secretsFor: () => Promise.resolve([SECRET]),
  now,
});

const deliver = (deps: IngestDependencies, eventId: string, correlationId = 'corr-0000001') => {
  const request = aSignedStripeRequest(
    stripeBody(aStripeEvent({ id: eventId })),
    SECRET,
    Math.floor(deps.now().getTime() / 1000),
  );
  return ingestWebhook(deps, settings, stripeProvider, stripeOptionsSchema.parse({}), {
    tenant: undefined,
    request,
    correlationId,
  });
};

const stateOf = async (eventId: string) =>
  (await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: stateKey(eventId) })))
    .Item;

describe('ingest against the event table (dynalite)', () => {
  it('stores one event for 20 concurrent identical deliveries, every send under one deduplication id', async () => {
    const deps = depsAt(() => new Date());

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => deliver(deps, 'evt_concurrent', `corr-${1000000 + i}`)),
    );

    const statuses = results.map((r) => (r.kind === 'ingested' ? r.status : r.kind));
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    // The others found it stored and sent it again (decision 0045): the queue keeps one copy.
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    const dedupIds = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId);
    const eventId = results[0]?.kind === 'ingested' ? results[0].items[0]?.eventId : undefined;
    expect(new Set(dedupIds)).toEqual(new Set([eventId]));
    const state = await stateOf(eventId ?? '');
    expect(state?.status).toBe('RECEIVED');
    // Every duplicate is counted; the timeline takes the first three, the item keeps the latest.
    expect((state?.audit as { action: string }[]).map((a) => a.action)).toEqual([
      'accepted',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(state?.duplicates).toBe(19);
    expect(state?.lastDuplicate).toMatchObject({ action: 'duplicate', by: 'ingest' });
  });

  it('re-enqueues with the same dedup id when a retry finds the event RECEIVED after the lease', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const deps = depsAt(() => now);
    sqs.on(SendMessageCommand).rejectsOnce(new Error('queue down')).resolves({ MessageId: 'm' });
    await expect(deliver(deps, 'evt_retry')).rejects.toThrow('enqueue failed');

    now = new Date('2026-01-01T00:01:00Z');
    const retry = await deliver(deps, 'evt_retry', 'corr-retry-001');

    expect(retry).toMatchObject({ kind: 'ingested', status: 202, items: [{ outcome: 'requeued' }] });
    const sends = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId);
    expect(sends).toHaveLength(2);
    expect(sends[0]).toBe(sends[1]);
    const eventId = retry.kind === 'ingested' ? (retry.items[0]?.eventId ?? '') : '';
    expect(await stateOf(eventId)).toMatchObject({ status: 'RECEIVED', correlationId: 'corr-0000001' });
  });

  it('sends a RECEIVED event again under the lease with the same dedup id, answering 200, and only audits the duplicate', async () => {
    let now = new Date('2026-01-02T00:00:00Z');
    const deps = depsAt(() => now);
    sqs.on(SendMessageCommand).rejectsOnce(new Error('queue down')).resolves({ MessageId: 'm' });
    await expect(deliver(deps, 'evt_lease')).rejects.toThrow();
    // The failed send still names the event: its dedup id is the event id.
    const eventId = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageDeduplicationId ?? '';
    const before = await stateOf(eventId);

    now = new Date('2026-01-02T00:00:05Z');
    const early = await deliver(deps, 'evt_lease');

    expect(early).toMatchObject({ kind: 'ingested', status: 200, items: [{ outcome: 'duplicate' }] });
    const dedupIds = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId);
    expect(dedupIds).toEqual([eventId, eventId]);
    expect(await stateOf(eventId)).toEqual({
      ...before,
      audit: [
        ...(before?.audit as unknown[]),
        {
          at: '2026-01-02T00:00:05.000Z',
          action: 'duplicate',
          by: 'ingest',
          detail: 'answered 200',
        },
      ],
      duplicates: 1,
    });
  });

  it('re-opens a dead-lettered event on redelivery with a fresh dedup id, audited', async () => {
    const deps = depsAt(() => new Date());
    const first = await deliver(deps, 'evt_dead');
    const eventId = first.kind === 'ingested' ? (first.items[0]?.eventId ?? '') : '';
    await deps.store.transition(eventId, ['RECEIVED'], 'DEAD_LETTERED', {
      at: new Date().toISOString(),
      action: 'dead-lettered',
      by: 'consumer',
    });

    const redelivery = await deliver(deps, 'evt_dead');

    expect(redelivery).toMatchObject({ status: 202, items: [{ outcome: 'reopened' }] });
    const dedupIds = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId);
    expect(dedupIds).toEqual([eventId, `${eventId}#2`]);
    const state = await stateOf(eventId);
    expect(state).toMatchObject({ status: 'QUEUED', sends: 2 });
    expect((state?.audit as { action: string }[]).at(-1)?.action).toBe('reopened');
  });

  it('records a nonce once and refuses it with another body', async () => {
    const store = depsAt(() => new Date()).store;
    const now = new Date();

    expect(await store.recordNonce('mailgun', 'secret-a', 'token-1', 'body-1', 600, now)).toBe(true);
    expect(await store.recordNonce('mailgun', 'secret-a', 'token-1', 'body-2', 600, now)).toBe(false);
  });

  it('lets the same nonce through with the same body: the provider retrying a delivery answered 5xx', async () => {
    const store = depsAt(() => new Date()).store;
    const now = new Date();

    expect(await store.recordNonce('mailgun', 'secret-a', 'token-2', 'body-1', 600, now)).toBe(true);
    expect(await store.recordNonce('mailgun', 'secret-a', 'token-2', 'body-1', 600, now)).toBe(true);
  });

  it('scopes nonces by the verifying secret, not by tenant', async () => {
    const store = depsAt(() => new Date()).store;
    const now = new Date();

    expect(await store.recordNonce('mailgun', 'secret-a', 'token-3', 'body-1', 600, now)).toBe(true);
    expect(await store.recordNonce('mailgun', 'secret-b', 'token-3', 'body-2', 600, now)).toBe(true);
    expect(await store.recordNonce('mailgun', 'secret-a', 'token-3', 'body-2', 600, now)).toBe(false);
  });
});
