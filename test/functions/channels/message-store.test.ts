import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Receipt } from '#shared/channels/contract';
import { MessageStore, type MessageRecord } from '#shared/channels/message-store';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { aMessage } from './recording-server';

let table: LocalEventTable;
let store: MessageStore;
let n = 0;

beforeAll(async () => {
  table = await startEventTable();
  store = new MessageStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 });
});
afterAll(() => table.stop());

const T0 = new Date('2026-05-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
/** A distinct message per call. */
const fresh = (overrides: Parameters<typeof aMessage>[0] = {}) => {
  n += 1;
  return aMessage({ id: `msg_store_${n}`, ...overrides });
};
const sentMessage = async (providerMessageId = `SM${n}x`) => {
  const message = fresh();
  await store.begin(message, T0);
  await store.sent(keyOf(message), providerMessageId, at(1));
  return (await store.get(message.id))!;
};
const keyOf = (message: { id: string; via: string }) => ({ messageId: message.id, via: message.via });
const receipt = (status: Receipt['status'], second: number, reason?: string): Receipt => ({
  status,
  at: at(second).toISOString(),
  ...(reason ? { reason } : {}),
});
const itemsUnder = async (pk: string) =>
  (
    await table.documentClient.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    )
  ).Items ?? [];

describe('MessageStore: the intent and the call', () => {
  it('records the intent once: a second begin returns what is there and writes nothing', async () => {
    const message = fresh({
      channel: 'email',
      via: 'postmark',
      to: 'ada@example.com',
      content: { subject: 's' },
    });
    const first = await store.begin(message, T0);
    const second = await store.begin(message, at(5));
    expect(first.kind).toBe('created');
    expect(second).toEqual({ kind: 'exists', record: first.record });
    expect(first.record).toMatchObject({
      messageId: message.id,
      tenant: 'acme',
      channel: 'email',
      via: 'postmark',
      to: 'ada@example.com',
      status: 'SENDING',
      createdAt: T0.toISOString(),
      causationEventId: message.causationEventId,
      correlationId: message.correlationId,
      timeline: [{ action: 'sending', status: 'SENDING', at: T0.toISOString(), detail: 'via postmark' }],
    });
    const items = await itemsUnder(`MSG#${message.id}`);
    expect(items).toHaveLength(1);
    // No content is kept: it may hold personal data, and is rendered again when needed.
    expect(items[0]).not.toHaveProperty('content');
    expect(items[0]?.expiresAt).toBe(Math.floor(T0.getTime() / 1000) + 30 * 86_400);
  });

  it('SENT writes the provider id index, by which a receipt finds the message', async () => {
    const message = fresh();
    await store.begin(message, T0);
    expect(await store.sent(keyOf(message), 'SM-index-1', at(1))).toBe(true);
    expect(await store.idOfProviderMessage('twilio', 'SM-index-1')).toBe(message.id);
    expect(await store.idOfProviderMessage('postmark', 'SM-index-1')).toBeUndefined();
    const index = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: { PK: 'MSGPID#twilio#SM-index-1', SK: 'MSGPID' } }),
    );
    expect(index.Item).toMatchObject({ messageId: message.id });
    expect(await store.get(message.id)).toMatchObject({
      status: 'SENT',
      providerMessageId: 'SM-index-1',
      sentAt: at(1).toISOString(),
      timeline: [{ action: 'sending' }, { action: 'sent', status: 'SENT', detail: 'provider id SM-index-1' }],
    });
    // Sent once: a second SENT (another provider id) is refused by the condition.
    expect(await store.sent(keyOf(message), 'SM-index-2', at(2))).toBe(false);
    expect((await store.get(message.id))?.providerMessageId).toBe('SM-index-1');
  });

  it('a refusal keeps it SENDING and says the last call was answered; the next call clears that', async () => {
    const message = fresh();
    await store.begin(message, T0);
    expect(await store.refused(message.id, 'twilio answered HTTP 500', at(1))).toBe(true);
    expect(await store.get(message.id)).toMatchObject({
      status: 'SENDING',
      lastCall: 'refused',
      lastError: 'twilio answered HTTP 500',
    });
    expect(await store.calling(message.id, at(2))).toBe(true);
    const record = await store.get(message.id);
    expect(record?.status).toBe('SENDING');
    expect(record).not.toHaveProperty('lastCall');
    expect(record?.timeline.map((e) => e.action)).toEqual(['sending', 'refused', 'sending']);
    expect(await store.sent(keyOf(message), 'SM-after-refusal', at(3))).toBe(true);
    // Neither a refusal nor an uncertain call can follow SENT.
    expect(await store.refused(message.id, 'late', at(4))).toBe(false);
    expect(await store.uncertain(message.id, 'late', at(4))).toBe(false);
    expect(await store.failed(message.id, 'late', at(4))).toBe(false);
    expect(await store.calling(message.id, at(4))).toBe(false);
    expect((await store.get(message.id))?.status).toBe('SENT');
  });

  it('UNCERTAIN only from SENDING; from there an operator’s resend, a late SENT or FAILED may follow', async () => {
    const message = fresh();
    await store.begin(message, T0);
    expect(await store.uncertain(message.id, 'no answer', at(1))).toBe(true);
    expect(await store.uncertain(message.id, 'no answer again', at(2))).toBe(false);
    expect(await store.refused(message.id, 'refused', at(2))).toBe(false);
    expect(await store.get(message.id)).toMatchObject({
      status: 'UNCERTAIN',
      timeline: [{ action: 'sending' }, { action: 'uncertain', status: 'UNCERTAIN', detail: 'no answer' }],
    });
    expect(await store.calling(message.id, at(3), 'resend')).toBe(true);
    expect((await store.get(message.id))?.status).toBe('SENDING');
    expect(await store.uncertain(message.id, 'no answer', at(4))).toBe(true);
    expect(await store.sent(keyOf(message), 'SM-late', at(5), 'adopted')).toBe(true);
    expect((await store.get(message.id))?.timeline.at(-1)).toMatchObject({
      action: 'adopted',
      status: 'SENT',
    });

    const other = fresh();
    await store.begin(other, T0);
    await store.uncertain(other.id, 'no answer', at(1));
    expect(await store.failed(other.id, 'invalid recipient', at(2))).toBe(true);
    expect(await store.get(other.id)).toMatchObject({ status: 'FAILED', lastError: 'invalid recipient' });
    // FAILED is final: nothing moves it back.
    expect(await store.calling(other.id, at(3))).toBe(false);
    expect(await store.sent(keyOf(other), 'SM-x', at(3))).toBe(false);
  });

  it('a transition of a message that does not exist is refused, not created', async () => {
    expect(await store.refused('msg_nosuch', 'x', T0)).toBe(false);
    expect(await store.get('msg_nosuch')).toBeUndefined();
  });
});

describe('MessageStore: receipts', () => {
  it('applies a receipt once: the same receipt again changes nothing', async () => {
    const record = await sentMessage();
    const first = await store.applyReceipt(record, receipt('delivered', 10), at(11));
    expect(first).toEqual({ moved: true, duplicate: false, status: 'DELIVERED' });
    const after = (await store.get(record.messageId))!;
    const second = await store.applyReceipt(after, receipt('delivered', 10), at(12));
    expect(second).toEqual({ moved: false, duplicate: true, status: 'DELIVERED' });
    // Even from a stale copy of the record, read before the first was applied.
    expect(await store.applyReceipt(record, receipt('delivered', 10), at(13))).toEqual({
      moved: false,
      duplicate: true,
      status: 'DELIVERED',
    });
    expect(await store.get(record.messageId)).toEqual(after);
  });

  it('appends every receipt to the timeline, a late one that does not move it too', async () => {
    const record = await sentMessage();
    await store.applyReceipt(record, receipt('bounced', 10, 'mailbox unknown'), at(11));
    const late = await store.applyReceipt(
      (await store.get(record.messageId))!,
      receipt('delivered', 5),
      at(12),
    );
    expect(late).toEqual({ moved: false, duplicate: false, status: 'BOUNCED' });
    const final = await store.get(record.messageId);
    expect(final).toMatchObject({ status: 'BOUNCED', lastError: 'mailbox unknown' });
    expect(final?.timeline.filter((e) => e.action === 'receipt')).toEqual([
      {
        at: at(11).toISOString(),
        action: 'receipt',
        status: 'BOUNCED',
        detail: `bounced at ${at(10).toISOString()}: mailbox unknown`,
      },
      {
        at: at(12).toISOString(),
        action: 'receipt',
        status: 'BOUNCED',
        detail: `delivered at ${at(5).toISOString()}`,
      },
    ]);
  });

  it.each([
    [['delivered', 'opened', 'bounced']],
    [['bounced', 'opened', 'delivered']],
    [['opened', 'delivered', 'bounced']],
  ] as const)('converges whatever order concurrent receipts arrive in: %j', async (order) => {
    const record = await sentMessage();
    const seconds = { delivered: 10, opened: 20, bounced: 30 } as const;
    const results = await Promise.all(
      order.map((status) => store.applyReceipt(record, receipt(status, seconds[status]), at(40))),
    );
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const final = await store.get(record.messageId);
    expect(final?.status).toBe('BOUNCED');
    expect(
      final?.timeline
        .filter((e) => e.action === 'receipt')
        .map((e) => e.detail?.split(' ')[0])
        .sort(),
    ).toEqual(['bounced', 'delivered', 'opened']);
  });

  it('the same receipt handled twice at once is appended once', async () => {
    const record = await sentMessage();
    await store.applyReceipt(record, receipt('delivered', 10), at(11));
    const delivered = (await store.get(record.messageId))!;
    // Neither moves the status (a second delivered at another time, handled twice concurrently).
    const results = await Promise.all([
      store.applyReceipt(delivered, receipt('delivered', 15), at(16)),
      store.applyReceipt(delivered, receipt('delivered', 15), at(16)),
    ]);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
    const final = await store.get(record.messageId);
    expect(final?.timeline.filter((e) => e.action === 'receipt')).toHaveLength(2);
  });
});

describe('MessageStore: listing', () => {
  it('lists a tenant’s messages created since a time, newest first, up to the limit', async () => {
    const tenant = 'list-tenant';
    const created: MessageRecord[] = [];
    for (let i = 0; i < 5; i += 1) {
      const message = fresh({ tenant });
      created.push((await store.begin(message, at(i * 60))).record);
    }
    await store.begin(fresh({ tenant: 'someone-else' }), at(120));
    const all = await store.list(tenant, at(0).toISOString(), 50);
    expect(all.map((r) => r.messageId)).toEqual(created.map((r) => r.messageId).reverse());
    const since = await store.list(tenant, at(120).toISOString(), 50);
    expect(since.map((r) => r.messageId)).toEqual(
      created
        .slice(2)
        .map((r) => r.messageId)
        .reverse(),
    );
    const limited = await store.list(tenant, at(0).toISOString(), 2);
    expect(limited.map((r) => r.messageId)).toEqual([created[4]!.messageId, created[3]!.messageId]);
    expect(await store.list('nobody', at(0).toISOString(), 10)).toEqual([]);
    expect(await store.getMany(created.map((r) => r.messageId))).toHaveLength(5);
  });
});
