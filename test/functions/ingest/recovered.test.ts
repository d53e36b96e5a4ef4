import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ingestWebhook, type IngestDependencies, type IngestSettings } from '#shared/ingest/ingest';
import { stripeOptionsSchema, stripeProvider } from '#shared/providers/stripe/index';
import type { Provider } from '#shared/providers/types';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { stateKey } from '#shared/store/records';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import {
  aSignedStripeRequest,
  aStripeEvent,
  aStripeRequest,
  stripeBody,
} from '../../helpers/providers/stripe';

const SECRET = 'whsec_recovered_test';
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
const options = stripeOptionsSchema.parse({});
const NOW = new Date('2026-03-01T10:00:00Z');

const depsWith = (secretsFor: IngestDependencies['secretsFor']): IngestDependencies => ({
  store: new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 }),
  rawBodies: new RawBodies(new S3Client({}), 'unused'),
  queue: new EventQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs.local/main.fifo'),
  secretsFor,
  now: () => NOW,
});

/** A Stripe provider whose verify records that it was called. */
const spiedStripe = () => {
  const verify = jest.fn(stripeProvider.verify);
  const provider: Provider<typeof options> = { ...stripeProvider, verify };
  return { provider, verify };
};

/** The event as the provider's API returns it: the body, unsigned. */
const apiRecord = (id: string) => aStripeRequest({ body: stripeBody(aStripeEvent({ id })) });

const recover = (deps: IngestDependencies, provider: Provider<typeof options>, id: string, runId = 'run-1') =>
  ingestWebhook(deps, settings, provider, options, {
    tenant: undefined,
    request: apiRecord(id),
    correlationId: `corr-${id}`,
    recovered: { runId },
  });

const deliverSigned = (deps: IngestDependencies, id: string) =>
  ingestWebhook(deps, settings, stripeProvider, options, {
    tenant: undefined,
    request: aSignedStripeRequest(stripeBody(aStripeEvent({ id })), SECRET, Math.floor(NOW.getTime() / 1000)),
    correlationId: `corr-webhook-${id}`,
  });

const state = async (eventId: string) =>
  (await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: stateKey(eventId) })))
    .Item;

describe('ingest of a record recovered by reconciliation', () => {
  it('skips the signature check and reads no secret', async () => {
    const secretsFor = jest.fn(() => Promise.resolve([SECRET]));
    const { provider, verify } = spiedStripe();

    const result = await recover(depsWith(secretsFor), provider, 'evt_recovered_unsigned');

    expect(result).toMatchObject({ kind: 'ingested', status: 202, items: [{ outcome: 'accepted' }] });
    expect(verify).not.toHaveBeenCalled();
    expect(secretsFor).not.toHaveBeenCalled();
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('marks the event with its origin and how it was verified, and audits the run', async () => {
    const deps = depsWith(() => Promise.resolve([SECRET]));
    const result = await recover(deps, stripeProvider, 'evt_recovered_marked', 'run-42');
    const eventId = result.kind === 'ingested' ? (result.items[0]?.eventId ?? '') : '';

    const payload = await deps.store.getPayload(eventId);
    expect(payload?.event).toMatchObject({ origin: 'reconciliation', verifiedBy: 'provider-api' });
    expect((await state(eventId))?.audit).toEqual([
      expect.objectContaining({
        action: 'accepted',
        detail: 'recovered by reconciliation run run-42 (verified by the provider API)',
      }),
    ]);
  });

  it('leaves a webhook event unmarked', async () => {
    const deps = depsWith(() => Promise.resolve([SECRET]));
    const result = await deliverSigned(deps, 'evt_plain_webhook');
    const eventId = result.kind === 'ingested' ? (result.items[0]?.eventId ?? '') : '';

    const payload = await deps.store.getPayload(eventId);
    expect(payload?.event).not.toHaveProperty('origin');
    expect(payload?.event).not.toHaveProperty('verifiedBy');
  });

  it('answers a late original webhook as a duplicate of the recovered event, audited', async () => {
    const deps = depsWith(() => Promise.resolve([SECRET]));
    const recovered = await recover(deps, stripeProvider, 'evt_late_original');

    const late = await deliverSigned(deps, 'evt_late_original');

    const eventId = recovered.kind === 'ingested' ? recovered.items[0]?.eventId : undefined;
    expect(late).toMatchObject({ kind: 'ingested', status: 200, items: [{ eventId, outcome: 'duplicate' }] });
    expect(((await state(eventId ?? ''))?.audit as { action: string }[]).map((a) => a.action)).toEqual([
      'accepted',
      'duplicate',
    ]);
  });

  it('finds a webhook that arrived first and recovers nothing', async () => {
    const deps = depsWith(() => Promise.resolve([SECRET]));
    const original = await deliverSigned(deps, 'evt_arrived_first');

    const again = await recover(deps, stripeProvider, 'evt_arrived_first');

    const eventId = original.kind === 'ingested' ? original.items[0]?.eventId : undefined;
    expect(again).toMatchObject({
      kind: 'ingested',
      status: 200,
      items: [{ eventId, outcome: 'duplicate' }],
    });
    const payload = await deps.store.getPayload(eventId ?? '');
    expect(payload?.event).not.toHaveProperty('origin');
  });

  it('still refuses an unknown tenant', async () => {
    const { provider } = spiedStripe();
    const result = await ingestWebhook(
      depsWith(() => Promise.resolve([])),
      settings,
      provider,
      options,
      {
        tenant: 'nobody',
        request: apiRecord('evt_unknown_tenant'),
        correlationId: 'corr-x',
        recovered: { runId: 'run-1' },
      },
    );

    expect(result).toMatchObject({ kind: 'rejected', status: 404 });
  });
});
