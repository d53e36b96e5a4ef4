import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { AwsError, serveAwsJson, type AwsJsonProtocol } from '../aws-json';
import { FaultHooks } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';

/**
 * Amazon Data Firehose, as far as the audit archive uses it: DirectPut streams to S3 with
 * JSON deaggregation, dynamic partitioning by `{key: .field, …}` queries, a delimiter and gzip.
 * Not emulated: buffering (each PutRecordBatch is delivered at once, one object per partition,
 * so that a reader sees rows within the call), other processors, Lambda transforms, format
 * conversion. Deaggregation reads concatenated JSON objects, as the service does.
 */

const PROTOCOL: AwsJsonProtocol = {
  service: 'Firehose',
  targetPrefix: 'Firehose_20150804.',
  version: '1.1',
  internalError: 'ServiceUnavailableException',
};

/** What the emulator does with a stream's records: read off its AWS::KinesisFirehose::DeliveryStream. */
export interface DeliveryStreamDefinition {
  readonly name: string;
  readonly bucket: string;
  /** With `!{partitionKeyFromQuery:<key>}` and `!{timestamp:<format>}` placeholders. */
  readonly prefix: string;
  readonly errorPrefix: string;
  readonly deaggregateJson: boolean;
  /** Partition key → the top-level field it is read from. */
  readonly partitionKeys: Readonly<Record<string, string>>;
  readonly delimiter: string;
  readonly gzip: boolean;
}

export type ObjectWriter = (bucket: string, key: string, body: Buffer) => Promise<void>;

const PutRecordBatchInput = z.object({
  DeliveryStreamName: z.string().min(1),
  Records: z
    .array(z.object({ Data: z.string() }))
    .min(1)
    .max(500),
});
const PutRecordInput = z.object({
  DeliveryStreamName: z.string().min(1),
  Record: z.object({ Data: z.string() }),
});

/** `{day: .day, tenant: .tenant}` → `{ day: 'day', tenant: 'tenant' }`; anything else is refused. */
export const parsePartitionQuery = (query: string): Record<string, string> => {
  const body = /^\s*\{(.*)\}\s*$/s.exec(query)?.[1];
  const pairs = body?.split(',').map((pair) => /^\s*([A-Za-z_]\w*)\s*:\s*\.([A-Za-z_]\w*)\s*$/.exec(pair));
  if (!pairs || pairs.some((p) => !p))
    throw new Error(`the local Firehose reads only "{key: .field, …}" partition queries, not ${query}`);
  return Object.fromEntries(pairs.map((p) => [p?.[1] ?? '', p?.[2] ?? '']));
};

/** Splits concatenated JSON objects (with or without whitespace between them). */
export const splitJsonObjects = (text: string): string[] => {
  const objects: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (c === '}') {
      depth -= 1;
      if (depth === 0) objects.push(text.slice(start, i + 1));
    }
  }
  return objects;
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Firehose's `!{timestamp:…}` formats, the Java patterns its docs use (yyyy, MM, dd, HH, mm, ss). */
const formatTimestamp = (format: string, at: Date) =>
  format
    .replace('yyyy', String(at.getUTCFullYear()))
    .replace('MM', pad(at.getUTCMonth() + 1))
    .replace('dd', pad(at.getUTCDate()))
    .replace('HH', pad(at.getUTCHours()))
    .replace('mm', pad(at.getUTCMinutes()))
    .replace('ss', pad(at.getUTCSeconds()));

export class FirehoseEmulator extends FaultHooks {
  private readonly streams = new Map<string, DeliveryStreamDefinition>();
  private readonly delivered = new Map<string, number>();
  private readonly received = new Map<string, number>();

  constructor(
    private readonly write: ObjectWriter,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
  }

  defineStream(stream: DeliveryStreamDefinition): void {
    this.streams.set(stream.name, stream);
  }

  /** Objects written per stream. */
  objectsWritten(stream: string): number {
    return this.delivered.get(stream) ?? 0;
  }

  /** Bytes put into one stream, or into all of them (what Firehose bills for ingest). */
  bytesReceived(stream?: string): number {
    if (stream !== undefined) return this.received.get(stream) ?? 0;
    return [...this.received.values()].reduce((a, b) => a + b, 0);
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveAwsJson(
      PROTOCOL,
      {
        PutRecordBatch: (input) => this.putRecordBatch(input),
        PutRecord: async (input) => {
          const request = PutRecordInput.parse(input);
          await this.deliver(this.stream(request.DeliveryStreamName), [request.Record.Data]);
          return { RecordId: randomUUID(), Encrypted: false };
        },
      },
      this.faults,
      options.port,
    );
  }

  private stream(name: string): DeliveryStreamDefinition {
    const stream = this.streams.get(name);
    if (!stream)
      throw new AwsError(
        'ResourceNotFoundException',
        `Firehose ${name} under account 000000000000 not found.`,
        400,
      );
    return stream;
  }

  private async putRecordBatch(input: unknown) {
    const parsed = PutRecordBatchInput.safeParse(input);
    if (!parsed.success)
      throw new AwsError(
        'InvalidArgumentException',
        parsed.error.issues[0]?.message ?? 'invalid request',
        400,
      );
    const stream = this.stream(parsed.data.DeliveryStreamName);
    await this.deliver(
      stream,
      parsed.data.Records.map((r) => r.Data),
    );
    return {
      FailedPutCount: 0,
      Encrypted: false,
      RequestResponses: parsed.data.Records.map(() => ({ RecordId: randomUUID() })),
    };
  }

  private async deliver(stream: DeliveryStreamDefinition, records: readonly string[]): Promise<void> {
    const at = this.now();
    const texts = records.map((data) => Buffer.from(data, 'base64').toString('utf8'));
    this.received.set(
      stream.name,
      (this.received.get(stream.name) ?? 0) + texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0),
    );
    const rows = stream.deaggregateJson ? texts.flatMap(splitJsonObjects) : texts;
    const partitions = new Map<string, string[]>();
    const failed: string[] = [];
    // Without dynamic partitioning Firehose does not read the records, JSON or not.
    const partitioned = Object.keys(stream.partitionKeys).length > 0;
    for (const row of rows) {
      let prefix = stream.prefix;
      try {
        const parsed = partitioned ? (JSON.parse(row) as Record<string, unknown>) : {};
        for (const [key, field] of Object.entries(stream.partitionKeys)) {
          const value = parsed[field];
          if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`no ${field}`);
          prefix = prefix.replaceAll(`!{partitionKeyFromQuery:${key}}`, String(value));
        }
      } catch {
        failed.push(row);
        continue;
      }
      prefix = prefix.replace(/!\{timestamp:([^}]+)\}/g, (_, format: string) => formatTimestamp(format, at));
      partitions.set(prefix, [...(partitions.get(prefix) ?? []), row]);
    }
    if (failed.length > 0) {
      const prefix = stream.errorPrefix
        .replaceAll('!{firehose:error-output-type}', 'partitioning-failed')
        .replace(/!\{timestamp:([^}]+)\}/g, (_, format: string) => formatTimestamp(format, at));
      partitions.set(prefix, failed);
    }
    for (const [prefix, lines] of partitions) {
      const body = Buffer.from(lines.map((line) => `${line}${stream.delimiter}`).join(''));
      const name = `${stream.name}-1-${formatTimestamp('yyyy-MM-dd-HH-mm-ss', at)}-${randomBytes(8).toString('hex')}${stream.gzip ? '.gz' : ''}`;
      await this.write(stream.bucket, `${prefix}${name}`, stream.gzip ? gzipSync(body) : body);
      this.delivered.set(stream.name, (this.delivered.get(stream.name) ?? 0) + 1);
    }
  }
}
