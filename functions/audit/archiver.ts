import { createHash } from 'node:crypto';
import { archiveRowsOf, type ArchiveRow, type ItemChange } from '#shared/audit/archive-rows';

/** A stream record, reduced to what the archiver reads. */
export interface StreamChange extends ItemChange {
  /** Where the stream resumes if this record's rows are not all archived. */
  readonly sequenceNumber: string;
}

/** Puts records into the delivery stream; answers, per record in order, whether it was taken. */
export type PutRecords = (records: readonly Buffer[]) => Promise<readonly boolean[]>;

export interface ArchiverLimits {
  /**
   * Firehose bills each record rounded up to 5 KB and splits concatenated JSON objects itself
   * (multi-record deaggregation), so rows are packed together up to this size. @default 512 KiB
   */
  readonly recordBytes: number;
  /** PutRecordBatch takes at most 500 records and 4 MiB. @default 500 and 3.5 MiB */
  readonly batchRecords: number;
  readonly batchBytes: number;
  /** Attempts at records Firehose refused (throttled), before the stream retries the batch. @default 3 */
  readonly attempts: number;
}

export const DEFAULT_LIMITS: ArchiverLimits = {
  recordBytes: 512 * 1024,
  batchRecords: 500,
  batchBytes: 3.5 * 1024 * 1024,
  attempts: 3,
};

/**
 * A row's id: the same change archived twice (a retried stream batch, Firehose's at-least-once
 * delivery) gives the same id, and readers keep one row per id. The stream record's sequence
 * number and the row's place among its rows keep equal rows of different changes apart (two
 * flushes adding the same count to one minute's counter, an entry appended twice).
 */
const rowIdOf = (change: StreamChange, row: ArchiveRow, index: number): string =>
  createHash('sha256')
    .update(JSON.stringify([change.keys.PK, change.keys.SK, change.sequenceNumber, index, row]))
    .digest('base64url')
    .slice(0, 22);

interface Packed {
  readonly body: Buffer;
  /** The first stream record with a row in this one. */
  readonly firstChange: number;
}

const pack = (lines: readonly { line: string; change: number }[], limit: number): Packed[] => {
  const packed: Packed[] = [];
  let parts: string[] = [];
  let size = 0;
  let first = 0;
  for (const { line, change } of lines) {
    const bytes = Buffer.byteLength(line) + 1;
    if (parts.length > 0 && size + bytes > limit) {
      packed.push({ body: Buffer.from(parts.join('')), firstChange: first });
      parts = [];
      size = 0;
    }
    if (parts.length === 0) first = change;
    parts.push(`${line}\n`);
    size += bytes;
  }
  if (parts.length > 0) packed.push({ body: Buffer.from(parts.join('')), firstChange: first });
  return packed;
};

const batchesOf = (records: readonly Packed[], limits: ArchiverLimits): Packed[][] => {
  const batches: Packed[][] = [];
  let batch: Packed[] = [];
  let size = 0;
  for (const record of records) {
    if (
      batch.length > 0 &&
      (batch.length >= limits.batchRecords || size + record.body.length > limits.batchBytes)
    ) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(record);
    size += record.body.length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
};

export interface ArchiveOutcome {
  readonly rows: number;
  readonly records: number;
  /** The sequence number to resume from, when some rows could not be archived. */
  readonly resumeFrom?: string;
}

/**
 * Archives the rows a batch of stream records makes, in stream order. When Firehose keeps
 * refusing some of them, the batch reports the first record not fully archived, and the stream
 * hands it and everything after it to the next invocation: a row may then be archived twice
 * (readers keep one per id), never not at all.
 */
export const archiveChanges = async (
  changes: readonly StreamChange[],
  put: PutRecords,
  limits: ArchiverLimits = DEFAULT_LIMITS,
): Promise<ArchiveOutcome> => {
  const lines = changes.flatMap((change, index) =>
    archiveRowsOf(change).map((row, rowIndex) => ({
      line: JSON.stringify({ id: rowIdOf(change, row, rowIndex), ...row }),
      change: index,
    })),
  );
  const packed = pack(lines, limits.recordBytes);
  let failedAt = Number.POSITIVE_INFINITY;
  for (const batch of batchesOf(packed, limits)) {
    let pending = batch;
    for (let attempt = 1; pending.length > 0 && attempt <= limits.attempts; attempt += 1) {
      const taken = await put(pending.map((record) => record.body));
      pending = pending.filter((_, index) => !taken[index]);
    }
    for (const record of pending) failedAt = Math.min(failedAt, record.firstChange);
  }
  const resumeFrom = Number.isFinite(failedAt) ? changes[failedAt]?.sequenceNumber : undefined;
  return { rows: lines.length, records: packed.length, ...(resumeFrom ? { resumeFrom } : {}) };
};
