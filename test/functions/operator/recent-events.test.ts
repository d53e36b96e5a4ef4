import { correlationIdFrom } from '#shared/contract/correlation-id';
import { EventQueries } from '#shared/operator/event-queries';
import { findByExternalId, recentlyReceived, type ReceivedWindow } from '#shared/operator/recent-events';
import { EventStore } from '#shared/store/event-store';
import { RECEIVED_SHARDS, type EventState } from '#shared/store/records';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';

let table: LocalEventTable;
let store: EventStore;
let queries: EventQueries;

/** Every event of the table, as the tests stored them. */
const stored: EventState[] = [];

const NOW = new Date('2025-06-02T09:00:00.000Z');
const DAY_AGO = '2025-06-01T09:00:00.000Z';

const put = async (
  id: string,
  receivedAt: string,
  fields: Partial<Pick<EventState, 'tenant' | 'provider' | 'externalId' | 'status'>> = {},
) => {
  const state: EventState = {
    eventId: `ev_${id}`,
    idempotencyKey: id,
    tenant: fields.tenant ?? 'default',
    provider: fields.provider ?? 'acme',
    type: 'acme.invoice.paid',
    providerType: 'invoice.paid',
    externalId: fields.externalId ?? `evt_${id}`,
    entityKind: 'customer',
    entityId: 'cus_1',
    groupId: 'default#acme#customer:cus_1',
    occurredAt: receivedAt,
    receivedAt,
    correlationId: `corr-${id}`,
    status: fields.status ?? 'QUEUED',
    statusAt: receivedAt,
    secretIndex: 0,
    sends: 1,
    audit: [],
  };
  await store.createState(state, new Date(receivedAt));
  stored.push(state);
};

const newestFirst = (states: readonly EventState[]) =>
  [...states].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)).map((s) => s.eventId);

const walk = async (window: ReceivedWindow, pageSize = 100, stopAfter = Infinity) => {
  const ids: string[] = [];
  for await (const entry of recentlyReceived(queries, window, pageSize)) {
    ids.push(entry.eventId);
    if (ids.length === stopAfter) break;
  }
  return ids;
};

beforeAll(async () => {
  table = await startEventTable();
  store = new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 });
  queries = new EventQueries(table.documentClient, table.tableName);
  // 20 events a minute apart on each of three UTC days (May 31st, June 1st, June 2nd)...
  for (let i = 0; i < 60; i += 1) {
    const day = i < 20 ? '2025-05-31T23' : i < 40 ? '2025-06-01T08' : '2025-06-02T00';
    await put(`m${i}`, `${day}:${String(40 + (i % 20)).padStart(2, '0')}:00.000Z`, {
      status: i % 3 === 0 ? 'PROCESSED' : 'DEAD_LETTERED',
    });
  }
  // ... and one provider id that two tenants and another provider sent, the oldest a day back.
  await put('dup_a', '2025-06-02T08:00:00.000Z', { externalId: 'evt_dup' });
  await put('dup_b', '2025-06-01T12:00:00.000Z', { externalId: 'evt_dup', tenant: 'beta' });
  await put('dup_c', '2025-05-31T12:00:00.000Z', { externalId: 'evt_dup', provider: 'acme2' });
});
afterAll(() => table.stop());

describe('recentlyReceived', () => {
  it('yields every event in the window, newest first, across shards and days', async () => {
    const since = '2025-05-25T00:00:00.000Z';

    expect(await walk({ since, now: NOW })).toEqual(newestFirst(stored));
  });

  it('includes an event received at `since` and leaves out one received at `until`', async () => {
    const since = '2025-06-01T08:45:00.000Z';
    const until = '2025-06-02T00:45:00.000Z';

    const ids = await walk({ since, until, now: NOW });

    expect(ids).toEqual(newestFirst(stored.filter((s) => s.receivedAt >= since && s.receivedAt < until)));
    expect(ids).toContain('ev_m25');
    expect(ids).not.toContain('ev_m45');
  });

  it('reads nothing when the window is empty', async () => {
    const spy = jest.spyOn(queries, 'receivedPage');

    const ids = await walk({
      since: '2025-06-02T00:00:00.000Z',
      until: '2025-06-01T00:00:00.000Z',
      now: NOW,
    });

    expect(ids).toEqual([]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('reads about one page per shard beyond what the caller takes', async () => {
    const spy = jest.spyOn(queries, 'receivedPage');

    const ids = await walk({ since: '2025-05-01T00:00:00.000Z', now: NOW }, 5, 5);

    expect(ids).toEqual(newestFirst(stored).slice(0, 5));
    expect(spy.mock.calls.length).toBeLessThanOrEqual(RECEIVED_SHARDS + 5);
    spy.mockRestore();
  });
});

describe('findByExternalId', () => {
  it('finds every event with the provider id received since `since`, newest first', async () => {
    const search = await findByExternalId(
      queries,
      { externalId: 'evt_dup' },
      { since: '2025-05-30T00:00:00.000Z', now: NOW },
    );

    expect(search).toEqual({
      found: [
        expect.objectContaining({ eventId: 'ev_dup_a', tenant: 'default', provider: 'acme' }),
        expect.objectContaining({ eventId: 'ev_dup_b', tenant: 'beta', provider: 'acme' }),
        expect.objectContaining({ eventId: 'ev_dup_c', tenant: 'default', provider: 'acme2' }),
      ],
    });
  });

  it('looks no further back than `since`', async () => {
    const search = await findByExternalId(queries, { externalId: 'evt_dup' }, { since: DAY_AGO, now: NOW });

    expect(search.found.map((e) => e.eventId)).toEqual(['ev_dup_a', 'ev_dup_b']);
  });

  it('narrows to a provider and a tenant', async () => {
    const window = { since: '2025-05-30T00:00:00.000Z', now: NOW };

    const acme2 = await findByExternalId(queries, { externalId: 'evt_dup', provider: 'acme2' }, window);
    const beta = await findByExternalId(
      queries,
      { externalId: 'evt_dup', provider: 'acme', tenant: 'beta' },
      window,
    );

    expect(acme2.found.map((e) => e.eventId)).toEqual(['ev_dup_c']);
    expect(beta.found.map((e) => e.eventId)).toEqual(['ev_dup_b']);
  });

  it('stops at the page cap, saying back to when it read every shard', async () => {
    const since = '2025-05-30T00:00:00.000Z';
    const all = await findByExternalId(queries, { externalId: 'evt_m30' }, { since, now: NOW });
    const capped = await findByExternalId(
      queries,
      { externalId: 'evt_m30' },
      { since, now: NOW },
      { maxPages: 3, pageSize: 1 },
    );

    expect(all.found.map((e) => e.eventId)).toEqual(['ev_m30']);
    // June 2nd's 21 events in pages of one: the first round of 16 shard reads passes the cap.
    expect(capped.found).toEqual([]);
    // So it never reached June 1st, where evt_m30 is.
    expect(capped.stoppedAt).toMatch(/^2025-06-02T0/);
  });

  it('stops at a day boundary when the cap is reached as a day is finished', async () => {
    const search = await findByExternalId(
      queries,
      { externalId: 'evt_m30' },
      { since: '2025-05-30T00:00:00.000Z', now: NOW },
      { maxPages: 1 },
    );

    expect(search).toEqual({ found: [], stoppedAt: '2025-06-02T00:00:00.000Z' });
  });
});

describe('events of a correlation id, found without an index of their own (decision 0045)', () => {
  const at = new Date('2025-06-03T10:00:00.123Z');
  const stateAt = (id: string, correlationId: string, receivedAt: Date): EventState => ({
    eventId: `ev_${id}`,
    idempotencyKey: id,
    tenant: 'default',
    provider: 'acme',
    type: 'acme.invoice.paid',
    providerType: 'invoice.paid',
    externalId: `evt_${id}`,
    entityKind: 'customer',
    entityId: 'cus_1',
    groupId: 'default#acme#customer:cus_1',
    occurredAt: receivedAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
    correlationId,
    status: 'RECEIVED',
    statusAt: receivedAt.toISOString(),
    secretIndex: 0,
    sends: 1,
    audit: [],
  });

  it('finds every event of a batch request, and none of another request received in the same millisecond', async () => {
    const batch = correlationIdFrom({}, at);
    const neighbour = correlationIdFrom({}, at);
    const later = correlationIdFrom({}, new Date(at.getTime() + 1));
    const ids = Array.from({ length: 40 }, (_, i) => `batch_${i}`);
    for (const id of ids) await store.createState(stateAt(id, batch, at), at);
    await store.createState(stateAt('neighbour', neighbour, at), at);
    await store.createState(stateAt('later', later, new Date(at.getTime() + 1)), at);

    expect((await queries.correlated(batch)).sort()).toEqual(ids.map((id) => `ev_${id}`).sort());
    expect(await queries.correlated(neighbour)).toEqual(['ev_neighbour']);
    expect(await queries.correlated(later)).toEqual(['ev_later']);
  });

  it('finds nothing for an id it did not mint, without reading the table', async () => {
    expect(await queries.correlated('6f1c1f5e-9c1b-4c1a-8f1e-2b7d9e0a1b2c')).toEqual([]);
  });
});
