import { gzipSync } from 'node:zlib';
import { MessageStore } from '#shared/channels/message-store';
import { messageIdOf } from '#shared/channels/render';
import { downstreamKeyOf } from '#shared/targets/index';
import type { EventStatus } from '#shared/store/records';
import { deadLetters } from '../../../cli/console/api/dead-letters';
import { queueDepth } from '../../../functions/operator/dead-letter-queue';
import {
  BadRequest,
  eventDetail,
  EventsQuerySchema,
  fieldMatches,
  searchEvents,
  valueAt,
  type EventsDependencies,
} from '../../../cli/console/api/events';
import { payloadRedactor } from '../../../cli/console/api/redact';
import { replayInputFor } from '../../../cli/console/api/replay';
import type { EventsAnswer } from '../../../cli/console/contract';
import { startReplayHarness, type AcmeEvent, type ReplayHarness } from '../../helpers/replay';

jest.setTimeout(60_000);

let harness: ReplayHarness;
let messages: MessageStore;
const ids: Record<string, string> = {};
const redactor = payloadRedactor(['**.email']);

/** What each test event is: its key in `ids`, its body, where it is ingested and what becomes of it. */
const EVENTS: {
  key: string;
  event: AcmeEvent & Record<string, unknown>;
  tenant?: string;
  provider?: string;
  status?: EventStatus;
  lastError?: string;
  broken?: boolean;
  /** Received in the same millisecond as the one before (one request's events share it). */
  sameTime?: boolean;
}[] = [
  { key: 'a1', event: { id: 'ext_a1', type: 'order.created', customer: 'cus_a' }, status: 'PROCESSED' },
  {
    key: 'a2',
    event: { id: 'ext_a2', type: 'order.paid', customer: 'cus_a' },
    status: 'DEAD_LETTERED',
    lastError: 'http-503: sink answered 503',
  },
  {
    key: 'a3',
    event: { id: 'ext_a3', type: 'order.paid', customer: 'cus_a' },
    status: 'DEAD_LETTERED',
    lastError: 'http-503: sink answered 503',
    sameTime: true,
  },
  {
    key: 'b1',
    event: {
      id: 'ext_b1',
      type: 'order.created',
      customer: 'cus_b',
      email: 'b@example.com',
      secret: 'whsec_abcdef',
    },
    tenant: 'beta',
  },
  {
    key: 'b2',
    event: { id: 'ext_b2', type: 'order.paid', customer: 'cus_b' },
    provider: 'acme2',
    status: 'DEAD_LETTERED',
    lastError: 'timeout: sink took too long',
  },
  { key: 'q1', event: { id: 'ext_q1', type: 'order.refunded', customer: 'cus_c' }, broken: true },
];

const depsOf = (now = new Date(harness.clock.now())): EventsDependencies => ({
  client: harness.table.documentClient,
  tableName: harness.table.tableName,
  store: harness.store,
  rawBodies: harness.deps.rawBodies,
  messages,
  targetIds: ['sms', 'ledger'],
  redactor,
  now,
});

const search = (query: Record<string, string>) => searchEvents(depsOf(), EventsQuerySchema.parse(query));

/** Every page of a search, following its cursor. */
const allPages = async (query: Record<string, string>) => {
  const pages: EventsAnswer[] = [];
  let cursor: string | undefined;
  do {
    const page = await search({ ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.next;
  } while (cursor && pages.length < 20);
  return pages;
};

beforeAll(async () => {
  harness = await startReplayHarness();
  messages = new MessageStore(harness.table.documentClient, {
    tableName: harness.table.tableName,
    retentionDays: 30,
  });
  for (const spec of EVENTS) {
    if (!spec.sameTime) harness.clock.advance(60_000);
    harness.acme.broken = Boolean(spec.broken);
    ids[spec.key] = await harness.ingest(spec.event, { tenant: spec.tenant, provider: spec.provider });
    const state = await harness.store.getState(ids[spec.key] ?? '');
    if (spec.status && state) {
      await harness.store.transition(
        state.eventId,
        [state.status],
        spec.status,
        {
          at: new Date(harness.clock.now()).toISOString(),
          action: spec.status.toLowerCase(),
          by: 'consumer',
          status: spec.status,
        },
        spec.lastError ? { lastError: spec.lastError } : {},
      );
    }
  }
  harness.acme.broken = false;
  harness.clock.advance(60_000);
});
afterAll(async () => {
  await harness.stop();
});

describe('searching events', () => {
  it('lists the events received in the window newest first, and says how many index entries it read', async () => {
    const page = await search({});
    const listed = page.items.map((e) => e.eventId);
    // a2 and a3 were received in one millisecond: either may come first.
    expect([...listed.slice(0, 3), ...listed.slice(3, 5).sort(), listed[5]]).toEqual([
      ids.q1,
      ids.b2,
      ids.b1,
      ...[ids.a2, ids.a3].sort(),
      ids.a1,
    ]);
    expect(page.items[0]).toMatchObject({
      status: 'QUARANTINED',
      provider: 'acme',
      entity: `event:${ids.q1}`,
    });
    expect(page.next).toBeUndefined();
    expect(page.scanned).toBe(6);
  });

  it('pages through every event exactly once, events received in the same millisecond included', async () => {
    const pages = await allPages({ limit: '1' });
    const seen = pages.flatMap((p) => p.items.map((e) => e.eventId));
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect(seen.slice(3, 5).sort()).toEqual([ids.a2, ids.a3].sort());
    expect(pages.at(-1)?.next).toBeUndefined();
  });

  it('filters by provider, tenant and type from the index, and by a status the index does not hold', async () => {
    expect((await search({ provider: 'acme2' })).items.map((e) => e.eventId)).toEqual([ids.b2]);
    expect((await search({ tenant: 'beta' })).items.map((e) => e.eventId)).toEqual([ids.b1]);
    expect((await search({ type: 'acme.order.created' })).items.map((e) => e.eventId)).toEqual([
      ids.b1,
      ids.a1,
    ]);
    expect((await search({ type: 'acme.order.*', status: 'PROCESSED' })).items.map((e) => e.eventId)).toEqual(
      [ids.a1],
    );
  });

  it('walks the status index for statuses it holds, newest status change first', async () => {
    const page = await search({ status: 'DEAD_LETTERED,QUARANTINED' });
    expect(page.items.map((e) => e.status)).toEqual([
      'DEAD_LETTERED',
      'DEAD_LETTERED',
      'DEAD_LETTERED',
      'QUARANTINED',
    ]);
    expect(page.items.map((e) => e.eventId).slice(0, 1)).toEqual([ids.b2]);
    expect(page.items[0]).toMatchObject({ lastError: 'timeout: sink took too long' });
  });

  it("finds one entity's events, and pages them", async () => {
    const pages = await allPages({ entity: 'customer:cus_a', provider: 'acme', limit: '2' });
    expect(pages.flatMap((p) => p.items.map((e) => e.eventId)).sort()).toEqual(
      [ids.a1, ids.a2, ids.a3].sort(),
    );
    expect(pages.length).toBeGreaterThan(1);
  });

  it("finds an event by our id, its correlation id, or the provider's event id", async () => {
    expect((await search({ id: ids.b1 ?? '' })).items.map((e) => e.eventId)).toEqual([ids.b1]);
    const correlationId = (await harness.store.getState(ids.b1 ?? ''))?.correlationId ?? '';
    expect((await search({ correlationId })).items.map((e) => e.eventId)).toEqual([ids.b1]);
    expect((await search({ id: 'ext_b2' })).items.map((e) => e.eventId)).toEqual([ids.b2]);
    expect((await search({ id: 'ext_none' })).items).toEqual([]);
  });

  it('filters by a field of the normalized data, reading the candidates it must', async () => {
    const page = await search({ field: 'data.customer', value: 'cus_a' });
    expect(page.items.map((e) => e.eventId).sort()).toEqual([ids.a1, ids.a2, ids.a3].sort());
    expect(page.scanned).toBe(6);
    expect(
      (await search({ field: 'data.customer', value: 'cus_a', status: 'PROCESSED' })).items.map(
        (e) => e.eventId,
      ),
    ).toEqual([ids.a1]);
  });

  it('refuses a cursor it did not give, and a field without a value', async () => {
    await expect(search({ cursor: 'bm90IGEgY3Vyc29y' })).rejects.toThrow(BadRequest);
    expect(EventsQuerySchema.safeParse({ field: 'data.customer' }).success).toBe(false);
    expect(EventsQuerySchema.safeParse({ status: 'SLEEPING' }).success).toBe(false);
    await expect(search({ since: 'yesterday' })).rejects.toThrow(/since must be an ISO 8601 time/);
  });
});

describe('one event', () => {
  it('shows its timeline, its raw body and normalized event redacted by the logs rules, and the messages it caused, recipients masked', async () => {
    const eventId = ids.b1 ?? '';
    const state = await harness.store.getState(eventId);
    const at = new Date(harness.clock.now());
    await messages.begin(
      {
        v: 1,
        id: 'msg_console_1',
        tenant: 'beta',
        channel: 'email',
        via: 'postmark',
        to: 'reader@example.com',
        content: { subject: 'Hi', text: 'Hello' },
        correlationId: state?.correlationId ?? '',
        causationEventId: eventId,
        metadata: {},
      } as never,
      at,
    );
    const detail = await eventDetail(depsOf(), eventId);
    expect(detail?.event).toMatchObject({
      eventId,
      tenant: 'beta',
      externalId: 'ext_b1',
      providerType: 'order.created',
    });
    expect(detail?.timeline[0]).toMatchObject({ action: 'accepted', by: 'ingest' });
    expect(detail?.raw?.headers).toEqual({ 'content-type': 'application/json' });
    const raw = JSON.parse(detail?.raw?.body ?? '{}') as Record<string, unknown>;
    expect(raw).toMatchObject({ id: 'ext_b1', customer: 'cus_b', email: '[REDACTED]', secret: '[REDACTED]' });
    expect(detail?.raw?.truncated).toBe(false);
    expect(detail?.normalized).toMatchObject({
      type: 'acme.order.created',
      data: { customer: 'cus_b', email: '[REDACTED]', secret: '[REDACTED]' },
    });
    expect(JSON.stringify(detail)).not.toContain('whsec_abcdef');
    expect(JSON.stringify(detail)).not.toContain('b@example.com');
    expect(detail?.messages).toEqual([
      expect.objectContaining({ messageId: 'msg_console_1', to: 'r***@example.com', status: 'SENDING' }),
    ]);
  });

  it('says why a quarantined event has no normalized event', async () => {
    const detail = await eventDetail(depsOf(), ids.q1 ?? '');
    expect(detail?.event.status).toBe('QUARANTINED');
    expect(detail?.normalized).toBeUndefined();
    expect(detail?.quarantineReason).toBe('unknown payload version');
  });

  it('finds a message its target sent whenever it was sent, by the id the event and target derive', async () => {
    const eventId = ids.b2 ?? '';
    const state = await harness.store.getState(eventId);
    const message = (id: string, causationEventId: string) =>
      ({
        v: 1,
        id,
        tenant: 'beta',
        channel: 'sms',
        via: 'twilio',
        to: '+15555550100',
        content: { body: 'Hello' },
        correlationId: state?.correlationId ?? '',
        causationEventId,
        metadata: {},
      }) as never;
    // Sent before the event's receipt as the store says it (a replay's message carries its own
    // time; here, one the tenant's listing after the receipt cannot reach).
    const before = new Date(Date.parse(state?.receivedAt ?? '') - 60_000);
    const ours = messageIdOf(downstreamKeyOf(eventId, 'sms'));
    await messages.begin(message(ours, eventId), before);
    await messages.begin(message('msg_someone_else', 'ev_other'), before);

    const detail = await eventDetail(depsOf(), eventId);

    expect(detail?.messages.map((m) => m.messageId)).toEqual([ours]);
    expect(detail?.messages[0]?.to).toBe('***0100');
  });

  it('is undefined for an id that names no event', async () => {
    expect(await eventDetail(depsOf(), 'ev_nothing')).toBeUndefined();
  });
});

describe('the dead-letter inbox', () => {
  it('groups dead-lettered and quarantined events by error class, provider and entity, the largest group first', async () => {
    const answer = await deadLetters({
      queries: harness.queries,
      queueHealth: () => queueDepth(harness.sqsClient, harness.deadLetterQueueUrl),
      redactor,
    });
    expect(answer.scanned).toBe(4);
    expect(answer.depth).toEqual({ visible: 0, inFlight: 0 });
    expect(
      answer.groups.map(({ errorClass, provider, entity, count }) => ({
        errorClass,
        provider,
        entity,
        count,
      })),
    ).toEqual([
      { errorClass: 'http-503', provider: 'acme', entity: 'customer:cus_a', count: 2 },
      { errorClass: 'timeout', provider: 'acme2', entity: 'customer:cus_b', count: 1 },
      { errorClass: 'quarantined', provider: 'acme', entity: `event:${ids.q1}`, count: 1 },
    ]);
    expect(answer.groups[0]?.eventIds.slice().sort()).toEqual([ids.a2, ids.a3].sort());
    expect(answer.groups[0]?.example).toBe('http-503: sink answered 503');
    expect(answer.groups[2]?.example).toBe('quarantined: unknown payload version');
  });
});

describe('payload redaction', () => {
  it('masks signature and credential headers as the store does, then redacts as the logs do', () => {
    const headers = redactor.headers({
      'Content-Type': 'application/json',
      'Stripe-Signature': 't=1,v1=abc',
      Authorization: 'Bearer abcdefghijkl',
      'X-Note': 'key whsec_live_secret',
    });
    expect(headers['Content-Type']).toBe('application/json');
    expect(headers['Stripe-Signature']).toMatch(/^masked:sha256:[0-9a-f]{16}$/);
    expect(headers.Authorization).toMatch(/^masked:sha256:/);
    expect(headers['X-Note']).toBe('key whsec_[REDACTED]');
  });

  it('redacts form bodies by key, text by shape, and shows binary bodies by size', () => {
    expect(
      redactor.body(
        Buffer.from('To=%2B15550001111&AuthToken=abc&email=x%40y.z'),
        'application/x-www-form-urlencoded',
      ),
    ).toEqual({
      body: 'To=%2B15550001111&AuthToken=%5BREDACTED%5D&email=%5BREDACTED%5D',
      truncated: false,
    });
    expect(redactor.body(Buffer.from('sig sha256=' + 'a'.repeat(64)), 'text/plain').body).toBe(
      'sig sha256=[REDACTED]',
    );
    expect(redactor.body(gzipSync(Buffer.from('x'.repeat(100))), 'application/octet-stream').body).toMatch(
      /^\[Binary: \d+ bytes\]$/,
    );
    const long = redactor.body(Buffer.from(JSON.stringify({ note: 'n'.repeat(9000) })), 'application/json');
    expect(long.truncated).toBe(true);
    expect(long.body).toContain('more characters]');
  });
});

describe('paths into the normalized event', () => {
  it('reads nested values and array elements, and compares non-strings as JSON', () => {
    const event = { data: { customer: { id: 'cus_1' }, items: [{ sku: 'a' }], amount: 1200, paid: true } };
    expect(valueAt(event, 'data.customer.id')).toBe('cus_1');
    expect(valueAt(event, 'data.items.0.sku')).toBe('a');
    expect(valueAt(event, 'data.missing.id')).toBeUndefined();
    expect(valueAt(event, 'data.__proto__')).toBeUndefined();
    expect(fieldMatches(1200, '1200')).toBe(true);
    expect(fieldMatches(true, 'true')).toBe(true);
    expect(fieldMatches({ id: 'cus_1' }, '{"id":"cus_1"}')).toBe(true);
    expect(fieldMatches(undefined, 'undefined')).toBe(false);
  });
});

describe('replay selections', () => {
  const now = new Date('2025-06-01T12:00:00Z');

  it('builds the state machine input `relayflow replay` builds, a plan with a reason of its own', () => {
    expect(replayInputFor({ eventIds: ['ev_1'], source: 'store' }, true, now)).toMatchObject({
      source: 'store',
      filter: { eventIds: ['ev_1'] },
      dryRun: true,
      reason: 'plan from the console',
    });
    expect(
      replayInputFor(
        {
          provider: 'stripe',
          entity: 'customer:cus_1',
          statuses: ['DEAD_LETTERED'],
          reason: 'fixed',
          ratePerSecond: 5,
        },
        false,
        now,
      ),
    ).toMatchObject({
      source: 'dlq',
      statuses: ['DEAD_LETTERED'],
      filter: { provider: 'stripe', entity: 'customer:cus_1' },
      ratePerSecond: 5,
      dryRun: false,
    });
  });

  it('refuses what the replay Lambda would refuse, with its sentence', () => {
    expect(() => replayInputFor({ entity: 'customer:cus_1' }, true, now)).toThrow(
      /filter.entity needs filter.provider/,
    );
    expect(() => replayInputFor({ renormalize: true, reason: 'fix' }, false, now)).toThrow(/confirm: true/);
    expect(replayInputFor({ renormalize: true, reason: 'fix', confirm: true }, false, now)).toMatchObject({
      renormalize: true,
    });
  });
});
