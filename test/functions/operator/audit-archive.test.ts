import 'aws-sdk-client-mock-jest';
import { gzipSync } from 'node:zlib';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type Row,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import {
  AthenaArchiveReader,
  ObjectArchiveReader,
  athenaStatement,
  type ArchivedRow,
} from '#shared/operator/audit-archive';
import type { AuditRow, RejectionRow } from '#shared/audit/archive-rows';
import { S3Emulator, type RunningS3 } from '../../../local/emulators/s3';

const BUCKET = 'relayflow-audit-archive';

let counter = 0;

const anAuditRow = (overrides: Partial<AuditRow> & { id?: string } = {}): ArchivedRow => {
  counter += 1;
  const at = overrides.at ?? '2025-06-01T10:00:00.000Z';
  return {
    id: `row-${String(counter).padStart(4, '0')}`,
    v: 1,
    kind: 'audit',
    day: at.slice(0, 10),
    tenant: 'acme',
    at,
    eventId: 'ev_1',
    correlationId: 'corr-ingest',
    eventCorrelationId: 'corr-ingest',
    provider: 'stripe',
    type: 'invoice.paid',
    providerType: 'invoice.paid',
    externalId: 'evt_1',
    entityKind: 'customer',
    entityId: 'cus_1',
    receivedAt: '2025-06-01T10:00:00.000Z',
    action: 'accepted',
    by: 'ingest',
    ...overrides,
  };
};

const aRejectionRow = (overrides: Partial<RejectionRow> & { id?: string } = {}): ArchivedRow => {
  counter += 1;
  const at = overrides.at ?? '2025-06-01T10:07';
  return {
    id: `rej-${String(counter).padStart(4, '0')}`,
    v: 1,
    kind: 'rejection',
    day: at.slice(0, 10),
    tenant: 'acme',
    at,
    provider: 'stripe',
    reason: 'bad_signature',
    sourceIp: '203.0.113.9',
    count: 3,
    ...overrides,
  };
};

const linesOf = (rows: readonly ArchivedRow[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');

describe('ObjectArchiveReader against the local S3 emulator', () => {
  let emulator: S3Emulator;
  let running: RunningS3;
  let s3: S3Client;
  let objects = 0;

  beforeEach(async () => {
    emulator = new S3Emulator();
    await emulator.createBuckets([BUCKET]);
    running = await emulator.start();
    s3 = new S3Client({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      forcePathStyle: true,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    s3.destroy();
    await running.stop();
  });

  /** Writes rows as Firehose does: one object under the day and tenant partition, gzipped or not. */
  const anObject = async (
    day: string,
    tenant: string,
    rows: readonly ArchivedRow[],
    { gzip = true, prefix = 'audit/' } = {},
  ) => {
    objects += 1;
    const body = Buffer.from(linesOf(rows));
    const key = `${prefix}day=${day}/tenant=${tenant}/RelayFlow-Audit-1-${day}-10-00-00-${objects}${gzip ? '.gz' : ''}`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzip ? gzipSync(body) : body }));
    return key;
  };

  const reader = () => new ObjectArchiveReader(s3, BUCKET);

  it("returns an event's rows from gzipped and plain objects across days and tenants, oldest first", async () => {
    const accepted = anAuditRow({ at: '2025-06-01T10:00:00.000Z' });
    const sent = anAuditRow({ at: '2025-06-01T10:00:01.000Z', action: 'sent', by: 'consumer' });
    const replayed = anAuditRow({ at: '2025-06-03T08:00:00.000Z', action: 'replayed', by: 'replay' });
    const otherEvent = anAuditRow({ eventId: 'ev_2' });
    const otherTenant = anAuditRow({ eventId: 'ev_3', tenant: 'globex' });
    await anObject('2025-06-03', 'acme', [replayed]);
    await anObject('2025-06-01', 'acme', [sent, otherEvent], { gzip: false });
    await anObject('2025-06-01', 'acme', [accepted]);
    await anObject('2025-06-01', 'globex', [otherTenant]);

    const rows = await reader().query({ by: 'event', eventId: 'ev_1' });

    expect(rows).toEqual([accepted, sent, replayed]);
  });

  it('keeps one row per id when a row was delivered twice', async () => {
    const row = anAuditRow();
    await anObject('2025-06-01', 'acme', [row]);
    await anObject('2025-06-01', 'acme', [row], { gzip: false });

    expect(await reader().query({ by: 'event', eventId: 'ev_1' })).toEqual([row]);
  });

  it('orders rows of the same instant by id', async () => {
    const at = '2025-06-01T10:00:00.000Z';
    const b = anAuditRow({ id: 'b', at, action: 'second' });
    const a = anAuditRow({ id: 'a', at, action: 'first' });
    await anObject('2025-06-01', 'acme', [b, a]);

    expect((await reader().query({ by: 'event', eventId: 'ev_1' })).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('finds the rows of a correlation id, whether it made the entry or the event', async () => {
    const ingested = anAuditRow({ eventId: 'ev_1', correlationId: 'corr-a', eventCorrelationId: 'corr-a' });
    const replayed = anAuditRow({
      eventId: 'ev_2',
      at: '2025-06-02T00:00:00.000Z',
      correlationId: 'corr-b',
      eventCorrelationId: 'corr-a',
    });
    const replayOfOther = anAuditRow({
      eventId: 'ev_3',
      at: '2025-06-02T00:00:01.000Z',
      correlationId: 'corr-a',
      eventCorrelationId: 'corr-c',
    });
    const unrelated = anAuditRow({ eventId: 'ev_4', correlationId: 'corr-d', eventCorrelationId: 'corr-d' });
    await anObject('2025-06-01', 'acme', [ingested, unrelated, aRejectionRow()]);
    await anObject('2025-06-02', 'acme', [replayed, replayOfOther]);

    const rows = await reader().query({ by: 'correlation', correlationId: 'corr-a' });

    expect(rows.map((r) => r.kind === 'audit' && r.eventId)).toEqual(['ev_1', 'ev_2', 'ev_3']);
  });

  it('returns every row, rejections too, from a time on, without reading the days before it', async () => {
    const before = anAuditRow({ at: '2025-06-01T23:59:59.999Z' });
    const earlierThatDay = anAuditRow({ at: '2025-06-02T09:59:59.999Z' });
    const after = anAuditRow({ at: '2025-06-02T10:00:00.000Z', eventId: 'ev_2', tenant: 'globex' });
    const rejected = aRejectionRow({ at: '2025-06-02T11:30' });
    await anObject('2025-06-01', 'acme', [before]);
    await anObject('2025-05-31', 'acme', [anAuditRow({ at: '2025-05-31T12:00:00.000Z' })]);
    await anObject('2025-06-02', 'acme', [earlierThatDay, rejected]);
    await anObject('2025-06-02', 'globex', [after]);
    const gets = emulator.counters().GetObject ?? 0;

    const rows = await reader().query({ by: 'since', since: '2025-06-02T10:00:00.000Z' });

    expect(rows).toEqual([after, rejected]);
    expect((emulator.counters().GetObject ?? 0) - gets).toBe(2);
  });

  it('applies since to an event query', async () => {
    const old = anAuditRow({ at: '2025-06-01T10:00:00.000Z' });
    const recent = anAuditRow({ at: '2025-06-05T10:00:00.000Z', action: 'replayed' });
    await anObject('2025-06-01', 'acme', [old]);
    await anObject('2025-06-05', 'acme', [recent]);

    expect(await reader().query({ by: 'event', eventId: 'ev_1', since: '2025-06-03T00:00:00.000Z' })).toEqual(
      [recent],
    );
  });

  it('reads only objects under its prefix, not the error output', async () => {
    const row = anAuditRow();
    await anObject('2025-06-01', 'acme', [row]);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'audit-errors/partitioning-failed/day=2025-06-01/RelayFlow-Audit-1-x',
        Body: 'not json at all\n',
      }),
    );

    expect(await reader().query({ by: 'since', since: '2025-01-01T00:00:00.000Z' })).toEqual([row]);
  });

  it('skips blank lines', async () => {
    const row = anAuditRow();
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'audit/day=2025-06-01/tenant=acme/blank-lines',
        Body: `\n${JSON.stringify(row)}\n\n   \n`,
      }),
    );

    expect(await reader().query({ by: 'event', eventId: 'ev_1' })).toEqual([row]);
  });

  it('returns nothing from an empty archive', async () => {
    expect(await reader().query({ by: 'since', since: '2025-01-01T00:00:00.000Z' })).toEqual([]);
  });
});

describe('ObjectArchiveReader over a listing of several pages', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const s3 = mockClient(client);

  afterEach(() => s3.reset());

  it('follows the continuation token to the last page', async () => {
    const first = anAuditRow({ at: '2025-06-01T10:00:00.000Z' });
    const second = anAuditRow({ at: '2025-06-01T10:00:01.000Z' });
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: [{ Key: 'audit/day=2025-06-01/tenant=acme/a' }],
      NextContinuationToken: 'page-2',
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 'page-2' }).resolves({
      Contents: [{ Key: 'audit/day=2025-06-01/tenant=acme/b' }],
    });
    // What the reader uses of a GetObject body.
    const body = (row: ArchivedRow) =>
      ({ transformToByteArray: () => Promise.resolve(Buffer.from(linesOf([row]))) }) as never;
    s3.on(GetObjectCommand, { Key: 'audit/day=2025-06-01/tenant=acme/a' }).resolves({ Body: body(second) });
    s3.on(GetObjectCommand, { Key: 'audit/day=2025-06-01/tenant=acme/b' }).resolves({ Body: body(first) });

    const rows = await new ObjectArchiveReader(client, BUCKET).query({ by: 'event', eventId: 'ev_1' });

    expect(rows).toEqual([first, second]);
    expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 2);
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'audit/' });
  });
});

describe('athenaStatement', () => {
  it('selects the audit rows of one event', () => {
    expect(athenaStatement('relayflow_audit', { by: 'event', eventId: 'ev_1' })).toEqual({
      sql: `SELECT * FROM "relayflow_audit"."audit" WHERE kind = 'audit' AND eventid = ? ORDER BY at`,
      parameters: ["'ev_1'"],
    });
  });

  it('selects the audit rows of a correlation id, as the entry or the event holds it', () => {
    expect(athenaStatement('db', { by: 'correlation', correlationId: 'corr-1' })).toEqual({
      sql: `SELECT * FROM "db"."audit" WHERE kind = 'audit' AND (correlationid = ? OR eventcorrelationid = ?) ORDER BY at`,
      parameters: ["'corr-1'", "'corr-1'"],
    });
  });

  it('bounds by the day partition and the exact time, a rejection row by its minute', () => {
    expect(athenaStatement('db', { by: 'since', since: '2025-06-02T10:00:30.000Z' })).toEqual({
      sql: `SELECT * FROM "db"."audit" WHERE day >= ? AND (at >= ? OR (kind = 'rejection' AND at >= ?)) ORDER BY at`,
      parameters: ["'2025-06-02'", "'2025-06-02T10:00:30.000Z'", "'2025-06-02T10:00'"],
    });
  });

  it('adds the time bound to an event query, after its own parameters', () => {
    const { sql, parameters } = athenaStatement('db', {
      by: 'event',
      eventId: 'ev_1',
      since: '2025-06-02T10:00:00.000Z',
    });

    expect(sql).toBe(
      `SELECT * FROM "db"."audit" WHERE kind = 'audit' AND eventid = ? AND day >= ? AND at >= ? ORDER BY at`,
    );
    expect(parameters).toEqual(["'ev_1'", "'2025-06-02'", "'2025-06-02T10:00:00.000Z'"]);
  });

  it("doubles a value's single quotes and keeps it out of the SQL", () => {
    const hostile = "ev_1' OR '1'='1";

    const { sql, parameters } = athenaStatement('db', { by: 'event', eventId: hostile });

    expect(parameters).toEqual(["'ev_1'' OR ''1''=''1'"]);
    expect(sql).toBe(`SELECT * FROM "db"."audit" WHERE kind = 'audit' AND eventid = ? ORDER BY at`);
  });

  it('passes any value as one quoted literal that reads back as the value, the SQL unchanged', () => {
    const reference = athenaStatement('db', { by: 'correlation', correlationId: 'x' }).sql;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("'", 'a', ' ', '?', '"', ';', '-', '\\') }), (value) => {
        const { sql, parameters } = athenaStatement('db', { by: 'correlation', correlationId: value });

        expect(sql).toBe(reference);
        for (const parameter of parameters) {
          expect(parameter).toMatch(/^'([^']|'')*'$/);
          expect(parameter.slice(1, -1).replace(/''/g, "'")).toBe(value);
        }
      }),
    );
  });
});

describe('AthenaArchiveReader', () => {
  const athena = mockClient(AthenaClient);
  const sleeps: number[] = [];
  const options = {
    database: 'relayflow_audit',
    workGroup: 'relayflow-audit',
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
  const reader = (maxPolls?: number) =>
    new AthenaArchiveReader(new AthenaClient({ region: 'us-east-1' }), {
      ...options,
      ...(maxPolls === undefined ? {} : { maxPolls }),
    });

  // The archive table's columns, partitions last, as Athena names them (lower case).
  const COLUMNS = [
    'id',
    'v',
    'kind',
    'at',
    'eventid',
    'correlationid',
    'eventcorrelationid',
    'provider',
    'type',
    'providertype',
    'externalid',
    'entitykind',
    'entityid',
    'receivedat',
    'action',
    'by',
    'status',
    'detail',
    'reason',
    'sourceip',
    'count',
    'day',
    'tenant',
  ];
  const aResultRow = (values: readonly (string | number | undefined)[]): Row => ({
    Data: values.map((value) => (value === undefined ? {} : { VarCharValue: String(value) })),
  });
  const header = aResultRow(COLUMNS);
  /** An archived row as a result row, in COLUMNS order. */
  const cellsOf = (row: ArchivedRow): Row => {
    const byColumn: Record<string, string | number | undefined> = Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key.toLowerCase(), value as string | number]),
    );
    return aResultRow(COLUMNS.map((column) => byColumn[column]));
  };

  beforeEach(() => {
    sleeps.length = 0;
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
  });

  afterEach(() => athena.reset());

  it('starts the statement in the workgroup with its values as execution parameters', async () => {
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header] } });

    await reader().query({ by: 'event', eventId: "ev_'1" });

    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: `SELECT * FROM "relayflow_audit"."audit" WHERE kind = 'audit' AND eventid = ? ORDER BY at`,
      WorkGroup: 'relayflow-audit',
      ExecutionParameters: ["'ev_''1'"],
    });
  });

  it('polls once a second until the query succeeds, then reads its results', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header] } });

    await reader().query({ by: 'since', since: '2025-06-01T00:00:00.000Z' });

    expect(sleeps).toEqual([1000, 1000]);
    expect(athena).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 3);
    expect(athena).toHaveReceivedCommandWith(GetQueryExecutionCommand, { QueryExecutionId: 'q-1' });
    expect(athena).toHaveReceivedCommandWith(GetQueryResultsCommand, { QueryExecutionId: 'q-1' });
  });

  it.each(['FAILED', 'CANCELLED'] as const)(
    'fails with the reason Athena gives when the query is %s',
    async (state) => {
      athena.on(GetQueryExecutionCommand).resolves({
        QueryExecution: { Status: { State: state, StateChangeReason: 'TABLE_NOT_FOUND: audit' } },
      });

      await expect(reader().query({ by: 'event', eventId: 'ev_1' })).rejects.toThrow(
        `Athena query q-1 ${state.toLowerCase()}: TABLE_NOT_FOUND: audit`,
      );
      expect(athena).not.toHaveReceivedCommand(GetQueryResultsCommand);
    },
  );

  it('gives up after maxPolls, naming the workgroup to look in', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });

    await expect(reader(3).query({ by: 'event', eventId: 'ev_1' })).rejects.toThrow(
      'Athena query q-1 did not finish; see it in the relayflow-audit workgroup',
    );
    expect(sleeps).toHaveLength(3);
  });

  it('fails when Athena starts no query', async () => {
    athena.on(StartQueryExecutionCommand).resolves({});

    await expect(reader().query({ by: 'event', eventId: 'ev_1' })).rejects.toThrow('Athena started no query');
  });

  it('maps the rows of every page back, reading the header on the first page only', async () => {
    const accepted = anAuditRow({ at: '2025-06-01T10:00:00.000Z', status: 'RECEIVED' });
    const replayed = anAuditRow({
      at: '2025-06-02T10:00:00.000Z',
      action: 'replayed',
      by: 'replay',
      detail: 'incident 7',
      correlationId: 'corr-replay',
    });
    const rejected = aRejectionRow({ at: '2025-06-01T10:07', sourceIp: '2001:db8::1', count: 12 });
    athena
      .on(GetQueryResultsCommand, { NextToken: undefined })
      .resolves({ ResultSet: { Rows: [header, cellsOf(accepted), cellsOf(rejected)] }, NextToken: 'page-2' });
    athena
      .on(GetQueryResultsCommand, { NextToken: 'page-2' })
      .resolves({ ResultSet: { Rows: [cellsOf(replayed)] } });

    const rows = await reader().query({ by: 'since', since: '2025-06-01T00:00:00.000Z' });

    expect(rows).toEqual([accepted, rejected, replayed]);
    expect(athena).toHaveReceivedCommandTimes(GetQueryResultsCommand, 2);
  });

  it('leaves out the status and detail Athena returns as null', async () => {
    const noted = anAuditRow({ action: 'noted' });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header, cellsOf(noted)] } });

    const [row] = await reader().query({ by: 'event', eventId: 'ev_1' });

    expect(row).toEqual(noted);
    expect(row).not.toHaveProperty('status');
    expect(row).not.toHaveProperty('detail');
  });

  it('keeps one row per id, oldest first', async () => {
    const later = anAuditRow({ at: '2025-06-02T00:00:00.000Z' });
    const earlier = anAuditRow({ at: '2025-06-01T00:00:00.000Z' });
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { Rows: [header, cellsOf(later), cellsOf(earlier), cellsOf(later)] } });

    expect(await reader().query({ by: 'event', eventId: 'ev_1' })).toEqual([earlier, later]);
  });
});
