import { gunzipSync } from 'node:zlib';
import {
  FirehoseClient,
  InvalidArgumentException,
  PutRecordBatchCommand,
  PutRecordCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-firehose';
import fc from 'fast-check';
import {
  FirehoseEmulator,
  parsePartitionQuery,
  splitJsonObjects,
  type DeliveryStreamDefinition,
} from '../../../../local/emulators/firehose';
import type { RunningEmulator } from '../../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const NOW = new Date('2025-06-01T10:11:12.000Z');

/** The audit archive's stream, as local/provision/audit-archive.ts reads it off the template. */
const anAuditStream = (overrides: Partial<DeliveryStreamDefinition> = {}): DeliveryStreamDefinition => ({
  name: 'RelayFlow-AuditArchive',
  bucket: 'relayflow-audit',
  prefix: 'audit/day=!{partitionKeyFromQuery:day}/tenant=!{partitionKeyFromQuery:tenant}/',
  errorPrefix: 'audit-errors/!{firehose:error-output-type}/day=!{timestamp:yyyy-MM-dd}/',
  deaggregateJson: true,
  partitionKeys: { day: 'day', tenant: 'tenant' },
  delimiter: '\n',
  gzip: true,
  ...overrides,
});

interface Written {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
}

describe('Firehose emulator through the AWS SDK v3 client', () => {
  let emulator: FirehoseEmulator;
  let running: RunningEmulator;
  let client: FirehoseClient;
  let written: Written[];

  beforeEach(async () => {
    written = [];
    emulator = new FirehoseEmulator(
      (bucket, key, body) => {
        written.push({ bucket, key, body });
        return Promise.resolve();
      },
      () => NOW,
    );
    emulator.defineStream(anAuditStream());
    running = await emulator.start();
    client = new FirehoseClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  const putBatch = (texts: readonly string[], stream = 'RelayFlow-AuditArchive') =>
    client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: stream,
        Records: texts.map((text) => ({ Data: Buffer.from(text) })),
      }),
    );

  /** An object's text, gunzipped when its stream gzips. */
  const textOf = (object: Written | undefined) =>
    object ? (object.key.endsWith('.gz') ? gunzipSync(object.body) : object.body).toString('utf8') : '';

  /** The objects written, by key prefix (the key up to its last `/`). */
  const byPrefix = () =>
    Object.fromEntries(written.map((o) => [o.key.slice(0, o.key.lastIndexOf('/') + 1), textOf(o)]));

  const row = (day: string, tenant: string, n: number) => JSON.stringify({ id: `r${n}`, day, tenant, n });

  // https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html (partitioning keys with inline parsing)
  it('writes one gzipped object per partition, each row followed by the delimiter', async () => {
    const answer = await putBatch([
      `${row('2025-06-01', 'acme', 1)}\n${row('2025-06-01', 'globex', 2)}\n`,
      `${row('2025-06-01', 'acme', 3)}\n`,
    ]);

    expect(answer.FailedPutCount).toBe(0);
    expect(answer.RequestResponses).toEqual([
      { RecordId: expect.any(String) },
      { RecordId: expect.any(String) },
    ]);
    expect(written.every((o) => o.bucket === 'relayflow-audit')).toBe(true);
    expect(byPrefix()).toEqual({
      'audit/day=2025-06-01/tenant=acme/': `${row('2025-06-01', 'acme', 1)}\n${row('2025-06-01', 'acme', 3)}\n`,
      'audit/day=2025-06-01/tenant=globex/': `${row('2025-06-01', 'globex', 2)}\n`,
    });
    expect(emulator.objectsWritten('RelayFlow-AuditArchive')).toBe(2);
  });

  // https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name
  it("names an object as Firehose does: stream, version, the delivery's UTC time and a random part", async () => {
    await putBatch([row('2025-06-01', 'acme', 1)]);

    expect(written.map((o) => o.key)).toEqual([
      expect.stringMatching(
        /^audit\/day=2025-06-01\/tenant=acme\/RelayFlow-AuditArchive-1-2025-06-01-10-11-12-[0-9a-f]{16}\.gz$/,
      ),
    ]);
  });

  // https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html (multi-record deaggregation)
  it('splits concatenated JSON objects without any separator', async () => {
    await putBatch([`${row('2025-06-01', 'acme', 1)}${row('2025-06-02', 'acme', 2)}`]);

    expect(byPrefix()).toEqual({
      'audit/day=2025-06-01/tenant=acme/': `${row('2025-06-01', 'acme', 1)}\n`,
      'audit/day=2025-06-02/tenant=acme/': `${row('2025-06-02', 'acme', 2)}\n`,
    });
  });

  it('keeps braces and escaped quotes inside strings within their row', async () => {
    const tricky = JSON.stringify({ day: '2025-06-01', tenant: 'acme', detail: 'a } b { c "}" \\' });

    await putBatch([`${tricky}  \n\t${row('2025-06-01', 'acme', 2)}`]);

    expect(byPrefix()).toEqual({
      'audit/day=2025-06-01/tenant=acme/': `${tricky}\n${row('2025-06-01', 'acme', 2)}\n`,
    });
  });

  it('reads a number as a partition value', async () => {
    emulator.defineStream(
      anAuditStream({
        name: 'ByShard',
        prefix: 'shard=!{partitionKeyFromQuery:s}/',
        partitionKeys: { s: 'shard' },
      }),
    );

    await putBatch(['{"shard":7}'], 'ByShard');

    expect(Object.keys(byPrefix())).toEqual(['shard=7/']);
  });

  // https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html (error output prefix)
  it('writes rows without a partition field, and rows that are not JSON, under the error prefix', async () => {
    const noTenant = JSON.stringify({ day: '2025-06-01', n: 1 });
    const nested = JSON.stringify({ day: '2025-06-01', tenant: { name: 'acme' } });
    emulator.defineStream(anAuditStream({ name: 'Plain', deaggregateJson: false }));

    await putBatch([`${noTenant}${row('2025-06-01', 'acme', 2)}${nested}`]);
    await putBatch(['not json'], 'Plain');

    expect(byPrefix()).toEqual({
      'audit/day=2025-06-01/tenant=acme/': `${row('2025-06-01', 'acme', 2)}\n`,
      'audit-errors/partitioning-failed/day=2025-06-01/': 'not json\n',
    });
    const failed = written.filter((o) => o.key.startsWith('audit-errors/')).map(textOf);
    expect(failed).toEqual([`${noTenant}\n${nested}\n`, 'not json\n']);
  });

  it('formats the timestamp placeholders of a prefix with the delivery time', async () => {
    emulator.defineStream(
      anAuditStream({
        name: 'ByHour',
        prefix: 'raw/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH-mm-ss}/',
        partitionKeys: {},
      }),
    );

    await putBatch(['{"a":1}'], 'ByHour');

    expect(Object.keys(byPrefix())).toEqual(['raw/2025/06/01/10-11-12/']);
  });

  it('writes records whole, JSON or not, without deaggregation or partitioning, uncompressed with another delimiter', async () => {
    emulator.defineStream(
      anAuditStream({
        name: 'Plain',
        prefix: 'plain/',
        gzip: false,
        delimiter: '|',
        deaggregateJson: false,
        partitionKeys: {},
      }),
    );

    await putBatch(['{"a":1}{"b":2}', 'plain text'], 'Plain');

    expect(written).toHaveLength(1);
    expect(written[0]?.key).not.toMatch(/\.gz$/);
    expect(written[0]?.key).toMatch(/^plain\/Plain-1-/);
    expect(written[0]?.body.toString('utf8')).toBe('{"a":1}{"b":2}|plain text|');
  });

  it('delivers a single record of PutRecord', async () => {
    const answer = await client.send(
      new PutRecordCommand({
        DeliveryStreamName: 'RelayFlow-AuditArchive',
        Record: { Data: Buffer.from(row('2025-06-01', 'acme', 1)) },
      }),
    );

    expect(answer.RecordId).toEqual(expect.any(String));
    expect(byPrefix()).toEqual({ 'audit/day=2025-06-01/tenant=acme/': `${row('2025-06-01', 'acme', 1)}\n` });
  });

  // https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html#API_PutRecordBatch_Errors
  it('answers ResourceNotFoundException for a stream it does not know, writing nothing', async () => {
    const put = putBatch([row('2025-06-01', 'acme', 1)], 'Missing');

    await expect(put).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(put).rejects.toThrow('Firehose Missing under account 000000000000 not found.');
    expect(written).toEqual([]);
  });

  it('refuses a batch of more than 500 records with InvalidArgumentException', async () => {
    const put = putBatch(Array.from({ length: 501 }, (_, n) => row('2025-06-01', 'acme', n)));

    await expect(put).rejects.toBeInstanceOf(InvalidArgumentException);
    expect(written).toEqual([]);
  });

  it('fails a throttled call without writing anything, and serves the next', async () => {
    emulator.injectFault('PutRecordBatch', { kind: 'throttle', times: 1 });

    await expect(putBatch([row('2025-06-01', 'acme', 1)])).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(written).toEqual([]);

    await putBatch([row('2025-06-01', 'acme', 2)]);
    expect(byPrefix()).toEqual({ 'audit/day=2025-06-01/tenant=acme/': `${row('2025-06-01', 'acme', 2)}\n` });
    expect(emulator.counters()).toEqual({ PutRecordBatch: 2 });
  });

  it('delivers once a throttled call the SDK retries', async () => {
    emulator.injectFault('PutRecordBatch', { kind: 'throttle', times: 1 });
    const retrying = new FirehoseClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 2,
    });

    await retrying.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'RelayFlow-AuditArchive',
        Records: [{ Data: Buffer.from(row('2025-06-01', 'acme', 1)) }],
      }),
    );
    retrying.destroy();

    expect(written).toHaveLength(1);
    expect(emulator.counters()).toEqual({ PutRecordBatch: 2 });
  });
});

describe('parsePartitionQuery', () => {
  it.each([
    ['{day: .day, tenant: .tenant}', { day: 'day', tenant: 'tenant' }],
    ['{d:.day}', { d: 'day' }],
    ['  {\n  day : .at_day ,\n  t: ._tenant2\n}  ', { day: 'at_day', t: '_tenant2' }],
  ])('reads %j', (query, expected) => {
    expect(parsePartitionQuery(query)).toEqual(expected);
  });

  it.each([
    '{day: .day | tostring}',
    '{day: .detail.day}',
    '{day: .day,}',
    '{}',
    '.day',
    '{day: day}',
    '{"day": .day}',
    '{day: .day, tenant: .tenant',
  ])('refuses %j, naming it', (query) => {
    expect(() => parsePartitionQuery(query)).toThrow(`partition queries, not ${query}`);
  });
});

describe('splitJsonObjects', () => {
  it.each([
    ['{"a":1}{"b":2}', ['{"a":1}', '{"b":2}']],
    ['{"a":1}\n{"b":2}\n', ['{"a":1}', '{"b":2}']],
    ['{"a":{"b":{"c":[{}]}}} {"d":"}{"}', ['{"a":{"b":{"c":[{}]}}}', '{"d":"}{"}']],
    ['{"q":"\\"}"}{"r":"\\\\"}', ['{"q":"\\"}"}', '{"r":"\\\\"}']],
    ['', []],
    ['\n\n', []],
  ])('splits %j', (text, expected) => {
    expect(splitJsonObjects(text)).toEqual(expected);
  });

  it('gives back any objects however they were joined', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 6 }),
        fc.array(fc.constantFrom('', '\n', ' ', '\r\n', '\t'), { minLength: 6, maxLength: 6 }),
        (objects, separators) => {
          const texts = objects.map((object) => JSON.stringify(object));

          const joined = texts.map((text, i) => `${text}${separators[i] ?? ''}`).join('');

          expect(splitJsonObjects(joined)).toEqual(texts);
        },
      ),
    );
  });
});
