import fc from 'fast-check';
import { ARCHIVE_ROW_VERSION, archiveRowsOf, type ItemChange } from '#shared/audit/archive-rows';
import {
  DUPLICATES_IN_TIMELINE,
  REJECTION_SOURCE_PREFIX,
  payloadKey,
  rawKey,
  rejectionsKey,
  stateKey,
  type AuditEntry,
  type EventState,
} from '#shared/store/records';

const EVENT_ID = 'ev_0123456789abcdef0123456789abcdef';

const anEntry = (at: string, action: string, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  at,
  action,
  by: 'ingest',
  ...overrides,
});

/** A state item as the event store writes it, with `audit` as its timeline. */
const aState = (audit: readonly AuditEntry[], overrides: Partial<EventState> = {}): EventState => ({
  eventId: EVENT_ID,
  idempotencyKey: 'acme#stripe#invoice.paid#evt_1',
  tenant: 'acme',
  provider: 'stripe',
  type: 'invoice.paid',
  providerType: 'invoice.paid',
  externalId: 'evt_1',
  entityKind: 'customer',
  entityId: 'cus_1',
  groupId: 'acme#stripe#customer:cus_1',
  occurredAt: '2025-06-01T09:59:59.000Z',
  receivedAt: '2025-06-01T10:00:00.000Z',
  correlationId: 'corr-ingest-0001',
  status: 'RECEIVED',
  statusAt: '2025-06-01T10:00:00.000Z',
  secretIndex: 0,
  sends: 1,
  audit,
  ...overrides,
});

const inserted = (state: EventState): ItemChange => ({
  eventName: 'INSERT',
  keys: stateKey(state.eventId),
  newImage: { ...stateKey(state.eventId), ...state },
});

const modified = (before: EventState, after: EventState): ItemChange => ({
  eventName: 'MODIFY',
  keys: stateKey(after.eventId),
  oldImage: { ...stateKey(before.eventId), ...before },
  newImage: { ...stateKey(after.eventId), ...after },
});

const ACCEPTED = anEntry('2025-06-01T10:00:00.000Z', 'accepted', { status: 'RECEIVED' });
const QUEUED = anEntry('2025-06-01T10:00:01.000Z', 'sent', { by: 'consumer', status: 'QUEUED' });

describe('archiveRowsOf: audit entries of a state item', () => {
  it('makes a row of every entry a new state item holds, with the event identity on each', () => {
    const rows = archiveRowsOf(inserted(aState([ACCEPTED])));

    expect(rows).toEqual([
      {
        v: ARCHIVE_ROW_VERSION,
        kind: 'audit',
        day: '2025-06-01',
        tenant: 'acme',
        at: '2025-06-01T10:00:00.000Z',
        eventId: EVENT_ID,
        correlationId: 'corr-ingest-0001',
        eventCorrelationId: 'corr-ingest-0001',
        provider: 'stripe',
        type: 'invoice.paid',
        providerType: 'invoice.paid',
        externalId: 'evt_1',
        entityKind: 'customer',
        entityId: 'cus_1',
        receivedAt: '2025-06-01T10:00:00.000Z',
        action: 'accepted',
        by: 'ingest',
        status: 'RECEIVED',
      },
    ]);
  });

  it("partitions a row by the UTC day of its entry, not of the event's receipt", () => {
    const late = anEntry('2025-06-02T00:00:00.001Z', 'replayed', { by: 'replay' });

    const [row] = archiveRowsOf(
      modified(aState([ACCEPTED]), aState([ACCEPTED, late], { receivedAt: '2025-06-01T23:59:59.000Z' })),
    );

    expect(row).toMatchObject({ day: '2025-06-02', receivedAt: '2025-06-01T23:59:59.000Z' });
  });

  it("keeps the entry's own correlation id apart from the event's", () => {
    const replay = anEntry('2025-06-03T08:00:00.000Z', 'replayed', {
      by: 'replay',
      correlationId: 'corr-replay-0002',
      detail: 'incident 7',
    });

    const [row] = archiveRowsOf(modified(aState([ACCEPTED]), aState([ACCEPTED, replay])));

    expect(row).toMatchObject({
      correlationId: 'corr-replay-0002',
      eventCorrelationId: 'corr-ingest-0001',
      detail: 'incident 7',
    });
  });

  it('leaves out status and detail when the entry has none', () => {
    const [row] = archiveRowsOf(inserted(aState([anEntry('2025-06-01T10:00:00.000Z', 'noted')])));

    expect(row).not.toHaveProperty('status');
    expect(row).not.toHaveProperty('detail');
  });

  it('fills the event id from its key, the default tenant and empty identity fields for a state item that lacks them', () => {
    const rows = archiveRowsOf({
      eventName: 'INSERT',
      keys: stateKey('ev_bare'),
      newImage: { ...stateKey('ev_bare'), audit: [ACCEPTED] },
    });

    expect(rows).toEqual([
      expect.objectContaining({
        tenant: 'default',
        eventId: 'ev_bare',
        correlationId: '',
        eventCorrelationId: '',
        provider: '',
        receivedAt: '',
      }),
    ]);
  });

  it('reads what the state item leaves out (its id, a provider type equal to its type) as the store does', () => {
    const { eventId: _id, providerType: _type, ...stored } = aState([ACCEPTED]);

    const rows = archiveRowsOf({
      eventName: 'INSERT',
      keys: stateKey(EVENT_ID),
      newImage: { ...stateKey(EVENT_ID), ...stored },
    });

    expect(rows).toEqual([
      expect.objectContaining({ eventId: EVENT_ID, type: 'invoice.paid', providerType: 'invoice.paid' }),
    ]);
  });

  it('makes rows only of the entries a MODIFY appended', () => {
    const before = aState([ACCEPTED]);
    const after = aState([ACCEPTED, QUEUED], { status: 'QUEUED' });

    const rows = archiveRowsOf(modified(before, after));

    expect(rows.map((r) => r.kind === 'audit' && r.action)).toEqual(['sent']);
  });

  it('compares timelines as multisets: a second identical entry is a new row', () => {
    const twice = anEntry('2025-06-01T10:00:02.000Z', 'duplicate');

    const rows = archiveRowsOf(modified(aState([ACCEPTED, twice]), aState([ACCEPTED, twice, twice])));

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'duplicate', at: twice.at });
  });

  it('finds the new entries wherever they stand, when an earlier one was rewritten', () => {
    const rewritten = { ...ACCEPTED, detail: 'masked' };

    const rows = archiveRowsOf(modified(aState([ACCEPTED, QUEUED]), aState([rewritten, QUEUED])));

    expect(rows).toEqual([expect.objectContaining({ action: 'accepted', detail: 'masked' })]);
  });

  it('makes no row for a MODIFY that appends nothing (a status or counter change alone)', () => {
    const before = aState([ACCEPTED, QUEUED]);

    expect(archiveRowsOf(modified(before, { ...before, attempts: 2, statusAt: 'later' }))).toEqual([]);
  });

  it('makes no row for a REMOVE, even of an item with a timeline (expiry is not an entry)', () => {
    const state = aState([ACCEPTED, QUEUED]);

    expect(
      archiveRowsOf({
        eventName: 'REMOVE',
        keys: stateKey(EVENT_ID),
        oldImage: { ...stateKey(EVENT_ID), ...state },
      }),
    ).toEqual([]);
  });

  it('makes no row for a change without a new image (a KEYS_ONLY or OLD_IMAGE stream)', () => {
    expect(archiveRowsOf({ eventName: 'MODIFY', keys: stateKey(EVENT_ID) })).toEqual([]);
  });

  it.each([
    ['payload', payloadKey(EVENT_ID)],
    ['raw body', rawKey('ab'.repeat(32))],
    ['nonce', { PK: 'NONCE#stripe#abc#def', SK: 'NONCE' }],
    ['state of something that is not an event', { PK: 'SIG#abc', SK: 'STATE' }],
  ])('makes no row for a %s item, whatever it holds', (_, keys) => {
    const image = { ...keys, audit: [ACCEPTED], 'src|1.2.3.4|bad_signature': 3 };

    expect(archiveRowsOf({ eventName: 'INSERT', keys, newImage: image })).toEqual([]);
    expect(archiveRowsOf({ eventName: 'MODIFY', keys, oldImage: keys, newImage: image })).toEqual([]);
  });
});

describe('archiveRowsOf: duplicate deliveries past the timeline', () => {
  const dup = (n: number) =>
    anEntry(`2025-06-01T10:01:0${n}.000Z`, 'duplicate', { correlationId: `corr-dup-${n}` });
  const inTimeline = Array.from({ length: DUPLICATES_IN_TIMELINE }, (_, i) => dup(i + 1));
  const full = aState([ACCEPTED, ...inTimeline], { duplicates: DUPLICATES_IN_TIMELINE });

  it('archives a duplicate appended to the timeline once, not again as the counter', () => {
    const before = aState([ACCEPTED], { duplicates: 0 });
    const after = aState([ACCEPTED, dup(1)], { duplicates: 1, lastDuplicate: dup(1) });

    const rows = archiveRowsOf(modified(before, after));

    expect(rows).toEqual([expect.objectContaining({ action: 'duplicate', correlationId: 'corr-dup-1' })]);
  });

  it('archives the latest duplicate when only the counter and lastDuplicate changed', () => {
    const after = { ...full, duplicates: DUPLICATES_IN_TIMELINE + 1, lastDuplicate: dup(4) };

    const rows = archiveRowsOf(modified(full, after));

    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'audit',
        action: 'duplicate',
        at: '2025-06-01T10:01:04.000Z',
        correlationId: 'corr-dup-4',
        eventCorrelationId: 'corr-ingest-0001',
      }),
    ]);
  });

  it('archives every later duplicate, one per counter change', () => {
    const fourth = { ...full, duplicates: 4, lastDuplicate: dup(4) };
    const fifth = { ...fourth, duplicates: 5, lastDuplicate: dup(5) };

    const rows = [...archiveRowsOf(modified(full, fourth)), ...archiveRowsOf(modified(fourth, fifth))];

    expect(rows.map((r) => r.kind === 'audit' && r.correlationId)).toEqual(['corr-dup-4', 'corr-dup-5']);
  });

  it('makes no row of lastDuplicate when the counter did not move', () => {
    const fourth = { ...full, duplicates: 4, lastDuplicate: dup(4) };

    expect(archiveRowsOf(modified(fourth, { ...fourth, status: 'QUEUED' }))).toEqual([]);
  });

  it('makes no row when the counter moved but no latest duplicate was kept', () => {
    expect(archiveRowsOf(modified(full, { ...full, duplicates: 4 }))).toEqual([]);
  });
});

describe('archiveRowsOf: rejection counters', () => {
  const keys = rejectionsKey('stripe', 'acme', '2025-06-01T10:07');
  const counter = (counts: Record<string, number>) => ({ ...keys, expiresAt: 1_750_000_000, ...counts });

  it('makes a row per source and reason of a new counter item, ignoring the per-reason totals', () => {
    const rows = archiveRowsOf({
      eventName: 'INSERT',
      keys,
      newImage: counter({
        bad_signature: 5,
        stale_timestamp: 1,
        [`${REJECTION_SOURCE_PREFIX}203.0.113.9|bad_signature`]: 4,
        [`${REJECTION_SOURCE_PREFIX}198.51.100.2|bad_signature`]: 1,
        [`${REJECTION_SOURCE_PREFIX}198.51.100.2|stale_timestamp`]: 1,
      }),
    });

    const common = { v: ARCHIVE_ROW_VERSION, kind: 'rejection', day: '2025-06-01', tenant: 'acme' };
    expect(rows).toEqual([
      {
        ...common,
        at: '2025-06-01T10:07',
        provider: 'stripe',
        reason: 'bad_signature',
        sourceIp: '203.0.113.9',
        count: 4,
      },
      {
        ...common,
        at: '2025-06-01T10:07',
        provider: 'stripe',
        reason: 'bad_signature',
        sourceIp: '198.51.100.2',
        count: 1,
      },
      {
        ...common,
        at: '2025-06-01T10:07',
        provider: 'stripe',
        reason: 'stale_timestamp',
        sourceIp: '198.51.100.2',
        count: 1,
      },
    ]);
  });

  it('archives the increase of each count on a MODIFY, and nothing for counts that stayed', () => {
    const before = counter({
      [`${REJECTION_SOURCE_PREFIX}203.0.113.9|bad_signature`]: 4,
      [`${REJECTION_SOURCE_PREFIX}198.51.100.2|bad_signature`]: 1,
    });
    const after = counter({
      [`${REJECTION_SOURCE_PREFIX}203.0.113.9|bad_signature`]: 10,
      [`${REJECTION_SOURCE_PREFIX}198.51.100.2|bad_signature`]: 1,
      [`${REJECTION_SOURCE_PREFIX}192.0.2.1|bad_signature`]: 2,
    });

    const rows = archiveRowsOf({ eventName: 'MODIFY', keys, oldImage: before, newImage: after });

    expect(rows.map((r) => r.kind === 'rejection' && [r.sourceIp, r.count])).toEqual([
      ['203.0.113.9', 6],
      ['192.0.2.1', 2],
    ]);
  });

  it('keeps an IPv6 source whole, colons and all', () => {
    const rows = archiveRowsOf({
      eventName: 'INSERT',
      keys,
      newImage: counter({ [`${REJECTION_SOURCE_PREFIX}2001:db8::ff00:42:8329|body_too_large`]: 3 }),
    });

    expect(rows).toEqual([
      expect.objectContaining({ sourceIp: '2001:db8::ff00:42:8329', reason: 'body_too_large', count: 3 }),
    ]);
  });

  it('archives the sources counted together under other', () => {
    const rows = archiveRowsOf({
      eventName: 'INSERT',
      keys,
      newImage: counter({ [`${REJECTION_SOURCE_PREFIX}other|bad_signature`]: 250 }),
    });

    expect(rows).toEqual([
      expect.objectContaining({ sourceIp: 'other', reason: 'bad_signature', count: 250 }),
    ]);
  });

  it('reads the provider and tenant from the key, the default tenant when the key has none', () => {
    const bare = { PK: 'REJECTS#github', SK: '2025-06-01T10:07' };

    const [row] = archiveRowsOf({
      eventName: 'INSERT',
      keys: bare,
      newImage: { ...bare, [`${REJECTION_SOURCE_PREFIX}192.0.2.1|bad_signature`]: 1 },
    });

    expect(row).toMatchObject({ provider: 'github', tenant: 'default' });
  });

  it('ignores a source attribute that is not a number, and a count that went down', () => {
    const before = counter({ [`${REJECTION_SOURCE_PREFIX}192.0.2.1|bad_signature`]: 5 });
    const after = counter({
      [`${REJECTION_SOURCE_PREFIX}192.0.2.1|bad_signature`]: 3,
      [`${REJECTION_SOURCE_PREFIX}192.0.2.2|bad_signature`]: 'seven' as unknown as number,
    });

    expect(archiveRowsOf({ eventName: 'MODIFY', keys, oldImage: before, newImage: after })).toEqual([]);
  });

  it('makes no row when a counter item expires', () => {
    const image = counter({ [`${REJECTION_SOURCE_PREFIX}192.0.2.1|bad_signature`]: 5 });

    expect(archiveRowsOf({ eventName: 'REMOVE', keys, oldImage: image })).toEqual([]);
  });
});

describe('archiveRowsOf: pause history', () => {
  const keys = { PK: 'PAUSE', SK: 'tenant#acme' };
  const paused = {
    at: '2026-12-07T01:00:00.000Z',
    action: 'paused',
    by: 'ana',
    reason: 'acme migrates its ERP',
  };
  const resumed = { at: '2026-12-08T09:30:00.000Z', action: 'resume-started', by: 'bo' };

  it('archives each new line of a pause’s history once, with who, when and why', () => {
    const created: ItemChange = {
      eventName: 'INSERT',
      keys,
      newImage: { scope: 'tenant', id: 'acme', history: [paused] },
    };
    const resuming: ItemChange = {
      eventName: 'MODIFY',
      keys,
      oldImage: { scope: 'tenant', id: 'acme', history: [paused], holds: 3 },
      newImage: { scope: 'tenant', id: 'acme', history: [paused, resumed], holds: 3 },
    };

    expect(archiveRowsOf(created)).toEqual([
      {
        v: ARCHIVE_ROW_VERSION,
        kind: 'pause',
        day: '2026-12-07',
        tenant: 'acme',
        pause: 'tenant#acme',
        ...paused,
      },
    ]);
    expect(archiveRowsOf(resuming)).toEqual([
      {
        v: ARCHIVE_ROW_VERSION,
        kind: 'pause',
        day: '2026-12-08',
        tenant: 'acme',
        pause: 'tenant#acme',
        ...resumed,
      },
    ]);
  });

  it('archives nothing for a hold, which only counts', () => {
    const image = { scope: 'target', id: 'ledger', history: [paused] };
    expect(
      archiveRowsOf({
        eventName: 'MODIFY',
        keys: { PK: 'PAUSE', SK: 'target#ledger' },
        oldImage: { ...image, holds: 1 },
        newImage: { ...image, holds: 2 },
      }),
    ).toEqual([]);
  });
});

describe('archiveRowsOf over a timeline growing change by change', () => {
  const entryArbitrary = fc.record(
    {
      at: fc
        .integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2026, 0, 1) })
        .map((ms) => new Date(ms).toISOString()),
      // A small alphabet, so that identical entries come up.
      action: fc.constantFrom('accepted', 'duplicate', 'sent', 'replayed'),
      by: fc.constantFrom('ingest', 'consumer', 'replay', 'operator'),
      status: fc.constantFrom('RECEIVED', 'QUEUED', 'PROCESSED'),
      detail: fc.constantFrom('x', 'y'),
      correlationId: fc.constantFrom('c-1', 'c-2'),
    },
    { requiredKeys: ['at', 'action', 'by'] },
  ) as fc.Arbitrary<AuditEntry>;

  it('archives every entry exactly once, in the order appended', () => {
    fc.assert(
      fc.property(
        fc.array(entryArbitrary, { minLength: 1, maxLength: 6 }),
        fc.array(fc.array(entryArbitrary, { maxLength: 4 }), { maxLength: 6 }),
        (first, appends) => {
          const states = [aState(first)];
          for (const added of appends) {
            const last = states[states.length - 1]!;
            states.push(aState([...last.audit, ...added]));
          }

          const rows = [
            ...archiveRowsOf(inserted(states[0]!)),
            ...states.slice(1).flatMap((after, i) => archiveRowsOf(modified(states[i]!, after))),
          ];

          const final = states[states.length - 1]!.audit;
          expect(
            rows.map((r) => (r.kind === 'audit' ? [r.at, r.action, r.by, r.status, r.detail] : r)),
          ).toEqual(final.map((e) => [e.at, e.action, e.by, e.status, e.detail]));
          expect(rows.map((r) => r.kind === 'audit' && r.correlationId)).toEqual(
            final.map((e) => e.correlationId ?? 'corr-ingest-0001'),
          );
        },
      ),
    );
  });
});
