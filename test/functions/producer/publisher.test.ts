import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DomainEventInput, DomainEventOrigin } from '#shared/producer/contract';
import { BatchTooLargeError, UnknownTenantError } from '#shared/producer/errors';
import { IngestPublisher, MAX_EVENTS_PER_PUBLISH, ORIGIN_HEADER } from '#shared/producer/publisher';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore, stateOf as stateOfItem } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { eventIdOf, idempotencyKeyOf, stateKey } from '#shared/store/records';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/main.fifo';
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
const API: DomainEventOrigin = { kind: 'api', principal: 'arn:aws:iam::000000000000:user/producer' };
const NOW = new Date('2025-06-01T12:00:00.000Z');
let table: LocalEventTable;
let store: EventStore;

beforeAll(async () => {
  table = await startEventTable();
  const rawBodies = new RawBodies(() => Promise.resolve(new S3Client({ region: 'us-east-1' })), 'raw');
  store = new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 }, rawBodies);
});
afterAll(() => table.stop());
beforeEach(() => {
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: `m-${entry.Id}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));
  s3.on(PutObjectCommand).resolves({});
});
afterEach(() => {
  sqs.reset();
  s3.reset();
});

let keys = 0;
const aPublisher = (settings: { maxBodyBytes?: number } = {}) =>
  new IngestPublisher(
    {
      store,
      queue: new EventQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL),
      rawBodies: new RawBodies(() => Promise.resolve(new S3Client({ region: 'us-east-1' })), 'raw'),
      now: () => NOW,
      newKey: () => `generated-${(keys += 1)}`,
    },
    {
      tenants: new Set(['default', 'acme']),
      maxBodyBytes: settings.maxBodyBytes ?? 1_000_000,
      inlineBodyMaxBytes: 64_000,
      ingestLeaseSeconds: 30,
    },
  );

/** A distinct valid event per test, so that tests sharing the table never collide. */
let serial = 0;
const anEvent = (overrides: Partial<DomainEventInput> = {}): DomainEventInput => {
  serial += 1;
  return {
    type: 'order.paid',
    entity: { kind: 'order', id: `ord_${serial}` },
    data: { serial },
    idempotencyKey: `order-${serial}-paid`,
    ...overrides,
  };
};

const eventIdFor = (type: string, key: string, tenant = 'default') =>
  eventIdOf(idempotencyKeyOf(tenant, 'internal', type, key));

/** The stored state, as the store reads it back (the item leaves out what it derives: decision 0060). */
const stateOf = async (eventId: string) => {
  const { Item } = await table.documentClient.send(
    new GetCommand({ TableName: table.tableName, Key: stateKey(eventId) }),
  );
  return Item ? stateOfItem(Item) : undefined;
};

/** Every message sent to the queue, in order. */
const sent = (): Omit<SendMessageBatchRequestEntry, 'Id'>[] => [
  ...sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input),
  ...sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []),
];

describe('the domain event publisher', () => {
  it('publishes a batch partially: an invalid event is refused with its reason, the valid ones are stored and queued', async () => {
    const [first, second] = [anEvent(), anEvent()];

    const answers = await aPublisher().publishItems(
      'default',
      [first, { type: 'order.paid', data: {} }, second],
      API,
    );

    expect(answers).toEqual([
      {
        index: 0,
        idempotencyKey: first.idempotencyKey,
        eventId: eventIdFor('order.paid', first.idempotencyKey ?? ''),
        outcome: 'accepted',
      },
      { index: 1, idempotencyKey: '', outcome: 'rejected', error: expect.stringMatching(/^entity: /) },
      {
        index: 2,
        idempotencyKey: second.idempotencyKey,
        eventId: eventIdFor('order.paid', second.idempotencyKey ?? ''),
        outcome: 'accepted',
      },
    ]);
    expect(sent()).toHaveLength(2);
    expect(await stateOf(answers[0]?.eventId ?? '')).toMatchObject({
      provider: 'internal',
      type: 'order.paid',
      providerType: 'order.paid',
      externalId: first.idempotencyKey,
      entityKind: 'order',
      entityId: first.entity.id,
      status: 'QUEUED',
    });
  });

  it('gives an event without a key a generated one before storing it, and answers with it', async () => {
    const { idempotencyKey: _none, ...event } = anEvent();

    const [answer] = await aPublisher().publish('default', [event], API);

    expect(answer?.idempotencyKey).toMatch(/^generated-\d+$/);
    expect(answer?.outcome).toBe('accepted');
    expect(await stateOf(answer?.eventId ?? '')).toMatchObject({ externalId: answer?.idempotencyKey });
  });

  it('answers a second publish of the same keys as duplicates, queueing nothing again', async () => {
    const events = [anEvent(), anEvent()];
    const publisher = aPublisher();
    await publisher.publish('default', events, API);
    sqs.resetHistory();

    const again = await publisher.publish('default', events, API);

    expect(again.map((a) => a.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(sent()).toEqual([]);
  });

  it('answers a repeat of an event within one batch as a duplicate of the first, storing it once', async () => {
    const event = anEvent();

    const answers = await aPublisher().publish('default', [event, { ...event, data: { other: true } }], API);

    expect(answers.map((a) => [a.outcome, a.eventId])).toEqual([
      ['accepted', answers[0]?.eventId],
      ['duplicate', answers[0]?.eventId],
    ]);
    expect(sent()).toHaveLength(1);
  });

  it('keys events by type and key: the same key with another type is another event', async () => {
    const event = anEvent();

    const answers = await aPublisher().publish('default', [event, { ...event, type: 'order.shipped' }], API);

    expect(answers.map((a) => a.outcome)).toEqual(['accepted', 'accepted']);
    expect(answers[0]?.eventId).not.toBe(answers[1]?.eventId);
  });

  it('queues a batch in its order per entity, keeping each occurredAt as given (out of order) in UTC', async () => {
    const entity = { kind: 'customer', id: `cus_${serial}` };
    const events = [
      anEvent({ entity, type: 'customer.updated', occurredAt: '2025-06-01T10:00:00+02:00' }),
      anEvent({ entity, type: 'customer.updated', occurredAt: '2025-06-01T07:00:00Z' }),
      anEvent({ entity, type: 'customer.updated' }),
    ];

    const answers = await aPublisher().publish('acme', events, API);

    const ids = answers.map((a) => a.eventId ?? '');
    expect(
      sent()
        .map((m) => JSON.parse(m.MessageBody ?? '{}') as { eventId: string })
        .map((c) => c.eventId),
    ).toEqual(ids);
    expect(new Set(sent().map((m) => m.MessageGroupId))).toEqual(
      new Set([`acme#internal#customer:${entity.id}`]),
    );
    const states = await Promise.all(ids.map(stateOf));
    expect(states.map((s) => s?.occurredAt)).toEqual([
      '2025-06-01T08:00:00.000Z',
      '2025-06-01T07:00:00.000Z',
      NOW.toISOString(),
    ]);
  });

  it('orders an event whose entity is of kind "event" by itself', async () => {
    const [answer] = await aPublisher().publish(
      'default',
      [anEvent({ entity: { kind: 'event', id: 'none' } })],
      API,
    );

    expect(sent()[0]?.MessageGroupId).toBe(answer?.eventId);
    expect(await stateOf(answer?.eventId ?? '')).toMatchObject({
      entityKind: 'event',
      entityId: answer?.eventId,
    });
  });

  it('stores the canonical events as the request, with who published them', async () => {
    const event = anEvent();

    const [answer] = await aPublisher().publish('default', [event], API, 'caller-correlation-1');

    const payload = await store.getPayload(answer?.eventId ?? '');
    expect(payload?.request.headers[ORIGIN_HEADER]).toBe(JSON.stringify(API));
    expect(JSON.parse(payload?.rawBody?.toString() ?? '{}')).toEqual({ events: [event] });
    expect(payload?.event).toMatchObject({ provider: 'internal', correlationId: 'caller-correlation-1' });
  });

  it("stores a workflow step's causation on the event and on its state, where the cycle guard reads it", async () => {
    const [answer] = await aPublisher().publish('default', [anEvent()], {
      kind: 'workflow',
      causationId: 'ev_parent',
      depth: 2,
    });

    const eventId = answer?.eventId ?? '';
    expect((await store.getPayload(eventId))?.event).toMatchObject({ causationId: 'ev_parent', depth: 2 });
    expect(await stateOf(eventId)).toMatchObject({ causationId: 'ev_parent', depth: 2 });
  });

  it('stores no causation for an event a producer published', async () => {
    const [answer] = await aPublisher().publish('default', [anEvent()], API);

    const event = (await store.getPayload(answer?.eventId ?? ''))?.event;
    expect(event?.causationId).toBeUndefined();
    expect(event?.depth).toBeUndefined();
  });

  it.each<[DomainEventOrigin, string]>([
    [API, 'published by arn:aws:iam::000000000000:user/producer'],
    [
      { kind: 'eventbridge', bus: 'orders', eventBridgeId: 'eb-1' },
      'from EventBridge bus orders (event eb-1)',
    ],
    [
      { kind: 'schedule', schedule: 'nightly', scheduledTime: '2026-12-07T02:00:00.000Z' },
      'tick of schedule nightly at 2026-12-07T02:00:00.000Z',
    ],
    [
      { kind: 'workflow', causationId: 'ev_parent', depth: 2 },
      'emitted by a workflow step of ev_parent (depth 2)',
    ],
  ])('names who published in the accepted entry of the timeline (%o)', async (origin, detail) => {
    const [answer] = await aPublisher().publish('default', [anEvent()], origin);

    const state = await stateOf(answer?.eventId ?? '');
    expect(state?.audit[0]).toMatchObject({
      action: 'accepted',
      detail,
    });
  });

  it.each([
    ['not an object', 'order.paid', /expected object/],
    ['a type with a space', { type: 'order paid', entity: { kind: 'o', id: '1' }, data: {} }, /^type: /],
    ['an unknown field', { type: 'a', entity: { kind: 'o', id: '1' }, data: {}, tenant: 'x' }, /tenant/],
    [
      'occurredAt without an offset',
      { type: 'a', entity: { kind: 'o', id: '1' }, data: {}, occurredAt: '2025-06-01T12:00:00' },
      /^occurredAt: /,
    ],
    ['data that is a list', { type: 'a', entity: { kind: 'o', id: '1' }, data: [] }, /^data: /],
    [
      'an entity id of 300 characters',
      { type: 'a', entity: { kind: 'o', id: 'x'.repeat(300) }, data: {} },
      /^entity: /,
    ],
    [
      'data nested 300 deep',
      {
        type: 'a',
        entity: { kind: 'o', id: '1' },
        data: JSON.parse(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`) as unknown,
      },
      /^data: nests deeper/,
    ],
    [
      'a key of 300 characters',
      { type: 'a', entity: { kind: 'o', id: '1' }, data: {}, idempotencyKey: 'k'.repeat(300) },
      /^idempotencyKey: /,
    ],
  ])('refuses %s, alone, with its reason', async (_name, malformed, reason) => {
    const valid = anEvent();

    const answers = await aPublisher().publishItems('default', [malformed, valid], API);

    expect(answers[0]).toMatchObject({ index: 0, outcome: 'rejected', error: expect.stringMatching(reason) });
    expect(answers[0]).not.toHaveProperty('eventId');
    expect(answers[1]).toMatchObject({ index: 1, outcome: 'accepted' });
  });

  it('answers a refused event by the key it offered', async () => {
    const [answer] = await aPublisher().publishItems(
      'default',
      [{ type: 'a b', idempotencyKey: 'mine' }],
      API,
    );

    expect(answer).toMatchObject({ idempotencyKey: 'mine', outcome: 'rejected' });
  });

  it(`refuses more than ${MAX_EVENTS_PER_PUBLISH} events, and a body over maxBodyBytes, storing nothing`, async () => {
    const many = Array.from({ length: MAX_EVENTS_PER_PUBLISH + 1 }, () => anEvent());
    const large = anEvent({ data: { blob: 'x'.repeat(5_000) } });

    await expect(aPublisher().publish('default', many, API)).rejects.toThrow(BatchTooLargeError);
    await expect(aPublisher({ maxBodyBytes: 4_096 }).publish('default', [large], API)).rejects.toThrow(
      /take \d+ bytes; at most 4096/,
    );
    expect(sent()).toEqual([]);
    expect(await stateOf(eventIdFor('order.paid', large.idempotencyKey ?? ''))).toBeUndefined();
  });

  it('refuses an unknown tenant', async () => {
    await expect(aPublisher().publish('nobody', [anEvent()], API)).rejects.toThrow(UnknownTenantError);
  });
});
