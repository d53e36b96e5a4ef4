import type { Environment } from '../../cli/environment';
import type { Channel, Message } from '#shared/channels/contract';
import { MessageStore } from '#shared/channels/message-store';
import { startEventTable, type LocalEventTable } from '../helpers/event-table';
import { fakeEnvironment, linesOf, runAgainst } from '../helpers/cli-run';

const OUTPUTS = { EventTableName: 'events' };

let table: LocalEventTable;
let store: MessageStore;

const message = (id: string, channel: Channel, via: string, to: string, tenant = 'acme'): Message => ({
  v: 1,
  id,
  tenant,
  channel,
  via,
  to,
  content: channel === 'email' ? { subject: 'Your receipt', text: 'Thanks' } : { body: 'Thanks' },
  correlationId: `corr-${id}`,
  causationEventId: `ev_${id}`,
  metadata: {},
});

/** Milliseconds after 2025-06-01T11:00:00Z, an hour before the CLI's now. */
const at = (ms: number) => new Date(Date.parse('2025-06-01T11:00:00Z') + ms);

/** A message begun at `start` and taken by the provider a second later. */
const sentMessage = async (msg: Message, start: number) => {
  const begun = await store.begin(msg, at(start));
  await store.sent(begun.record, `pid-${msg.id}`, at(start + 1000));
};

const receipt = async (
  id: string,
  status: 'delivered' | 'opened' | 'bounced' | 'failed',
  when: number,
  reason?: string,
) => {
  const record = await store.get(id);
  if (!record) throw new Error(`no message ${id}`);
  await store.applyReceipt(
    record,
    { messageId: id, status, at: at(when).toISOString(), ...(reason ? { reason } : {}) },
    at(when),
  );
};

beforeAll(async () => {
  table = await startEventTable('events');
  store = new MessageStore(table.documentClient, { tableName: 'events', retentionDays: 30 });

  await sentMessage(message('m-email-1', 'email', 'postmark', 'jane.doe@example.com'), 0);
  await receipt('m-email-1', 'delivered', 3000);
  await receipt('m-email-1', 'opened', 600_000);

  await sentMessage(message('m-email-2', 'email', 'postmark', 'bob@example.org'), 60_000);
  await receipt('m-email-2', 'delivered', 71_000);

  await sentMessage(message('m-email-3', 'email', 'postmark', 'bounce@example.com'), 120_000);
  await receipt('m-email-3', 'bounced', 125_000, '550 bounce@example.com: mailbox does not exist');

  await sentMessage(message('m-email-4', 'email', 'sendgrid', 'carol@example.net'), 180_000);
  await receipt('m-email-4', 'delivered', 182_000);

  // Twenty sms delivered 1 s to 20 s after their send, in a shuffled order.
  for (const [i, seconds] of [
    7, 3, 20, 11, 1, 16, 9, 14, 2, 18, 5, 12, 19, 8, 4, 15, 10, 6, 13, 17,
  ].entries()) {
    const start = 240_000 + i * 30_000;
    await sentMessage(
      message(`m-sms-${seconds}`, 'sms', 'twilio', `+1555123${String(seconds).padStart(4, '0')}`),
      start,
    );
    await receipt(`m-sms-${seconds}`, 'delivered', start + 1000 + seconds * 1000);
  }

  const refused = await store.begin(message('m-sms-refused', 'sms', 'twilio', '+15550000000'), at(900_000));
  await store.failed(refused.record.messageId, 'invalid To number +15550000000', at(901_000));

  await store.begin(message('m-push-1', 'push', 'fcm', 'fcmTokenABCDEFGHIJKLMNOP'), at(960_000));
  await store.uncertain('m-push-1', 'timed out; fcm cannot be asked for a message by our id', at(990_000));

  await sentMessage(
    message('m-hook-1', 'webhook', 'http', 'https://partner.example/hooks/acme?token=s3cret'),
    1_020_000,
  );
  // Older than the default window of list (7 days), and another tenant's.
  await sentMessage(message('m-wa-old', 'whatsapp', 'twilio', 'whatsapp:+447700900123'), -12 * 86_400_000);
  await sentMessage(message('m-beta-1', 'email', 'postmark', 'zed@beta.example', 'beta'), 30_000);
}, 60_000);
afterAll(() => table.stop());

const connect = () =>
  Promise.resolve({
    ...fakeEnvironment({ outputs: OUTPUTS }),
    dynamodb: table.documentClient,
  } as Environment);

const run = (...argv: string[]) => runAgainst({ outputs: OUTPUTS }, argv, connect);

describe('relayflow messages list', () => {
  it("lists a tenant's messages of a channel newest first, recipients masked", async () => {
    const result = await run('messages', 'list', '--tenant', 'acme', '--channel', 'email');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'MESSAGE    CHANNEL  VIA       TO                STATUS     SINCE                     LAST ERROR',
        'm-email-4  email    sendgrid  c***@example.net  DELIVERED  2025-06-01T11:03:02.000Z',
        'm-email-3  email    postmark  b***@example.com  BOUNCED    2025-06-01T11:02:05.000Z  550 b***@example.com: mailbox does not exist',
        'm-email-2  email    postmark  b***@example.org  DELIVERED  2025-06-01T11:01:11.000Z',
        'm-email-1  email    postmark  j***@example.com  OPENED     2025-06-01T11:10:00.000Z',
      ].join('\n'),
    );
  });

  it('keeps the last 4 digits of a phone, the first 6 characters of a token, the origin of a URL', async () => {
    const result = await run('--json', 'messages', 'list', '--tenant', 'acme', '--limit', '4');

    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout) as { messageId: string; to: string }[];
    expect(listed.map(({ messageId, to }) => ({ messageId, to }))).toEqual([
      { messageId: 'm-hook-1', to: 'https://partner.example/***' },
      { messageId: 'm-push-1', to: 'fcmTok***' },
      { messageId: 'm-sms-refused', to: '***0000' },
      { messageId: 'm-sms-17', to: '***0017' },
    ]);
    expect(result.stdout).not.toMatch(/s3cret|ABCDEF|\+1555/);
  });

  it('filters by status, and looks back 7 days unless --since says otherwise', async () => {
    const failing = await run('--json', 'messages', 'list', '--tenant', 'acme', '--status', 'bounced,FAILED');
    expect((JSON.parse(failing.stdout) as { messageId: string }[]).map((m) => m.messageId)).toEqual([
      'm-sms-refused',
      'm-email-3',
    ]);

    const whatsapp = await run('messages', 'list', '--tenant', 'acme', '--channel', 'whatsapp');
    expect(whatsapp.stdout).toBe(
      'No messages for tenant acme with channel whatsapp created since 2025-05-25T12:00:00.000Z.',
    );
    const older = await run(
      'messages',
      'list',
      '--tenant',
      'acme',
      '--channel',
      'whatsapp',
      '--since',
      '14d',
    );
    expect(older.stdout).toContain('m-wa-old  whatsapp  twilio  ***0123');
  });

  it.each([
    [
      ['--since', 'yesterday'],
      'relayflow: --since must be an ISO 8601 time (2025-06-01T10:00:00Z) or a duration back from now (30m, 2h, 1d), not "yesterday".',
    ],
    [
      ['--status', 'DELIVERED,LOST'],
      'relayflow: --status must be one of SENDING, SENT, UNCERTAIN, DELIVERED, OPENED, BOUNCED, FAILED, RECEIPT_MISSING, not LOST.',
    ],
    [
      ['--channel', 'fax'],
      'relayflow: --channel must be one of email, sms, whatsapp, push, webhook, not fax.',
    ],
  ])('refuses %j before reaching the stack', async (args, sentence) => {
    const result = await run('messages', 'list', '--tenant', 'acme', ...args);

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([sentence]);
    expect(result.connects).toBe(0);
  });
});

describe('relayflow messages show', () => {
  it('shows the message, its whole timeline, the event that caused it and its correlation id', async () => {
    const result = await run('messages', 'show', 'm-email-3');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'Message m-email-3  BOUNCED since 2025-06-01T11:02:05.000Z',
        'FIELD                VALUE',
        'tenant               acme',
        'channel              email',
        'via                  postmark',
        'to                   b***@example.com',
        'provider message id  pid-m-email-3',
        'created              2025-06-01T11:02:00.000Z',
        'sent                 2025-06-01T11:02:01.000Z',
        'caused by event      ev_m-email-3 (relayflow events show ev_m-email-3)',
        'correlation id       corr-m-email-3',
        'last error           550 b***@example.com: mailbox does not exist',
        '',
        'Timeline (oldest first):',
        'AT                        ACTION   STATUS   DETAIL',
        '2025-06-01T11:02:00.000Z  sending  SENDING  via postmark',
        '2025-06-01T11:02:01.000Z  sent     SENT     provider id pid-m-email-3',
        '2025-06-01T11:02:05.000Z  receipt  BOUNCED  bounced at 2025-06-01T11:02:05.000Z: 550 b***@example.com: mailbox does not exist',
      ].join('\n'),
    );
  });

  it('says an uncertain message needs an operator', async () => {
    const result = await run('messages', 'show', 'm-push-1');

    expect(linesOf(result.stdout).slice(0, 2)).toEqual([
      'Message m-push-1  UNCERTAIN since 2025-06-01T11:16:30.000Z',
      'The provider may or may not have taken it, and cannot be asked: an operator decides (docs/operations.md#messageuncertain).',
    ]);
    expect(result.stdout).toContain(
      'uncertain  UNCERTAIN  timed out; fcm cannot be asked for a message by our id',
    );
  });

  it('prints the masked record as JSON', async () => {
    const result = await run('--json', 'messages', 'show', 'm-email-1');

    expect(JSON.parse(result.stdout)).toMatchObject({
      messageId: 'm-email-1',
      to: 'j***@example.com',
      status: 'OPENED',
      causationEventId: 'ev_m-email-1',
      correlationId: 'corr-m-email-1',
      timeline: [
        { action: 'sending', status: 'SENDING' },
        { action: 'sent', status: 'SENT' },
        { action: 'receipt', status: 'DELIVERED' },
        { action: 'receipt', status: 'OPENED' },
      ],
    });
    expect(result.stdout).not.toContain('jane.doe');
  });

  it('says so when no message has the id', async () => {
    const result = await run('messages', 'show', 'm-nothing');

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      'relayflow: No message has the id m-nothing; messages are kept retentionDays days, and relayflow messages list --tenant <id> lists recent ones.',
    ]);
  });
});

describe('relayflow messages report', () => {
  it('counts by status and gives nearest-rank latency percentiles per channel and adapter', async () => {
    const result = await run('--json', 'messages', 'report', '--tenant', 'acme', '--since', '2h');

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      since: string;
      capped: boolean;
      rows: {
        channel: string;
        via: string;
        messages: number;
        statuses: Record<string, number>;
        latencyMs: unknown;
      }[];
      total: { messages: number; statuses: Record<string, number>; latencyMs: unknown };
    };
    expect(report).toMatchObject({ since: '2025-06-01T10:00:00.000Z', capped: false });
    expect(
      report.rows.map(({ channel, via, messages, latencyMs }) => ({ channel, via, messages, latencyMs })),
    ).toEqual([
      {
        channel: 'email',
        via: 'postmark',
        messages: 3,
        latencyMs: { measured: 2, p50: 2000, p95: 10_000, p99: 10_000 },
      },
      {
        channel: 'email',
        via: 'sendgrid',
        messages: 1,
        latencyMs: { measured: 1, p50: 1000, p95: 1000, p99: 1000 },
      },
      { channel: 'push', via: 'fcm', messages: 1, latencyMs: null },
      {
        channel: 'sms',
        via: 'twilio',
        messages: 21,
        latencyMs: { measured: 20, p50: 10_000, p95: 19_000, p99: 20_000 },
      },
      { channel: 'webhook', via: 'http', messages: 1, latencyMs: null },
    ]);
    expect(report.rows[0]?.statuses).toEqual({
      SENDING: 0,
      SENT: 0,
      UNCERTAIN: 0,
      DELIVERED: 1,
      OPENED: 1,
      BOUNCED: 1,
      FAILED: 0,
      RECEIPT_MISSING: 0,
    });
    expect(report.total).toMatchObject({
      messages: 27,
      statuses: { SENT: 1, UNCERTAIN: 1, DELIVERED: 22, OPENED: 1, BOUNCED: 1, FAILED: 1 },
      latencyMs: { measured: 23, p50: 10_000, p95: 19_000, p99: 20_000 },
    });
  });

  it('prints the tenant-level report as two tables', async () => {
    const result = await run('messages', 'report', '--tenant', 'acme', '--since', '2025-06-01T11:00:00Z');

    expect(result.stdout).toBe(
      [
        'Delivery report for tenant acme: 27 messages created since 2025-06-01T11:00:00.000Z',
        '',
        'CHANNEL  VIA       MESSAGES  SENT  UNCERTAIN  DELIVERED  OPENED  BOUNCED  FAILED',
        'email    postmark  3         0     0          1          1       1        0',
        'email    sendgrid  1         0     0          1          0       0        0',
        'push     fcm       1         0     1          0          0       0        0',
        'sms      twilio    21        0     0          20         0       0        1',
        'webhook  http      1         1     0          0          0       0        0',
        'all      all       27        1     1          22         1       1        1',
        '',
        'Send → delivered latency (from the sent entry to the first receipt that made it DELIVERED):',
        'CHANNEL  VIA       MEASURED  P50    P95    P99',
        'email    postmark  2         2.0s   10.0s  10.0s',
        'email    sendgrid  1         1.0s   1.0s   1.0s',
        'push     fcm       0',
        'sms      twilio    20        10.0s  19.0s  20.0s',
        'webhook  http      0',
        'all      all       23        10.0s  19.0s  20.0s',
      ].join('\n'),
    );
  });

  it('says when the tenant sent nothing in the window, and refuses a bad --since', async () => {
    expect((await run('messages', 'report', '--tenant', 'nobody')).stdout).toBe(
      'No messages for tenant nobody created since 2025-05-31T12:00:00.000Z.',
    );
    const bad = await run('messages', 'report', '--tenant', 'acme', '--since', '3 weeks');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since must be an ISO 8601 time');
    expect(bad.connects).toBe(0);
  });
});
