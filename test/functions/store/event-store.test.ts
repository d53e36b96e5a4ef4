import { gzipSync } from 'node:zlib';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { EventStore } from '#shared/store/event-store';
import {
  receivedDayKey,
  receivedShardOf,
  stateKey,
  type EventState,
  type EventStatus,
} from '#shared/store/records';
import {
  indexWriteUnits,
  type TableDefinition,
  type WireItem,
} from '../../../local/emulators/dynamodb/capacity';
import { eventTableDefinition, startEventTable, type LocalEventTable } from '../../helpers/event-table';

let table: LocalEventTable;
let client: DynamoDBClient;
let store: EventStore;

beforeAll(async () => {
  table = await startEventTable();
  client = new DynamoDBClient({
    endpoint: table.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  store = new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 });
});
afterAll(async () => {
  client.destroy();
  await table.stop();
});

/** The event table as synthesized, with byReceived as its only index: its writes alone are counted. */
const byReceivedOnly = (): TableDefinition => {
  const definition = eventTableDefinition(table.tableName) as unknown as TableDefinition;
  return {
    ...definition,
    GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.filter((i) => i.IndexName === 'byReceived'),
  };
};

/** The stored item as the DynamoDB protocol carries it (binary as base64), which the capacity model reads. */
const storedItem = async (eventId: string): Promise<WireItem | undefined> => {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: { PK: { S: stateKey(eventId).PK }, SK: { S: 'STATE' } },
      ConsistentRead: true,
    }),
  );
  return Item
    ? (JSON.parse(
        JSON.stringify(Item, (_, value: unknown) =>
          value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
        ),
      ) as WireItem)
    : undefined;
};

const s = (value: WireItem[string] | undefined) => (value && 'S' in value ? value.S : undefined);

let counter = 0;
const aState = (overrides: Partial<EventState> = {}): EventState => {
  counter += 1;
  const eventId = `ev_store_${counter}`;
  return {
    eventId,
    idempotencyKey: `default#acme#invoice.paid#evt_${counter}`,
    tenant: 'default',
    provider: 'acme',
    type: 'acme.invoice.paid',
    providerType: 'invoice.paid',
    externalId: `evt_${counter}`,
    entityKind: 'customer',
    entityId: 'cus_1',
    groupId: 'default#acme#customer:cus_1',
    occurredAt: '2025-06-01T11:59:00.000Z',
    receivedAt: '2025-06-01T12:00:00.000Z',
    correlationId: `corr-${counter}`,
    status: 'RECEIVED',
    statusAt: '2025-06-01T12:00:00.000Z',
    secretIndex: 0,
    sends: 1,
    audit: [{ at: '2025-06-01T12:00:00.000Z', action: 'accepted', by: 'ingest', status: 'RECEIVED' }],
    ...overrides,
  };
};

describe('the state item', () => {
  it('does not store what its key and its other attributes give (every update is billed for the whole item), and reads it back', async () => {
    const entityless = aState({ entityKind: 'event', entityId: 'ev_x' });
    const sameType = aState({ type: 'invoice.paid', providerType: 'invoice.paid' });
    for (const state of [
      aState(),
      sameType,
      aState({ secretIndex: 2 }),
      { ...entityless, entityId: entityless.eventId, groupId: entityless.eventId },
    ]) {
      await store.createState(state, new Date());

      const item = await storedItem(state.eventId);

      for (const derived of ['idempotencyKey', 'groupId', 'eventId'])
        expect(item).not.toHaveProperty(derived);
      expect(item?.providerType).toEqual(state === sameType ? undefined : { S: state.providerType });
      expect(item?.secretIndex).toEqual(
        state.secretIndex === 0 ? undefined : { N: String(state.secretIndex) },
      );
      expect(await store.getState(state.eventId)).toEqual(state);
    }
  });

  it('reads a state item written before it left them out (decision 0060) as it was', async () => {
    const state = aState({ type: 'invoice.paid', providerType: 'invoice.paid' });
    await table.documentClient.send(
      new PutCommand({ TableName: table.tableName, Item: { ...stateKey(state.eventId), ...state } }),
    );

    expect(await store.getState(state.eventId)).toEqual(state);
  });
});

describe('EventStore and the byReceived index', () => {
  it.each<EventStatus>(['RECEIVED', 'QUARANTINED'])(
    'gives a %s state item its day and shard when it creates it: one index write',
    async (status) => {
      const state = aState({ status, receivedAt: '2025-06-01T23:59:59.999Z' });

      expect(await store.createState(state, new Date('2025-06-01T23:59:59.999Z'))).toBe(true);

      const item = await storedItem(state.eventId);
      expect(s(item?.receivedDay)).toBe(receivedDayKey('2025-06-01', receivedShardOf(state.eventId)));
      expect(indexWriteUnits(byReceivedOnly(), undefined, item)).toBe(1);
      // Readers see the state, not the index attributes written beside it.
      expect(await store.getState(state.eventId)).toEqual(state);
    },
  );

  it('writes no byReceived entry on any status change, into the status index and out of it', async () => {
    const state = aState();
    await store.createState(state, new Date('2025-06-01T12:00:00.000Z'));
    const created = await storedItem(state.eventId);
    const steps: [EventStatus, EventStatus, Parameters<EventStore['transition']>[4]][] = [
      ['RECEIVED', 'QUEUED', {}],
      ['QUEUED', 'PROCESSING', { attempts: 1 }],
      ['PROCESSING', 'RETRYING', { attempts: 2, lastError: 'target 503' }],
      ['RETRYING', 'DEAD_LETTERED', { lastError: 'target 503' }],
      ['DEAD_LETTERED', 'RECEIVED', { sends: 2, run: 1 }],
      ['RECEIVED', 'PROCESSED', {}],
    ];

    const writes: number[] = [];
    let before = created;
    for (const [from, to, extra] of steps) {
      const at = new Date(Date.parse('2025-06-02T08:00:00.000Z') + writes.length * 1000).toISOString();
      expect(
        await store.transition(state.eventId, [from], to, { at, action: to, by: 'consumer' }, extra),
      ).toBe(true);
      const after = await storedItem(state.eventId);
      writes.push(indexWriteUnits(byReceivedOnly(), before, after));
      before = after;
    }

    expect(writes).toEqual([0, 0, 0, 0, 0, 0]);
    // Received on June 1st it stays in June 1st's partition, whenever its status last changed.
    expect(s(before?.receivedDay)).toBe(s(created?.receivedDay));
    expect(s(before?.receivedAt)).toBe(s(created?.receivedAt));
    expect(s(before?.status)).toBe('PROCESSED');
  });
});

describe('the payload item (decision 0045)', () => {
  const request = {
    method: 'POST',
    url: 'https://hooks.example.com/webhooks/acme',
    path: '/webhooks/acme',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    sourceIp: '203.0.113.1',
  };
  const eventFor = (eventId: string, data: Record<string, unknown>) =>
    ({
      specVersion: '1.0',
      id: eventId,
      idempotencyKey: eventId,
      tenant: 'default',
      provider: 'acme',
      type: 'acme.invoice.paid',
      providerType: 'invoice.paid',
      externalId: eventId,
      entity: { kind: 'customer', id: 'cus_1' },
      occurredAt: '2025-06-01T10:00:00.000Z',
      receivedAt: '2025-06-01T10:00:00.000Z',
      correlationId: 'corr',
      data,
    }) as const;

  it('gives back the exact bytes, request and event it stored, UTF-8 or not', async () => {
    const data = {
      invoice: 'in_1',
      lines: Array.from({ length: 20 }, (_, i) => ({ line: i, amount: i * 100 })),
    };
    const bodies = [Buffer.from(JSON.stringify(data)), Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28])];
    for (const [i, rawBody] of bodies.entries()) {
      const eventId = `ev_payload_${i}`;
      const event = eventFor(eventId, data);
      await store.putPayloadIfAbsent(
        { eventId, event, request, raw: { kind: 'inline' }, rawBody, bodySha256: 'a'.repeat(64) },
        new Date(),
      );

      const payload = await store.getPayload(eventId);

      expect(payload?.rawBody?.equals(rawBody)).toBe(true);
      expect(payload?.event).toEqual(event);
      expect(payload?.request).toEqual(request);
    }
  });

  it('stores the body and the event it was read from in fewer bytes than either gzipped on its own and summed', async () => {
    const data = {
      id: 'in_1',
      customer: 'cus_1',
      lines: Array.from({ length: 30 }, (_, i) => ({ id: `il_${i}`, amount: 1000 + i, currency: 'usd' })),
    };
    const rawBody = Buffer.from(JSON.stringify(data));
    const event = eventFor('ev_payload_size', data);
    await store.putPayloadIfAbsent(
      { eventId: event.id, event, request, raw: { kind: 'inline' }, rawBody },
      new Date(),
    );
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: { PK: { S: `EVT#${event.id}` }, SK: { S: 'PAYLOAD' } },
      }),
    );
    const separately =
      gzipSync(rawBody).length +
      gzipSync(JSON.stringify(event)).length +
      gzipSync(JSON.stringify(request)).length;

    expect(Item?.blob?.B?.length).toBeLessThan(separately * 0.75);
  });

  it('still reads a payload item written before the parts were packed together', async () => {
    const event = eventFor('ev_legacy', { a: 1 });
    const rawBody = Buffer.from('{"a":1}');
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          PK: 'EVT#ev_legacy',
          SK: 'PAYLOAD',
          event: gzipSync(JSON.stringify(event)),
          request: gzipSync(JSON.stringify(request)),
          raw: { kind: 'inline' },
          rawBody: gzipSync(rawBody),
        },
      }),
    );

    const payload = await store.getPayload('ev_legacy');

    expect(payload?.event).toEqual(event);
    expect(payload?.request).toEqual(request);
    expect(payload?.rawBody?.equals(rawBody)).toBe(true);
  });
});
