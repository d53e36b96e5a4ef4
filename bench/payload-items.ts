import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SPEC_VERSION, type IntegrationEvent } from '../functions/contract/integration-event';
import { EventStore } from '../functions/store/event-store';
import { itemSize, writeUnits, type WireItem } from '../local/emulators/dynamodb/capacity';

/**
 * The payload item of every provider fixture (the providers' own documented examples), as the
 * store writes it today and as it was written before decision 0045 (request, normalized event
 * and body each gzipped on its own), sized as DynamoDB bills it. The soak's bodies are padded
 * with one repeated character, which any compressor folds away; these are real shapes.
 */
export interface PayloadItemFigures {
  readonly fixtures: number;
  readonly bodyBytes: { readonly median: number; readonly max: number };
  readonly before: { readonly meanBytes: number; readonly meanWru: number };
  readonly after: { readonly meanBytes: number; readonly meanWru: number };
}

const ROOT = resolve(__dirname, '..');

const request = {
  method: 'POST',
  url: 'https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/provider',
  path: '/webhooks/provider',
  rawQueryString: '',
  headers: {
    'content-type': 'application/json',
    'user-agent': 'Provider-Webhooks/1.0',
    'x-provider-signature': '***',
    'x-forwarded-for': '203.0.113.7',
  },
  sourceIp: '203.0.113.7',
};

/** The wire form of an item (binary as base64), which the emulator's capacity model reads. */
const wire = (item: Record<string, unknown>): WireItem =>
  JSON.parse(
    JSON.stringify(marshall(item, { removeUndefinedValues: true }), (_, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
    ),
  ) as WireItem;

const eventOf = (id: string, body: Buffer): IntegrationEvent => {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    data = { body: body.toString('utf8') };
  }
  return {
    specVersion: SPEC_VERSION,
    id,
    idempotencyKey: `default#provider#type#${id}`,
    tenant: 'default',
    provider: 'provider',
    type: 'provider.thing.happened',
    providerType: 'thing.happened',
    externalId: id,
    entity: { kind: 'customer', id: 'cus_1' },
    occurredAt: '2026-12-06T12:00:00.000Z',
    receivedAt: '2026-12-06T12:00:00.000Z',
    correlationId: '0193a0c0-0000-7000-8000-000000000000',
    data,
  };
};

export const measurePayloadItems = async (): Promise<PayloadItemFigures> => {
  const written: Record<string, unknown>[] = [];
  const capture = {
    send: (command: PutCommand) => {
      written.push(command.input.Item ?? {});
      return Promise.resolve({});
    },
  } as unknown as DynamoDBDocumentClient;
  const store = new EventStore(capture, { tableName: 'events', retentionDays: 30 });
  const files = readdirSync(join(ROOT, 'functions', 'providers')).flatMap((provider) => {
    const dir = join(ROOT, 'functions', 'providers', provider, 'fixtures');
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(dir, f));
    } catch {
      return [];
    }
  });
  const before: number[] = [];
  const after: number[] = [];
  const bodies: number[] = [];
  for (const [i, file] of files.entries()) {
    const body = readFileSync(file);
    const id = `ev_${i}_${basename(file, '.json')}`;
    const event = eventOf(id, body);
    bodies.push(body.length);
    await store.putPayloadIfAbsent(
      { eventId: id, event, request, raw: { kind: 'inline' }, rawBody: body, bodySha256: 'a'.repeat(64) },
      new Date(),
    );
    after.push(itemSize(wire(written.at(-1) ?? {})));
    before.push(
      itemSize(
        wire({
          PK: `EVT#${id}`,
          SK: 'PAYLOAD',
          event: gzipSync(JSON.stringify(event)),
          request: gzipSync(JSON.stringify(request)),
          raw: { kind: 'inline' },
          rawBody: gzipSync(body),
          bodySha256: 'a'.repeat(64),
          expiresAt: 1_800_000_000,
        }),
      ),
    );
  }
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const sorted = [...bodies].sort((a, b) => a - b);
  return {
    fixtures: files.length,
    bodyBytes: { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 },
    before: { meanBytes: mean(before), meanWru: mean(before.map(writeUnits)) },
    after: { meanBytes: mean(after), meanWru: mean(after.map(writeUnits)) },
  };
};

export const payloadItemsSection = (figures: PayloadItemFigures): string[] => [
  `The payload item of each of the ${figures.fixtures} provider fixtures (the providers' documented examples; body median`,
  `${figures.bodyBytes.median} B, largest ${figures.bodyBytes.max} B), with its normalized event and a stored request, sized as DynamoDB bills`,
  'it (`bench/payload-items.ts`). Before: request, event and body each gzipped. After: one Brotli stream (decision 0045).',
  '',
  '| layout | mean item size | mean WRU per put |',
  '|---|---|---|',
  `| three gzipped parts | ${figures.before.meanBytes.toFixed(0)} B | ${figures.before.meanWru.toFixed(2)} |`,
  `| one Brotli stream | ${figures.after.meanBytes.toFixed(0)} B | ${figures.after.meanWru.toFixed(2)} |`,
];

if (require.main === module) {
  void measurePayloadItems().then((figures) => console.log(payloadItemsSection(figures).join('\n')));
}
