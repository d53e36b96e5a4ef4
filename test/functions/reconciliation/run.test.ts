import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { IngestDependencies, IngestSettings } from '#shared/ingest/ingest';
import { EventQueries } from '#shared/operator/event-queries';
import { IngestPublisher } from '#shared/producer/publisher';
import { stripeOptionsSchema, stripeProvider } from '#shared/providers/stripe/index';
import type { ProviderOptions, ResolvedProvider } from '#shared/providers/types';
import { CheckpointStore } from '#shared/reconciliation/checkpoints';
import {
  ProviderApiError,
  type ProviderApi,
  type ProviderEntityState,
  type SentRecord,
} from '#shared/reconciliation/contract';
import { ReportStore } from '#shared/reconciliation/report';
import { reconcile, type ReconcileDependencies, type ReconcileSettings } from '#shared/reconciliation/run';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { eventIdOf, idempotencyKeyOf, stateKey } from '#shared/store/records';
import { DEFAULT_RECEIPT_DEADLINES_MS } from '#shared/reconciliation/missing-receipts';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { aStripeEvent, stripeBody, stripeFixture } from '../../helpers/providers/stripe';

const sqs = mockClient(SQSClient);
let table: LocalEventTable;

beforeAll(async () => {
  table = await startEventTable();
});
afterAll(() => table.stop());
beforeEach(() => {
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: 'm', MD5OfMessageBody: '' })),
    Failed: [],
  }));
});
afterEach(() => sqs.reset());

const HOUR = 3_600_000;
/** Each test reconciles its own tenant, so that checkpoints and events never meet. */
let tenantCount = 0;
const newTenant = () => `t${(tenantCount += 1)}`;

interface FakeEvent {
  readonly id: string;
  readonly created: Date;
  readonly body: Record<string, unknown>;
}

/**
 * A provider API that lists `events` oldest first, `pageSize` at a time, with `faults` thrown
 * (once each, in order) before the calls they name.
 */
const fakeStripeApi = (events: FakeEvent[], pageSize = 3) => {
  const faults: { call: 'listSent' | 'entityState' | 'messageStatus'; error: Error }[] = [];
  const calls = { listSent: 0, entityState: 0, messageStatus: 0 };
  const entities = new Map<string, ProviderEntityState>();
  const messages = new Map<string, Awaited<ReturnType<NonNullable<ProviderApi['messageStatus']>>>>();
  const fault = (call: (typeof faults)[number]['call']) => {
    calls[call] += 1;
    const index = faults.findIndex((f) => f.call === call);
    if (index < 0) return;
    const [found] = faults.splice(index, 1);
    if (found) throw found.error;
  };
  const api: ProviderApi<unknown> = {
    provider: 'stripe',
    credentials: { safeParse: () => ({ success: true, data: {} }) } as never,
    defaultBaseUrl: 'https://api.stripe.test',
    retentionDays: 30,
    entityKinds: ['subscription', 'invoice'],
    listSent: (query) => {
      fault('listSent');
      const inWindow = events
        .filter((e) => e.created >= query.since && e.created < query.until)
        .sort((a, b) => a.created.getTime() - b.created.getTime());
      const start = Number(query.cursor ?? 0);
      const records: SentRecord[] = inWindow.slice(start, start + pageSize).map((e) => ({
        id: e.id,
        at: e.created.toISOString(),
        request: { body: stripeBody(e.body), headers: { 'content-type': 'application/json' } },
      }));
      const next = start + pageSize < inWindow.length ? String(start + pageSize) : undefined;
      return Promise.resolve({ records, ...(next ? { next } : {}) });
    },
    entityState: (entity) => {
      fault('entityState');
      return Promise.resolve(entities.get(`${entity.kind}#${entity.id}`));
    },
    messageStatus: (id) => {
      fault('messageStatus');
      return Promise.resolve(messages.get(id) ?? { kind: 'not-found' });
    },
  };
  return { api, faults, calls, entities, messages };
};

const stripeEventAt = (id: string, created: Date, overrides: Record<string, unknown> = {}): FakeEvent => ({
  id,
  created,
  body: aStripeEvent({ id, created: Math.floor(created.getTime() / 1000), ...overrides }),
});

const eventIdOfStripe = (tenant: string, event: FakeEvent) =>
  eventIdOf(idempotencyKeyOf(tenant, 'stripe', String(event.body.type), event.id));

const webhook: ResolvedProvider<ProviderOptions> = {
  provider: stripeProvider,
  options: stripeOptionsSchema.parse({}),
  entityOverride: undefined,
};

const settings: ReconcileSettings = {
  lookbackMs: 48 * HOUR,
  settleMs: 5 * 60_000,
  entities: [],
  receiptDeadlines: DEFAULT_RECEIPT_DEADLINES_MS,
  apiOptions: {},
  leaseMs: 15 * 60_000,
};

interface Harness {
  readonly deps: ReconcileDependencies;
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly reports: ReportStore;
  readonly sleeps: number[];
  readonly metrics: { name: string; value: number }[];
  readonly published: { type: string; idempotencyKey?: string; outcome: string }[];
  setNow(at: Date): void;
}

const harness = (api: ProviderApi<unknown>, tenant: string, start: Date): Harness => {
  let now = start;
  const store = new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 });
  const queue = new EventQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs.local/main.fifo');
  const rawBodies = new RawBodies(new S3Client({}), 'unused');
  const ingestDeps: IngestDependencies = {
    store,
    rawBodies,
    queue,
    secretsFor: () => Promise.reject(new Error('a recovered record needs no secret')),
    now: () => now,
  };
  const ingestSettings: IngestSettings = {
    tenants: new Set(['default', tenant]),
    maxBodyBytes: 1_000_000,
    inlineBodyMaxBytes: 64_000,
    ingestLeaseSeconds: 30,
  };
  const publisher = new IngestPublisher(
    { store, queue, rawBodies, now: () => now },
    {
      tenants: ingestSettings.tenants,
      maxBodyBytes: 1_000_000,
      inlineBodyMaxBytes: 64_000,
      ingestLeaseSeconds: 30,
    },
  );
  const published: Harness['published'] = [];
  const checkpoints = new CheckpointStore(table.documentClient, table.tableName);
  const reports = new ReportStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 });
  const sleeps: number[] = [];
  const metrics: Harness['metrics'] = [];
  let runs = 0;
  const deps: ReconcileDependencies = {
    api,
    apiContext: () => Promise.resolve({ credentials: {}, fetch, baseUrl: api.defaultBaseUrl }),
    webhook,
    store,
    queries: new EventQueries(table.documentClient, table.tableName),
    ingest: { deps: ingestDeps, settings: ingestSettings },
    checkpoints,
    reports,
    publisher: {
      publish: async (t, events, origin, correlationId) => {
        const answers = await publisher.publish(t, events, origin, correlationId);
        answers.forEach((answer, i) =>
          published.push({
            type: events[i]?.type ?? '',
            idempotencyKey: answer.idempotencyKey,
            outcome: answer.outcome,
          }),
        );
        return answers;
      },
    },
    metrics: (values) => {
      for (const [name, value] of Object.entries(values)) metrics.push({ name, value });
    },
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    newRunId: () => `run-${tenant}-${(runs += 1)}`,
    newCorrelationId: (at) => `corr-${at.getTime()}-${runs}`,
  };
  return {
    deps,
    store,
    checkpoints,
    reports,
    sleeps,
    metrics,
    published,
    setNow: (at) => (now = at),
  };
};

const statesOf = async (store: EventStore, ids: readonly string[]) => store.getStates(ids);

/** How many times each event was sent to the queue, by its deduplication id's event. */
const sendsPerEvent = () => {
  const ids = [
    ...sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId ?? ''),
    ...sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.MessageDeduplicationId ?? '')),
  ];
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
};

const NOW = new Date('2026-05-01T12:00:00Z');
const eventsBefore = (count: number, prefix: string, base = NOW) =>
  Array.from({ length: count }, (_, i) =>
    stripeEventAt(`evt_${prefix}_${i}`, new Date(base.getTime() - 6 * HOUR + i * 60_000)),
  );

describe('reconcile: what the provider sent that we never received', () => {
  it('recovers each missing event once, through the ingest, and a second run finds nothing', async () => {
    const tenant = newTenant();
    const events = eventsBefore(8, 'missing');
    const { api } = fakeStripeApi(events);
    const h = harness(api, tenant, NOW);

    const first = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    expect(first).toMatchObject({
      checked: 8,
      missing: 8,
      recovered: 8,
      complete: true,
      pages: 3,
      errors: [],
    });
    const ids = events.map((e) => eventIdOfStripe(tenant, e));
    const states = await statesOf(h.store, ids);
    expect(states.size).toBe(8);
    expect(ids.every((id) => sendsPerEvent().get(id) === 1)).toBe(true);
    expect(states.get(ids[0] ?? '')?.audit[0]?.detail).toBe(
      `recovered by reconciliation run ${first.runId} (verified by the provider API)`,
    );

    const again = await reconcile(h.deps, settings, {
      provider: 'stripe',
      tenant,
      dryRun: false,
      since: new Date(NOW.getTime() - 24 * HOUR),
    });
    expect(again).toMatchObject({ checked: 8, missing: 0, recovered: 0 });
    expect(ids.every((id) => sendsPerEvent().get(id) === 1)).toBe(true);
  });

  it('recovers only what is missing, oldest first', async () => {
    const tenant = newTenant();
    const events = eventsBefore(5, 'some');
    const { api } = fakeStripeApi(events, 10);
    const h = harness(api, tenant, NOW);
    const delivered = events.filter((_, i) => i % 2 === 0);
    // The same events, delivered earlier by a run of their own window.
    await reconcile(harness(fakeStripeApi(delivered, 10).api, tenant, NOW).deps, settings, {
      provider: 'stripe',
      tenant,
      dryRun: false,
      since: new Date(NOW.getTime() - 24 * HOUR),
    });
    sqs.resetHistory();

    const report = await reconcile(h.deps, settings, {
      provider: 'stripe',
      tenant,
      dryRun: false,
      since: new Date(NOW.getTime() - 24 * HOUR),
    });

    expect(report).toMatchObject({ checked: 5, missing: 2, recovered: 2 });
    expect(report.missingRecords.map((r) => r.id)).toEqual(['evt_some_1', 'evt_some_3']);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(2);
  });

  it('looks at a record listed twice in one run once: one recovery, one missing in a dry run', async () => {
    const tenant = newTenant();
    const [event] = eventsBefore(1, 'twice');
    // One record per page, and the provider lists it on two pages.
    const { api } = fakeStripeApi(event ? [event, event] : [], 1);
    const h = harness(api, tenant, NOW);

    const dry = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: true });
    const run = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    expect(dry).toMatchObject({ pages: 2, checked: 1, missing: 1 });
    expect(run).toMatchObject({ pages: 2, checked: 1, missing: 1, recovered: 1, errors: [] });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('looks no further back than the retention the configuration declares, and says so', async () => {
    const tenant = newTenant();
    const { api } = fakeStripeApi([]);
    const h = harness(api, tenant, NOW);
    const since = new Date(NOW.getTime() - 10 * 24 * HOUR);

    const report = await reconcile(
      h.deps,
      { ...settings, retentionDays: 7 },
      { provider: 'stripe', tenant, dryRun: true, since },
    );

    const oldest = new Date(NOW.getTime() - 7 * 24 * HOUR).toISOString();
    expect(report.window.since).toBe(oldest);
    expect(report.errors).toEqual([
      `stripe: keeps what it sent for 7 days; checked from ${oldest} instead of ${since.toISOString()}`,
    ]);
  });

  it('lists in a dry run, and changes nothing: no event, checkpoint, lease or report', async () => {
    const tenant = newTenant();
    const events = eventsBefore(4, 'dry');
    const { api } = fakeStripeApi(events);
    const h = harness(api, tenant, NOW);

    const report = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: true });

    expect(report).toMatchObject({ dryRun: true, checked: 4, missing: 4, recovered: 0 });
    expect(report.missingRecords.map((r) => r.action)).toEqual(['listed', 'listed', 'listed', 'listed']);
    expect(
      (
        await statesOf(
          h.store,
          events.map((e) => eventIdOfStripe(tenant, e)),
        )
      ).size,
    ).toBe(0);
    expect(sqs.calls()).toHaveLength(0);
    const item = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: { PK: `RECON#stripe#${tenant}`, SK: 'CHECKPOINT' } }),
    );
    expect(item.Item).toBeUndefined();
    expect((await h.reports.list({ limit: 100 })).filter((r) => r.tenant === tenant)).toEqual([]);
  });

  it('leaves webhooks younger than the settle margin to arrive by themselves', async () => {
    const tenant = newTenant();
    const young = stripeEventAt('evt_young', new Date(NOW.getTime() - 60_000));
    const { api } = fakeStripeApi([young]);
    const h = harness(api, tenant, NOW);

    const report = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    expect(report).toMatchObject({ checked: 0, missing: 0 });
    expect(report.window.until).toBe(new Date(NOW.getTime() - settings.settleMs).toISOString());
  });

  it('resumes from the last checked page after a run died between pages, ingesting nothing twice', async () => {
    const tenant = newTenant();
    const events = eventsBefore(9, 'crash');
    const { api } = fakeStripeApi(events);
    const h = harness(api, tenant, NOW);
    // The run dies after ingesting its second page, before that page's checkpoint is written.
    let saves = 0;
    const dying: ReconcileDependencies = {
      ...h.deps,
      checkpoints: {
        acquire: (...args) => h.checkpoints.acquire(...args),
        read: (...args) => h.checkpoints.read(...args),
        release: () => Promise.resolve(),
        save: async (...args) => {
          saves += 1;
          if (saves === 2) throw new Error('killed');
          return h.checkpoints.save(...args);
        },
      },
    };
    await expect(reconcile(dying, settings, { provider: 'stripe', tenant, dryRun: false })).rejects.toThrow(
      'killed',
    );
    const checkpoint = await h.checkpoints.read('stripe', tenant);
    expect(checkpoint.open?.cursor).toBe('3');

    // The dead run's lease is never given back: the next run waits for it to expire.
    h.setNow(new Date(NOW.getTime() + settings.leaseMs + 1000));
    const resumed = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    expect(resumed).toMatchObject({ checked: 6, missing: 3, recovered: 3, complete: true });
    const ids = events.map((e) => eventIdOfStripe(tenant, e));
    expect((await statesOf(h.store, ids)).size).toBe(9);
    expect(ids.map((id) => sendsPerEvent().get(id))).toEqual(Array.from({ length: 9 }, () => 1));
    expect(await h.checkpoints.read('stripe', tenant)).toEqual({ at: resumed.window.until });
  });

  it('does nothing while another run holds the lease', async () => {
    const tenant = newTenant();
    const { api } = fakeStripeApi(eventsBefore(2, 'lease'));
    const h = harness(api, tenant, NOW);
    await h.checkpoints.acquire('stripe', tenant, 'someone-else', NOW, new Date(NOW.getTime() + 60_000));

    const report = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    expect(report).toMatchObject({ checked: 0, recovered: 0 });
    expect(report.errors).toEqual([expect.stringContaining('another run of stripe (tenant ' + tenant)]);
  });

  it('waits as Retry-After asks on a 429, backs off on a 5xx, and then completes', async () => {
    const tenant = newTenant();
    const events = eventsBefore(2, 'retry');
    const fake = fakeStripeApi(events);
    fake.faults.push(
      {
        call: 'listSent',
        error: new ProviderApiError('rate-limited', true, 'Too many requests', {
          status: 429,
          retryAfterSeconds: 7,
        }),
      },
      { call: 'listSent', error: new ProviderApiError('unavailable', true, 'Bad gateway', { status: 502 }) },
    );
    const h = harness(fake.api, tenant, NOW);

    const report = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    expect(report).toMatchObject({ missing: 2, recovered: 2, errors: [] });
    expect(h.sleeps[0]).toBe(7000);
    // Second try: the jittered half of 2 × 500 ms.
    expect(h.sleeps[1]).toBe(500);
    expect(fake.calls.listSent).toBe(3);
  });

  it('gives up after a few 5xx with a clear line, and the checkpoint stays', async () => {
    const tenant = newTenant();
    const fake = fakeStripeApi(eventsBefore(2, 'down'));
    for (let i = 0; i < 4; i += 1)
      fake.faults.push({
        call: 'listSent',
        error: new ProviderApiError('unavailable', true, 'Stripe answered 503', { status: 503 }),
      });
    const h = harness(fake.api, tenant, NOW);

    const report = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    expect(report.errors).toEqual([
      'stripe: 503 unavailable after 4 tries — Stripe answered 503; listing what was sent stopped here and the next run continues from the checkpoint',
    ]);
    expect(report).toMatchObject({ checked: 0, recovered: 0, complete: false });
    expect(h.sleeps).toHaveLength(3);
    expect(await h.checkpoints.read('stripe', tenant)).toEqual({});
  });

  it('reports a 401 in one line that names the secret, with no retry and no ingest', async () => {
    const tenant = newTenant();
    const fake = fakeStripeApi(eventsBefore(2, 'unauthorized'));
    fake.faults.push({
      call: 'listSent',
      error: new ProviderApiError('unauthorized', false, 'Invalid API Key provided', { status: 401 }),
    });
    const h = harness(fake.api, tenant, NOW);

    const report = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(
      /^stripe: 401 unauthorized — the API key was refused; check the ReconciliationSecretStripeT\d+ secret/,
    );
    expect(report.errors[0]).not.toMatch(/\n\s+at /);
    expect(fake.calls.listSent).toBe(1);
    expect(sqs.calls()).toHaveLength(0);
    expect(await h.checkpoints.read('stripe', tenant)).toEqual({});
  });

  it('ingests nothing of a malformed page and keeps the checkpoint where it was', async () => {
    const tenant = newTenant();
    const events = eventsBefore(6, 'malformed');
    const fake = fakeStripeApi(events);
    const h = harness(fake.api, tenant, NOW);
    const listSent = fake.api.listSent.bind(fake.api);
    let call = 0;
    const api: ProviderApi<unknown> = {
      ...fake.api,
      listSent: (...args) => {
        call += 1;
        if (call === 2)
          return Promise.reject(
            new ProviderApiError('malformed', false, 'Stripe answered with something other than JSON'),
          );
        return listSent(...args);
      },
    };

    const report = await reconcile({ ...h.deps, api }, settings, {
      provider: 'stripe',
      tenant,
      dryRun: false,
    });

    expect(report.errors).toEqual([
      'stripe: malformed answer — Stripe answered with something other than JSON; listing what was sent: nothing of it was ingested and the checkpoint did not move',
    ]);
    expect(report).toMatchObject({ checked: 3, recovered: 3, complete: false });
    expect((await h.checkpoints.read('stripe', tenant)).open?.cursor).toBe('3');
  });
});

describe('reconcile: entity drift', () => {
  const subscriptionEvent = (id: string, created: Date, status: string) => {
    const fixture = stripeFixture('customer.subscription.updated').body as {
      data: { object: Record<string, unknown> };
    };
    return stripeEventAt(id, created, {
      type: 'customer.subscription.updated',
      data: { ...fixture.data, object: { ...fixture.data.object, id: 'sub_drift', status } },
    });
  };

  it('publishes one reconciliation.drift per run while it persists, and none once repaired', async () => {
    const tenant = newTenant();
    const events = [
      subscriptionEvent('evt_sub_1', new Date(NOW.getTime() - 3 * HOUR), 'trialing'),
      subscriptionEvent('evt_sub_2', new Date(NOW.getTime() - 2 * HOUR), 'active'),
    ];
    const fake = fakeStripeApi(events);
    const h = harness(fake.api, tenant, NOW);
    const withDrift = { ...settings, entities: ['subscription'] };
    await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });
    // The consumer applied both.
    for (const event of events)
      await h.store.transition(eventIdOfStripe(tenant, event), ['RECEIVED'], 'PROCESSED', {
        at: NOW.toISOString(),
        action: 'processed',
        by: 'consumer',
        status: 'PROCESSED',
      });
    fake.entities.set('subscription#sub_drift', {
      kind: 'subscription',
      id: 'sub_drift',
      field: 'status',
      value: 'past_due',
      object: { id: 'sub_drift', object: 'subscription', status: 'past_due' },
    });

    const first = await reconcile(h.deps, withDrift, { provider: 'stripe', tenant, dryRun: false });
    const second = await reconcile(h.deps, withDrift, { provider: 'stripe', tenant, dryRun: false });
    const dry = await reconcile(h.deps, withDrift, { provider: 'stripe', tenant, dryRun: true });
    fake.entities.set('subscription#sub_drift', {
      kind: 'subscription',
      id: 'sub_drift',
      field: 'status',
      value: 'active',
      object: { id: 'sub_drift', object: 'subscription', status: 'active' },
    });
    const repaired = await reconcile(h.deps, withDrift, { provider: 'stripe', tenant, dryRun: false });

    expect(first.drifts).toEqual([
      {
        kind: 'subscription',
        id: 'sub_drift',
        field: 'status',
        ours: 'active',
        theirs: 'past_due',
        eventId: eventIdOfStripe(tenant, events[1] as FakeEvent),
      },
    ]);
    expect(second.drifted).toBe(1);
    expect(dry.drifted).toBe(1);
    expect(repaired.drifted).toBe(0);
    const drifts = h.published.filter((p) => p.type === 'reconciliation.drift');
    expect(drifts.map((d) => d.idempotencyKey)).toEqual([
      `drift:stripe:subscription:sub_drift:${first.runId}`,
      `drift:stripe:subscription:sub_drift:${second.runId}`,
    ]);
    expect(drifts.every((d) => d.outcome === 'accepted')).toBe(true);
    expect(h.metrics.filter((m) => m.name === 'ReconciliationDrift').map((m) => m.value)).toEqual([
      0, 1, 1, 0,
    ]);
  });

  it('compares only applied events: a stale or failed one implies nothing', async () => {
    const tenant = newTenant();
    const events = [subscriptionEvent('evt_sub_unapplied', new Date(NOW.getTime() - 3 * HOUR), 'active')];
    const fake = fakeStripeApi(events);
    const h = harness(fake.api, tenant, NOW);
    await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });
    fake.entities.set('subscription#sub_drift', {
      kind: 'subscription',
      id: 'sub_drift',
      field: 'status',
      value: 'canceled',
      object: {},
    });

    const report = await reconcile(
      h.deps,
      { ...settings, entities: ['subscription'] },
      {
        provider: 'stripe',
        tenant,
        dryRun: false,
      },
    );

    expect(report.drifted).toBe(0);
    expect(fake.calls.entityState).toBe(0);
  });
});

describe('reconcile: the report', () => {
  it('is kept, listed newest first, and counted in metrics', async () => {
    const tenant = newTenant();
    const { api } = fakeStripeApi(eventsBefore(3, 'report'));
    const h = harness(api, tenant, NOW);

    const report = await reconcile(h.deps, settings, { provider: 'stripe', tenant, dryRun: false });

    const listed = (await h.reports.list({ provider: 'stripe', limit: 50 })).filter(
      (r) => r.tenant === tenant,
    );
    expect(listed).toEqual([report]);
    expect(h.metrics).toEqual([
      { name: 'ReconciliationMissing', value: 3 },
      { name: 'ReconciliationRecovered', value: 3 },
      { name: 'ReconciliationDrift', value: 0 },
      { name: 'ReceiptMissing', value: 0 },
    ]);
    const state = await table.documentClient.send(
      new GetCommand({
        TableName: table.tableName,
        Key: stateKey(eventIdOfStripe(tenant, eventsBefore(3, 'report')[0] as FakeEvent)),
      }),
    );
    expect(state.Item?.status).toBe('RECEIVED');
  });
});
