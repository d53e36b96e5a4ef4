import { ServerClient } from 'postmark';
import { ChannelError, type AdapterContext } from '#shared/channels/contract';
import {
  postmarkAdapter,
  postmarkCredentialsSchema,
  type PostmarkCredentials,
} from '#shared/channels/postmark/index';
import { normalizePostmark } from '#shared/providers/postmark/normalize';
import { postmarkOptionsSchema } from '#shared/providers/postmark/index';
import { aPostmarkRecordRequest, postmarkRecord } from '../../helpers/providers/postmark';
import { anEmail, eventsOf } from './email-events';
import { RecordingServer, channelFixture, type Reply } from './recording-server';

interface SendFixture {
  readonly request: {
    method: string;
    path: string;
    headers: Record<string, string>;
    body: {
      From: string;
      To: string;
      Subject: string;
      TextBody: string;
      HtmlBody: string;
      Metadata: Record<string, string>;
      MessageStream: string;
    };
  };
  readonly answer: { status: number; body: Record<string, unknown> };
}
type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const send = channelFixture<SendFixture>('postmark', 'send');
const errors = channelFixture<Record<string, Answer>>('postmark', 'errors');
const search = channelFixture<{ answer: Answer; empty: Answer }>('postmark', 'outbound-search');

const TOKEN = 'postmark-server-token-0000';
const credentials: PostmarkCredentials = {
  serverToken: TOKEN,
  from: 'sender@example.com',
  messageStream: 'outbound',
};

let server: RecordingServer;
beforeAll(async () => {
  server = await RecordingServer.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  server.reply = () => send.answer;
});

const ctx = (
  overrides: Partial<AdapterContext<PostmarkCredentials>> = {},
): AdapterContext<PostmarkCredentials> => ({
  credentials,
  fetch,
  baseUrl: server.url,
  ...overrides,
});

const documented = anEmail(
  {
    subject: send.request.body.Subject,
    text: send.request.body.TextBody,
    html: send.request.body.HtmlBody,
  },
  { to: send.request.body.To, metadata: send.request.body.Metadata },
);

const sendFailure = async (reply: Reply): Promise<ChannelError> => {
  server.reply = () => reply;
  const error = await postmarkAdapter.send(documented, ctx()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
};

describe('Postmark adapter: the request', () => {
  it('sends the documented POST /email, with our id in Metadata, and returns the MessageID', async () => {
    const result = await postmarkAdapter.send(documented, ctx());

    expect(result).toEqual({ providerMessageId: send.answer.body.MessageID });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: send.request.method, path: send.request.path });
    expect(request?.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'x-postmark-server-token': TOKEN,
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      ...send.request.body,
      Metadata: { ...send.request.body.Metadata, rf_message_id: documented.id },
    });
  });

  it("builds the same body and headers as Postmark's own client", async () => {
    const official = new ServerClient(TOKEN, {
      useHttps: false,
      requestHost: server.url.replace('http://', ''),
    });
    await official.sendEmail({
      ...send.request.body,
      Metadata: { ...send.request.body.Metadata, rf_message_id: documented.id },
    });
    await postmarkAdapter.send(documented, ctx());

    const [theirs, ours] = server.requests;
    expect(ours?.path).toBe(theirs?.path);
    expect(JSON.parse(ours?.body ?? '')).toEqual(JSON.parse(theirs?.body ?? ''));
    expect(ours?.headers['x-postmark-server-token']).toBe(theirs?.headers['x-postmark-server-token']);
  });

  it('sends from the content when it names a sender, and leaves MessageStream out when the credentials do', async () => {
    await postmarkAdapter.send(
      anEmail({ from: 'Billing <billing@example.com>' }),
      ctx({ credentials: { serverToken: TOKEN, from: 'sender@example.com' } }),
    );

    const body = JSON.parse(server.requests[0]?.body ?? '') as Record<string, unknown>;
    expect(body.From).toBe('Billing <billing@example.com>');
    expect(body).not.toHaveProperty('MessageStream');
    expect(body).not.toHaveProperty('HtmlBody');
  });

  it('keeps a base URL path (a local fake mounted under /postmark)', async () => {
    await postmarkAdapter.send(documented, ctx({ baseUrl: `${server.url}/postmark/` }));

    expect(server.requests[0]?.path).toBe('/postmark/email');
  });
});

describe('Postmark adapter: errors', () => {
  it('429 is retryable with Retry-After', async () => {
    const error = await sendFailure({ ...errors.rateLimited!, headers: { 'retry-after': '30' } });

    expect(error).toMatchObject({ errorClass: 'http-429', retryable: true, retryAfterSeconds: 30 });
  });

  it('500 is retryable', async () => {
    expect(await sendFailure(errors.serverError as Reply)).toMatchObject({
      errorClass: 'http-500',
      retryable: true,
    });
  });

  it("ErrorCode 300 (invalid email) is permanent with Postmark's reason", async () => {
    const error = await sendFailure(errors.invalidEmail as Reply);

    expect(error).toMatchObject({ errorClass: 'invalid-email', retryable: false });
    expect(error.message).toContain("Invalid 'To' address");
    expect(error.message).toContain('ErrorCode 300');
  });

  it('ErrorCode 406 (inactive recipient) is permanent', async () => {
    expect(await sendFailure(errors.inactiveRecipient as Reply)).toMatchObject({
      errorClass: 'inactive-recipient',
      retryable: false,
    });
  });

  it('401 is permanent `unauthorized`, and the token appears nowhere in the error', async () => {
    const error = await sendFailure(errors.badToken as Reply);

    expect(error).toMatchObject({ errorClass: 'unauthorized', retryable: false });
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(TOKEN);
  });

  it('no answer in time is a retryable timeout', async () => {
    server.reply = () => 'hang';
    const error = await postmarkAdapter
      .send(documented, ctx({ signal: AbortSignal.timeout(100) }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ errorClass: 'timeout', retryable: true });
  });

  it('a dropped connection is a retryable network error', async () => {
    expect(await sendFailure('reset')).toMatchObject({ errorClass: 'network', retryable: true });
  });

  it('a 200 without a MessageID is uncertain (retryable), never a success', async () => {
    expect(await sendFailure({ status: 200, body: { ErrorCode: 0, Message: 'OK' } })).toMatchObject({
      errorClass: 'unreadable-answer',
      retryable: true,
    });
  });
});

describe('Postmark adapter: find', () => {
  it('searches outbound messages by our metadata and adopts the MessageID', async () => {
    server.reply = () => search.answer;
    const result = await postmarkAdapter.find?.(documented, ctx());

    expect(result).toEqual({ kind: 'found', providerMessageId: '0ac29aee-e1cd-480d-b08d-4f48548ff48d' });
    const url = new URL(server.requests[0]?.path ?? '', server.url);
    expect(url.pathname).toBe('/messages/outbound');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      count: '1',
      offset: '0',
      metadata_rf_message_id: documented.id,
    });
    expect(server.requests[0]?.headers['x-postmark-server-token']).toBe(TOKEN);
  });

  it('an empty search is not-found', async () => {
    server.reply = () => search.empty;

    await expect(postmarkAdapter.find?.(documented, ctx())).resolves.toEqual({ kind: 'not-found' });
  });

  it('a failed search throws, so that nothing is decided on it', async () => {
    server.reply = () => errors.serverError as Reply;

    await expect(postmarkAdapter.find?.(documented, ctx())).rejects.toMatchObject({ retryable: true });
  });
});

describe('Postmark adapter: receipts', () => {
  const options = postmarkOptionsSchema.parse({});
  const receiptOfRecord = (record: Record<string, unknown>, provider = 'postmark') => {
    const [event] = eventsOf(provider, normalizePostmark(aPostmarkRecordRequest(record), options));
    return event && postmarkAdapter.receiptOf(event);
  };
  const withOurId = (name: string, extra: Record<string, unknown> = {}) => {
    const record = postmarkRecord(name);
    return { ...record, Metadata: { ...(record.Metadata as object), rf_message_id: 'msg-1' }, ...extra };
  };

  it('reads delivery, open and hard bounce, with our id from Metadata and the MessageID', () => {
    expect(receiptOfRecord(withOurId('delivery'))).toEqual({
      messageId: 'msg-1',
      providerMessageId: '883953f4-6105-42a2-a16a-77a8eac79483',
      status: 'delivered',
      at: '2019-11-05T16:33:54.907Z',
    });
    expect(receiptOfRecord(withOurId('open'))).toMatchObject({ messageId: 'msg-1', status: 'opened' });
    expect(receiptOfRecord(withOurId('bounce'))).toMatchObject({
      messageId: 'msg-1',
      status: 'bounced',
      reason: 'Test bounce details',
    });
  });

  it('matches by MessageID alone when the record carries none of our metadata (the documented fixtures)', () => {
    expect(receiptOfRecord(postmarkRecord('delivery'))).toEqual({
      providerMessageId: '883953f4-6105-42a2-a16a-77a8eac79483',
      status: 'delivered',
      at: '2019-11-05T16:33:54.907Z',
    });
  });

  it('a soft bounce is a failure; a transient one says nothing yet', () => {
    expect(receiptOfRecord(withOurId('bounce', { Type: 'SoftBounce', TypeCode: 4096 }))).toMatchObject({
      status: 'failed',
      reason: 'Test bounce details',
    });
    expect(receiptOfRecord(withOurId('bounce', { Type: 'Transient', TypeCode: 2 }))).toBeUndefined();
  });

  it('spam complaints, clicks and subscription changes are not delivery states', () => {
    for (const name of ['spam-complaint', 'click', 'subscription-change'])
      expect(receiptOfRecord(withOurId(name))).toBeUndefined();
  });

  it("ignores another provider's events", () => {
    expect(receiptOfRecord(withOurId('delivery'), 'sendgrid')).toBeUndefined();
  });
});

describe('Postmark adapter: validate and credentials', () => {
  it.each([
    ['channel sms is not email', { channel: 'sms' as const }],
    ['is not an email address', { to: 'receiver.example.com' }],
    ['is not an email address', { to: 'a b@example.com' }],
    ['is not an email address', { to: 'a@b@example.com' }],
    ['longer than 320', { to: `${'a'.repeat(310)}@example.com` }],
    ['subject and a text or html body', { content: { body: 'an SMS body' } }],
    ['subject and a text or html body', { content: { subject: 'No body' } }],
    ['sender:', { content: { subject: 'S', text: 'T', from: 'not an address' } }],
  ])('refuses a message whose problem is: %s', (reason, overrides) => {
    expect(postmarkAdapter.validate(anEmail({}, overrides))).toContain(reason);
  });

  it('accepts a plausible email', () => {
    expect(
      postmarkAdapter.validate(anEmail({ html: '<p>Hi</p>', from: 'Billing <b@example.com>' })),
    ).toBeUndefined();
  });

  it('reads the secret JSON and refuses one without a token', () => {
    expect(postmarkCredentialsSchema.parse({ serverToken: 't', from: 'a@b.c' })).toEqual({
      serverToken: 't',
      from: 'a@b.c',
    });
    expect(postmarkCredentialsSchema.safeParse({ from: 'a@b.c' }).success).toBe(false);
  });
});
