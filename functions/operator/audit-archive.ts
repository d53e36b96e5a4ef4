import { gunzipSync } from 'node:zlib';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ArchiveRow } from '#shared/audit/archive-rows';

/** A row as the archive holds it: with its id, which repeats when a row was delivered twice. */
export type ArchivedRow = ArchiveRow & { readonly id: string };

/** What `relayflow audit query` asks for: one of the three, optionally from a time (ISO 8601) on. */
export type ArchiveQuery =
  | { readonly by: 'event'; readonly eventId: string; readonly since?: string }
  | { readonly by: 'correlation'; readonly correlationId: string; readonly since?: string }
  | { readonly by: 'since'; readonly since: string };

export interface ArchiveReader {
  /** The rows the query names, one per id, oldest first. */
  query(query: ArchiveQuery): Promise<ArchivedRow[]>;
}

const matches = (query: ArchiveQuery, row: ArchivedRow): boolean => {
  // A rejection row's `at` is its minute, which counts from the minute `since` falls in.
  if (query.since && row.at < (row.kind === 'rejection' ? query.since.slice(0, 16) : query.since))
    return false;
  if (query.by === 'event') return row.kind === 'audit' && row.eventId === query.eventId;
  if (query.by === 'correlation')
    return (
      row.kind === 'audit' &&
      (row.correlationId === query.correlationId || row.eventCorrelationId === query.correlationId)
    );
  return true;
};

const ordered = (rows: readonly ArchivedRow[]): ArchivedRow[] => {
  const unique = new Map<string, ArchivedRow>();
  for (const row of rows) unique.set(row.id, row);
  return [...unique.values()].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
};

/**
 * Reads the archive's objects directly: how `--local` answers (the local runtime has no Athena),
 * and a fallback that needs only s3:GetObject. It reads every object of the days it is given,
 * so on a deployed archive Athena is the reader of choice.
 */
export class ObjectArchiveReader implements ArchiveReader {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = 'audit/',
  ) {}

  async query(query: ArchiveQuery): Promise<ArchivedRow[]> {
    const rows: ArchivedRow[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const day = /day=(\d{4}-\d{2}-\d{2})\//.exec(object.Key ?? '')?.[1];
        if (!object.Key || (query.since && day && day < query.since.slice(0, 10))) continue;
        const body = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        const bytes = Buffer.from(
          await (body.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())),
        );
        const text = (object.Key.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
        for (const line of text.split('\n')) {
          if (!line.trim()) continue;
          const row = JSON.parse(line) as ArchivedRow;
          if (matches(query, row)) rows.push(row);
        }
      }
      token = page.NextContinuationToken;
    } while (token);
    return ordered(rows);
  }
}

/** Athena's answer cells, by the archive table's (lower-case) column names, back into a row. */
const rowOf = (columns: readonly string[], cells: readonly (string | undefined)[]): ArchivedRow => {
  const get = (name: string) => cells[columns.indexOf(name)];
  const common = {
    id: get('id') ?? '',
    v: Number(get('v') ?? 1),
    day: get('day') ?? '',
    tenant: get('tenant') ?? '',
    at: get('at') ?? '',
  };
  if (get('kind') === 'pause') {
    const reason = get('reason');
    return {
      ...common,
      kind: 'pause',
      pause: get('pause') ?? '',
      action: get('action') ?? '',
      by: get('by') ?? '',
      ...(reason ? { reason } : {}),
    };
  }
  if (get('kind') === 'rejection')
    return {
      ...common,
      kind: 'rejection',
      provider: get('provider') ?? '',
      reason: get('reason') ?? '',
      sourceIp: get('sourceip') ?? '',
      count: Number(get('count') ?? 0),
    };
  const status = get('status');
  const detail = get('detail');
  return {
    ...common,
    kind: 'audit',
    eventId: get('eventid') ?? '',
    correlationId: get('correlationid') ?? '',
    eventCorrelationId: get('eventcorrelationid') ?? '',
    provider: get('provider') ?? '',
    type: get('type') ?? '',
    providerType: get('providertype') ?? '',
    externalId: get('externalid') ?? '',
    entityKind: get('entitykind') ?? '',
    entityId: get('entityid') ?? '',
    receivedAt: get('receivedat') ?? '',
    action: get('action') ?? '',
    by: get('by') ?? '',
    ...(status ? { status } : {}),
    ...(detail ? { detail } : {}),
  };
};

/** The statement and its parameters; values are passed as execution parameters, never spliced in. */
export const athenaStatement = (
  database: string,
  query: ArchiveQuery,
): { sql: string; parameters: string[] } => {
  const where: string[] = [];
  const parameters: string[] = [];
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
  if (query.by === 'event') {
    where.push("kind = 'audit'", 'eventid = ?');
    parameters.push(quote(query.eventId));
  } else if (query.by === 'correlation') {
    where.push("kind = 'audit'", '(correlationid = ? OR eventcorrelationid = ?)');
    parameters.push(quote(query.correlationId), quote(query.correlationId));
  }
  if (query.since) {
    // The day prunes partitions; the time is the exact bound.
    where.push('day >= ?');
    parameters.push(quote(query.since.slice(0, 10)));
    if (query.by === 'since') {
      // A rejection row's `at` is its minute, which counts from the minute `since` falls in.
      where.push("(at >= ? OR (kind = 'rejection' AND at >= ?))");
      parameters.push(quote(query.since), quote(query.since.slice(0, 16)));
    } else {
      where.push('at >= ?');
      parameters.push(quote(query.since));
    }
  }
  const clause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT * FROM "${database}"."audit"${clause} ORDER BY at`, parameters };
};

export interface AthenaReaderOptions {
  readonly database: string;
  readonly workGroup: string;
  readonly sleep: (ms: number) => Promise<void>;
  /** @default 300 (5 minutes at 1 s) */
  readonly maxPolls?: number;
}

/** Reads the archive through Athena, over the Glue table and workgroup the stack creates. */
export class AthenaArchiveReader implements ArchiveReader {
  constructor(
    private readonly athena: AthenaClient,
    private readonly options: AthenaReaderOptions,
  ) {}

  async query(query: ArchiveQuery): Promise<ArchivedRow[]> {
    const { sql, parameters } = athenaStatement(this.options.database, query);
    const started = await this.athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workGroup,
        ...(parameters.length > 0 ? { ExecutionParameters: parameters } : {}),
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new Error('Athena started no query');
    for (let poll = 0; ; poll += 1) {
      const execution = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = execution.QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED')
        throw new Error(
          `Athena query ${id} ${state.toLowerCase()}: ${execution.QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`,
        );
      if (poll >= (this.options.maxPolls ?? 300))
        throw new Error(
          `Athena query ${id} did not finish; see it in the ${this.options.workGroup} workgroup`,
        );
      await this.options.sleep(1000);
    }
    const rows: ArchivedRow[] = [];
    let columns: string[] | undefined;
    let token: string | undefined;
    do {
      const page = await this.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }),
      );
      const data = page.ResultSet?.Rows ?? [];
      for (const [index, row] of data.entries()) {
        const cells = (row.Data ?? []).map((d) => d.VarCharValue);
        // The first row of the first page holds the column names.
        if (!columns && index === 0) {
          columns = cells.map((c) => c ?? '');
          continue;
        }
        rows.push(rowOf(columns ?? [], cells));
      }
      token = page.NextToken;
    } while (token);
    return ordered(rows);
  }
}
