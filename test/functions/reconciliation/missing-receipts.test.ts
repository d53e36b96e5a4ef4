import type { Message } from '#shared/channels/contract';
import { MessageStore, type MessageRecord } from '#shared/channels/message-store';
import { ReceiptMatcher } from '#shared/channels/receipts';
import { adapterSet } from '#shared/channels/registry';
import type { DomainEventInput, DomainEventOrigin } from '#shared/producer/contract';
import type { ProviderApi, ProviderMessageStatus } from '#shared/reconciliation/contract';
import {
  DEFAULT_RECEIPT_DEADLINES_MS,
  planFor,
  reconcileReceipts,
  type ReceiptDependencies,
} from '#shared/reconciliation/missing-receipts';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';

let table: LocalEventTable;
let messages: MessageStore;
beforeAll(async () => {
  table = await startEventTable();
  messages = new MessageStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 });
});
afterAll(() => table.stop());

const SENT_AT = new Date('2026-05-01T10:00:00Z');
const AFTER_DEADLINE = new Date(SENT_AT.getTime() + 20 * 60_000);
let count = 0;

const aMessage = (tenant: string): Message => ({
  v: 1,
  id: `msg_${(count += 1)}`,
  tenant,
  channel: 'sms',
  via: 'twilio',
  to: '+15005550006',
  content: { body: 'hello' },
  correlationId: `corr-${count}`,
  causationEventId: `ev_cause_${count}`,
  metadata: {},
});

const sentMessage = async (tenant: string, providerMessageId: string) => {
  const message = aMessage(tenant);
  await messages.begin(message, SENT_AT);
  await messages.sent({ messageId: message.id, via: message.via }, providerMessageId, SENT_AT);
  return message.id;
};

const uncertainMessage = async (tenant: string) => {
  const message = aMessage(tenant);
  await messages.begin(message, SENT_AT);
  await messages.uncertain(message.id, 'the call timed out', SENT_AT);
  return message.id;
};

const harness = (answers: Record<string, ProviderMessageStatus>, find?: ReceiptDependencies['find']) => {
  const published: { events: readonly DomainEventInput[]; origin: DomainEventOrigin }[] = [];
  const missingMetric: string[] = [];
  const asked: string[] = [];
  const api: ProviderApi<unknown> = {
    provider: 'twilio',
    credentials: {} as never,
    defaultBaseUrl: 'https://api.twilio.test',
    retentionDays: 400,
    listSent: () => Promise.resolve({ records: [] }),
    messageStatus: (id) => {
      asked.push(id);
      return Promise.resolve(answers[id] ?? { kind: 'not-found' });
    },
  };
  const matcher = new ReceiptMatcher({
    store: messages,
    adapters: adapterSet([]),
    publisher: {
      publish: (_tenant, events, origin) => {
        published.push({ events, origin });
        return Promise.resolve(
          events.map((_, index) => ({ index, idempotencyKey: 'k', outcome: 'accepted' })),
        );
      },
    },
    now: () => AFTER_DEADLINE,
    metric: () => undefined,
  });
  const deps: ReceiptDependencies = {
    messages,
    matcher,
    api,
    apiContext: { credentials: {}, fetch, baseUrl: api.defaultBaseUrl },
    ...(find ? { find } : {}),
    deadlines: DEFAULT_RECEIPT_DEADLINES_MS,
    clock: { sleep: () => Promise.resolve(), random: () => 0 },
    now: () => AFTER_DEADLINE,
    receiptMissingMetric: (record) => missingMetric.push(record.messageId),
  };
  return { deps, published, missingMetric, asked, api };
};

const request = (tenant: string, dryRun = false) => ({
  provider: 'twilio',
  tenant,
  runId: 'run-r1',
  dryRun,
  since: new Date(SENT_AT.getTime() - 3_600_000),
});

describe('planFor', () => {
  const record = (overrides: Partial<MessageRecord>): MessageRecord => ({
    messageId: 'm',
    tenant: 'default',
    channel: 'email',
    via: 'postmark',
    to: 'a@example.com',
    status: 'SENT',
    statusAt: SENT_AT.toISOString(),
    createdAt: SENT_AT.toISOString(),
    sentAt: SENT_AT.toISOString(),
    causationEventId: 'ev',
    correlationId: 'c',
    timeline: [],
    ...overrides,
  });

  it("asks about a SENT message only once its channel's deadline has passed", () => {
    expect(planFor(record({}), DEFAULT_RECEIPT_DEADLINES_MS, new Date(SENT_AT.getTime() + 59 * 60_000))).toBe(
      'skip',
    );
    expect(planFor(record({}), DEFAULT_RECEIPT_DEADLINES_MS, new Date(SENT_AT.getTime() + 60 * 60_000))).toBe(
      'ask',
    );
  });

  it('looks for an UNCERTAIN message and leaves a final one alone', () => {
    expect(planFor(record({ status: 'UNCERTAIN' }), DEFAULT_RECEIPT_DEADLINES_MS, SENT_AT)).toBe('find');
    expect(planFor(record({ status: 'DELIVERED' }), DEFAULT_RECEIPT_DEADLINES_MS, AFTER_DEADLINE)).toBe(
      'skip',
    );
  });
});

describe('reconcileReceipts', () => {
  it("records the provider's final answer as a receipt, emitting message.<status> with the run as origin", async () => {
    const tenant = 'tr1';
    const id = await sentMessage(tenant, 'SM_final');
    const h = harness({ SM_final: { kind: 'final', status: 'delivered', at: '2026-05-01T10:00:05Z' } });

    const result = await reconcileReceipts(h.deps, request(tenant));

    expect(result).toMatchObject({ resolved: 1, missing: 0, errors: [] });
    const record = await messages.get(id);
    expect(record?.status).toBe('DELIVERED');
    expect(record?.timeline.at(-1)).toMatchObject({
      action: 'receipt',
      detail: 'delivered at 2026-05-01T10:00:05Z (from reconciliation run run-r1)',
    });
    expect(h.published).toEqual([
      expect.objectContaining({
        origin: { kind: 'reconciliation', provider: 'twilio', runId: 'run-r1' },
        events: [expect.objectContaining({ type: 'message.delivered' })],
      }),
    ]);
  });

  it('marks a message RECEIPT_MISSING when the provider still has it pending, once, with the metric', async () => {
    const tenant = 'tr2';
    const id = await sentMessage(tenant, 'SM_pending');
    const h = harness({ SM_pending: { kind: 'pending', providerStatus: 'sent' } });

    const first = await reconcileReceipts(h.deps, request(tenant));
    const second = await reconcileReceipts(h.deps, request(tenant));

    expect(first).toMatchObject({ resolved: 0, missing: 1 });
    expect(second).toMatchObject({ resolved: 0, missing: 0 });
    const record = await messages.get(id);
    expect(record?.status).toBe('RECEIPT_MISSING');
    expect(record?.timeline.at(-1)?.detail).toBe(
      'no final receipt by the sms deadline; twilio still says sent (reconciliation run run-r1)',
    );
    expect(h.missingMetric).toEqual([id]);
  });

  it('lets a later answer resolve a RECEIPT_MISSING message', async () => {
    const tenant = 'tr3';
    const id = await sentMessage(tenant, 'SM_late');
    await reconcileReceipts(harness({}).deps, request(tenant));
    expect((await messages.get(id))?.status).toBe('RECEIPT_MISSING');

    const h = harness({
      SM_late: { kind: 'final', status: 'failed', at: '2026-05-01T10:30:00Z', reason: 'unreachable' },
    });
    const result = await reconcileReceipts(h.deps, request(tenant));

    expect(result.resolved).toBe(1);
    expect(await messages.get(id)).toMatchObject({ status: 'FAILED', lastError: 'unreachable' });
  });

  it('leaves a message alone before its deadline', async () => {
    const tenant = 'tr4';
    await sentMessage(tenant, 'SM_early');
    const h = harness({});

    const result = await reconcileReceipts(
      { ...h.deps, now: () => new Date(SENT_AT.getTime() + 60_000) },
      request(tenant),
    );

    expect(result).toMatchObject({ resolved: 0, missing: 0 });
    expect(h.asked).toEqual([]);
  });

  it('adopts an UNCERTAIN message the provider holds, and asks its status', async () => {
    const tenant = 'tr5';
    const id = await uncertainMessage(tenant);
    const h = harness({ SM_found: { kind: 'final', status: 'delivered', at: '2026-05-01T10:00:09Z' } }, () =>
      Promise.resolve({ kind: 'found', providerMessageId: 'SM_found' }),
    );

    const result = await reconcileReceipts(h.deps, request(tenant));

    expect(result).toMatchObject({ uncertainResolved: 1, resolved: 1 });
    const record = await messages.get(id);
    expect(record).toMatchObject({ status: 'DELIVERED', providerMessageId: 'SM_found' });
    expect(record?.timeline.map((e) => e.action)).toContain('adopted');
  });

  it('keeps an UNCERTAIN message the provider does not hold UNCERTAIN, with a line for the operator', async () => {
    const tenant = 'tr6';
    const id = await uncertainMessage(tenant);
    const h = harness({}, () => Promise.resolve({ kind: 'not-found' }));

    const result = await reconcileReceipts(h.deps, request(tenant));

    expect(result).toMatchObject({ uncertainResolved: 0, resolved: 0, missing: 0 });
    const record = await messages.get(id);
    expect(record?.status).toBe('UNCERTAIN');
    expect(record?.timeline.at(-1)).toMatchObject({
      action: 'reconciled',
      detail: expect.stringContaining('twilio holds no message sent under our id'),
    });
  });

  it('changes nothing in a dry run', async () => {
    const tenant = 'tr7';
    const id = await sentMessage(tenant, 'SM_dry');
    const before = await messages.get(id);
    const h = harness({ SM_dry: { kind: 'pending', providerStatus: 'queued' } });

    const result = await reconcileReceipts(h.deps, request(tenant, true));

    expect(result.missing).toBe(1);
    expect(await messages.get(id)).toEqual(before);
    expect(h.missingMetric).toEqual([]);
  });

  it('marks RECEIPT_MISSING without asking when the provider has no status API', async () => {
    const tenant = 'tr8';
    const id = await sentMessage(tenant, 'SM_noapi');
    const h = harness({});
    const { messageStatus: _omitted, ...withoutStatus } = h.api;

    const result = await reconcileReceipts({ ...h.deps, api: withoutStatus }, request(tenant));

    expect(result.missing).toBe(1);
    expect((await messages.get(id))?.timeline.at(-1)?.detail).toContain("twilio's API cannot be asked");
  });
});
