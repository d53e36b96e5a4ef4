import fc from 'fast-check';
import {
  DEFAULT_LIMITS,
  archiveChanges,
  type ArchiverLimits,
  type PutRecords,
  type StreamChange,
} from '#shared/audit/archiver';
import type { ArchiveRow } from '#shared/audit/archive-rows';
import {
  REJECTION_SOURCE_PREFIX,
  payloadKey,
  rejectionsKey,
  stateKey,
  type AuditEntry,
} from '#shared/store/records';

type Line = ArchiveRow & { id: string };

const sequenceOf = (n: number) => String(n).padStart(21, '0');

const anEntry = (n: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date(Date.UTC(2025, 5, 1, 10, 0, n)).toISOString(),
  action: `step-${n}`,
  by: 'consumer',
  ...overrides,
});

/** A state item's change from `before` to `after` entries (INSERT when `before` is undefined). */
const aStateChange = (
  sequence: number,
  eventId: string,
  before: readonly AuditEntry[] | undefined,
  after: readonly AuditEntry[],
): StreamChange => {
  const image = (audit: readonly AuditEntry[]) => ({
    ...stateKey(eventId),
    eventId,
    tenant: 'acme',
    provider: 'stripe',
    correlationId: `corr-${eventId}`,
    audit,
  });
  return {
    eventName: before ? 'MODIFY' : 'INSERT',
    keys: stateKey(eventId),
    sequenceNumber: sequenceOf(sequence),
    ...(before ? { oldImage: image(before) } : {}),
    newImage: image(after),
  };
};

/** An INSERT making `rows` audit rows. */
const anEventWith = (sequence: number, rows: number, eventId = `ev_${sequence}`) =>
  aStateChange(
    sequence,
    eventId,
    undefined,
    Array.from({ length: rows }, (_, i) => anEntry(i)),
  );

const aRejectionChange = (
  sequence: number,
  before: number | undefined,
  after: number,
  source = '203.0.113.9',
): StreamChange => {
  const keys = rejectionsKey('stripe', 'acme', '2025-06-01T10:07');
  const image = (count: number) => ({
    ...keys,
    [`${REJECTION_SOURCE_PREFIX}${source}|bad_signature`]: count,
  });
  return {
    eventName: before === undefined ? 'INSERT' : 'MODIFY',
    keys,
    sequenceNumber: sequenceOf(sequence),
    ...(before === undefined ? {} : { oldImage: image(before) }),
    newImage: image(after),
  };
};

interface Recorded {
  /** Every PutRecordBatch call, by its records' bodies. */
  readonly calls: Buffer[][];
  /** The records Firehose took, in order. */
  readonly taken: Buffer[];
  readonly put: PutRecords;
}

/**
 * A delivery stream that takes a record unless `refuse(body, attempt)` says otherwise (attempt
 * counts that body's tries, from 1).
 */
const aDeliveryStream = (refuse: (body: string, attempt: number) => boolean = () => false): Recorded => {
  const calls: Buffer[][] = [];
  const taken: Buffer[] = [];
  const tries = new Map<string, number>();
  return {
    calls,
    taken,
    put: (records) => {
      calls.push([...records]);
      return Promise.resolve(
        records.map((record) => {
          const body = record.toString('utf8');
          const attempt = (tries.get(body) ?? 0) + 1;
          tries.set(body, attempt);
          if (refuse(body, attempt)) return false;
          taken.push(record);
          return true;
        }),
      );
    },
  };
};

const linesOf = (records: readonly Buffer[]): Line[] =>
  records.flatMap((record) =>
    record
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Line),
  );

const limits = (overrides: Partial<ArchiverLimits>): ArchiverLimits => ({ ...DEFAULT_LIMITS, ...overrides });

/** The size of one row's line, newline included, as the archiver writes it. */
const lineBytes = async (change: StreamChange) => {
  const stream = aDeliveryStream();
  await archiveChanges([change], stream.put);
  return stream.taken[0]!.length;
};

describe('archiveChanges: records', () => {
  it('puts every row as one JSON line with its id, packed into one record when they fit', async () => {
    const stream = aDeliveryStream();

    const outcome = await archiveChanges([anEventWith(1, 2), anEventWith(2, 1)], stream.put);

    expect(outcome).toEqual({ rows: 3, records: 1 });
    expect(stream.calls).toHaveLength(1);
    const body = stream.taken[0]!.toString('utf8');
    expect(body.endsWith('\n')).toBe(true);
    expect(body.split('\n')).toHaveLength(4);
    expect(linesOf(stream.taken)).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^[\w-]{22}$/),
        eventId: 'ev_1',
        action: 'step-0',
      }),
      expect.objectContaining({ eventId: 'ev_1', action: 'step-1' }),
      expect.objectContaining({ eventId: 'ev_2', action: 'step-0' }),
    ]);
  });

  it('puts nothing when no change makes a row', async () => {
    const stream = aDeliveryStream();
    const payload: StreamChange = {
      eventName: 'INSERT',
      keys: payloadKey('ev_1'),
      sequenceNumber: sequenceOf(1),
      newImage: { ...payloadKey('ev_1'), body: '{}' },
    };

    const outcome = await archiveChanges(
      [payload, aStateChange(2, 'ev_2', [anEntry(0)], [anEntry(0)])],
      stream.put,
    );

    expect(outcome).toEqual({ rows: 0, records: 0 });
    expect(stream.calls).toEqual([]);
  });

  it('starts a new record when the next row would take it past recordBytes', async () => {
    const one = await lineBytes(anEventWith(1, 1));
    const stream = aDeliveryStream();

    // Room for two rows a record (the lines differ in length by a byte or two at most).
    const outcome = await archiveChanges(
      [anEventWith(1, 5)],
      stream.put,
      limits({ recordBytes: 2 * one + 4 }),
    );

    expect(outcome).toEqual({ rows: 5, records: 3 });
    expect(stream.taken.map((r) => linesOf([r]).length)).toEqual([2, 2, 1]);
    for (const record of stream.taken) expect(record.length).toBeLessThanOrEqual(2 * one + 4);
    expect(linesOf(stream.taken).map((r) => r.kind === 'audit' && r.action)).toEqual([
      'step-0',
      'step-1',
      'step-2',
      'step-3',
      'step-4',
    ]);
  });

  it('puts a row larger than recordBytes in a record of its own rather than dropping it', async () => {
    const stream = aDeliveryStream();

    const outcome = await archiveChanges([anEventWith(1, 3)], stream.put, limits({ recordBytes: 10 }));

    expect(outcome).toEqual({ rows: 3, records: 3 });
    expect(stream.taken.map((r) => linesOf([r]).length)).toEqual([1, 1, 1]);
  });

  it('packs rows of several stream records into one record', async () => {
    const stream = aDeliveryStream();

    await archiveChanges([anEventWith(1, 1), anEventWith(2, 1), anEventWith(3, 1)], stream.put);

    expect(stream.taken).toHaveLength(1);
    expect(linesOf(stream.taken).map((r) => r.kind === 'audit' && r.eventId)).toEqual([
      'ev_1',
      'ev_2',
      'ev_3',
    ]);
  });
});

describe('archiveChanges: batches', () => {
  it('splits the records into PutRecordBatch calls of at most batchRecords', async () => {
    const stream = aDeliveryStream();

    const outcome = await archiveChanges(
      [anEventWith(1, 5)],
      stream.put,
      limits({ recordBytes: 1, batchRecords: 2 }),
    );

    expect(outcome.records).toBe(5);
    expect(stream.calls.map((call) => call.length)).toEqual([2, 2, 1]);
  });

  it('splits the records into calls of at most batchBytes', async () => {
    const one = await lineBytes(anEventWith(1, 1));
    const stream = aDeliveryStream();

    await archiveChanges(
      [anEventWith(1, 5)],
      stream.put,
      limits({ recordBytes: 1, batchBytes: 3 * one + 4 }),
    );

    expect(stream.calls.map((call) => call.length)).toEqual([3, 2]);
    for (const call of stream.calls)
      expect(call.reduce((sum, r) => sum + r.length, 0)).toBeLessThanOrEqual(3 * one + 4);
  });

  it('sends a record larger than batchBytes in a call of its own', async () => {
    const stream = aDeliveryStream();

    await archiveChanges([anEventWith(1, 3)], stream.put, limits({ recordBytes: 1, batchBytes: 10 }));

    expect(stream.calls.map((call) => call.length)).toEqual([1, 1, 1]);
  });

  it('fails when the delivery stream throws, for the stream to retry the whole batch', async () => {
    const put: PutRecords = () => Promise.reject(new Error('ServiceUnavailableException'));

    await expect(archiveChanges([anEventWith(1, 1)], put)).rejects.toThrow('ServiceUnavailableException');
  });
});

describe('archiveChanges: row ids', () => {
  const idsOf = async (changes: readonly StreamChange[]) => {
    const stream = aDeliveryStream();
    await archiveChanges(changes, stream.put);
    return linesOf(stream.taken).map((row) => row.id);
  };

  it('gives the same ids when the same change is archived again', async () => {
    const change = aStateChange(7, 'ev_a', [anEntry(0)], [anEntry(0), anEntry(1), anEntry(2)]);

    const first = await idsOf([change]);
    const again = await idsOf([structuredClone(change)]);

    expect(first).toHaveLength(2);
    expect(again).toEqual(first);
  });

  it('gives the same ids whatever else was in the batch', async () => {
    const change = anEventWith(5, 2);

    const alone = await idsOf([change]);
    const amongOthers = await idsOf([anEventWith(3, 2), anEventWith(4, 1), change]);

    expect(amongOthers.slice(-2)).toEqual(alone);
  });

  it('gives the rows of one change distinct ids', async () => {
    const ids = await idsOf([anEventWith(1, 20)]);

    expect(new Set(ids).size).toBe(20);
  });

  it('gives the same entry of two events different ids', async () => {
    const [left] = await idsOf([anEventWith(1, 1, 'ev_left')]);
    const [right] = await idsOf([anEventWith(1, 1, 'ev_right')]);

    expect(left).not.toBe(right);
  });

  it('gives two equal counts of one source, reason and minute different ids, so a reader keeps both', async () => {
    // Two flushes in one minute (two containers, or one across its flush interval), each adding 1.
    const ids = await idsOf([aRejectionChange(1, undefined, 1), aRejectionChange(2, 1, 2)]);

    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });

  it('gives two identical entries appended in one write different ids', async () => {
    const twice = anEntry(9, { action: 'duplicate' });

    const ids = await idsOf([aStateChange(3, 'ev_a', [anEntry(0)], [anEntry(0), twice, twice])]);

    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });
});

describe('archiveChanges: refused records', () => {
  it('puts again only the records Firehose refused, and succeeds when they are taken', async () => {
    const stream = aDeliveryStream((body, attempt) => body.includes('"ev_2"') && attempt === 1);

    const outcome = await archiveChanges(
      [anEventWith(1, 1), anEventWith(2, 1), anEventWith(3, 1)],
      stream.put,
      limits({ recordBytes: 1 }),
    );

    expect(outcome).toEqual({ rows: 3, records: 3 });
    expect(stream.calls.map((call) => linesOf(call).map((r) => r.kind === 'audit' && r.eventId))).toEqual([
      ['ev_1', 'ev_2', 'ev_3'],
      ['ev_2'],
    ]);
  });

  it('tries a refused record `attempts` times, then names the first stream record not fully archived', async () => {
    const stream = aDeliveryStream((body) => body.includes('"ev_3"') || body.includes('"ev_5"'));
    const changes = [1, 2, 3, 4, 5].map((n) => anEventWith(n, 1));

    const outcome = await archiveChanges(changes, stream.put, limits({ recordBytes: 1, attempts: 3 }));

    expect(outcome).toEqual({ rows: 5, records: 5, resumeFrom: sequenceOf(3) });
    expect(stream.calls.map((call) => call.length)).toEqual([5, 2, 2]);
    // Everything before the resume point is archived.
    expect(linesOf(stream.taken).map((r) => r.kind === 'audit' && r.eventId)).toEqual([
      'ev_1',
      'ev_2',
      'ev_4',
    ]);
  });

  it('resumes from a stream record whose rows were split between a taken and a refused record', async () => {
    const one = await lineBytes(anEventWith(1, 1));
    // Records of two rows: [ev_1 0, ev_1 1] [ev_1 2, ev_2 0] [ev_3 0].
    const changes = [anEventWith(1, 3), anEventWith(2, 1), anEventWith(3, 1)];
    const stream = aDeliveryStream((body) => body.includes('"ev_2"'));

    const outcome = await archiveChanges(changes, stream.put, limits({ recordBytes: 2 * one + 4 }));

    expect(outcome.records).toBe(3);
    expect(outcome.resumeFrom).toBe(sequenceOf(1));
  });

  it('resumes from the earliest refused record across batches', async () => {
    const stream = aDeliveryStream((body) => body.includes('"ev_4"') || body.includes('"ev_2"'));
    const changes = [1, 2, 3, 4].map((n) => anEventWith(n, 1));

    const outcome = await archiveChanges(changes, stream.put, limits({ recordBytes: 1, batchRecords: 2 }));

    expect(outcome.resumeFrom).toBe(sequenceOf(2));
  });

  it('still puts the later batches after one kept being refused', async () => {
    const stream = aDeliveryStream((body) => body.includes('"ev_1"'));
    const changes = [1, 2, 3].map((n) => anEventWith(n, 1));

    const outcome = await archiveChanges(
      changes,
      stream.put,
      limits({ recordBytes: 1, batchRecords: 1, attempts: 2 }),
    );

    expect(outcome.resumeFrom).toBe(sequenceOf(1));
    expect(linesOf(stream.taken).map((r) => r.kind === 'audit' && r.eventId)).toEqual(['ev_2', 'ev_3']);
  });

  it('skips stream records without rows when naming where to resume', async () => {
    const noRows = aStateChange(2, 'ev_2', [anEntry(0)], [anEntry(0)]);
    const stream = aDeliveryStream((body) => body.includes('"ev_3"'));

    const outcome = await archiveChanges(
      [anEventWith(1, 1), noRows, anEventWith(3, 1)],
      stream.put,
      limits({ recordBytes: 1 }),
    );

    expect(outcome.resumeFrom).toBe(sequenceOf(3));
  });
});

describe('archiveChanges over any stream batch', () => {
  const changesArbitrary = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.boolean()), { minLength: 1, maxLength: 12 })
    .map((specs) =>
      specs.map(([rows, rejection], i) =>
        rejection && rows > 0
          ? aRejectionChange(i + 1, undefined, rows, `192.0.2.${i}`)
          : anEventWith(i + 1, rows, `ev_${i}`),
      ),
    );
  const limitsArbitrary = fc.record({
    recordBytes: fc.integer({ min: 1, max: 2_000 }),
    batchRecords: fc.integer({ min: 1, max: 5 }),
    batchBytes: fc.integer({ min: 1, max: 4_000 }),
    attempts: fc.integer({ min: 1, max: 3 }),
  });

  it('packs every row once, in stream order, within the record and batch limits', async () => {
    await fc.assert(
      fc.asyncProperty(changesArbitrary, limitsArbitrary, async (changes, chosen) => {
        const expected = aDeliveryStream();
        await archiveChanges(changes, expected.put, limits({ recordBytes: 1 << 30 }));
        const stream = aDeliveryStream();

        const outcome = await archiveChanges(changes, stream.put, chosen);

        expect(outcome.resumeFrom).toBeUndefined();
        expect(linesOf(stream.taken)).toEqual(linesOf(expected.taken));
        expect(outcome.rows).toBe(linesOf(expected.taken).length);
        // A record (a call) past its limit holds a single row (record) too large for it.
        const packed = stream.taken.filter((record) => linesOf([record]).length > 1);
        for (const record of packed) expect(record.length).toBeLessThanOrEqual(chosen.recordBytes);
        for (const call of stream.calls) expect(call.length).toBeLessThanOrEqual(chosen.batchRecords);
        for (const call of stream.calls.filter((c) => c.length > 1))
          expect(call.reduce((sum, r) => sum + r.length, 0)).toBeLessThanOrEqual(chosen.batchBytes);
      }),
      { numRuns: 150 },
    );
  });

  it('archives every row of the stream records before the resume point, whatever Firehose refuses', async () => {
    await fc.assert(
      fc.asyncProperty(
        changesArbitrary,
        limitsArbitrary,
        fc.func(fc.boolean()),
        async (changes, chosen, refuses) => {
          const stream = aDeliveryStream((body, attempt) => refuses(body, attempt));
          const all = aDeliveryStream();
          await archiveChanges(changes, all.put);

          const outcome = await archiveChanges(changes, stream.put, chosen);

          const resumeAt = outcome.resumeFrom
            ? changes.findIndex((c) => c.sequenceNumber === outcome.resumeFrom)
            : changes.length;
          expect(resumeAt).toBeGreaterThanOrEqual(0);
          expect(outcome.rows).toBe(linesOf(all.taken).length);
          const takenIds = new Set(linesOf(stream.taken).map((r) => r.id));
          const mustHave = changes.slice(0, resumeAt);
          const required = aDeliveryStream();
          await archiveChanges(mustHave, required.put);
          // Without a resume point, that is every row.
          for (const row of linesOf(required.taken)) expect(takenIds.has(row.id)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
