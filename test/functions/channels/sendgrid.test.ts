import { Mail } from '@sendgrid/helpers/classes';
import { ChannelError, type AdapterContext } from '#shared/channels/contract';
import {
  sendgridAdapter,
  sendgridCredentialsSchema,
  type SendgridCredentials,
} from '#shared/channels/sendgrid/index';
import { normalizeSendgrid } from '#shared/providers/sendgrid/normalize';
import { sendgridOptionsSchema } from '#shared/providers/sendgrid/index';
import { aSendgridBatchRequest, sendgridFixtureEvents } from '../../helpers/providers/sendgrid';
import { anEmail, eventsOf } from './email-events';
import { RecordingServer, channelFixture, type Reply } from './recording-server';

interface SendFixture {
  readonly request: { method: string; path: string; body: Record<string, unknown> };
  readonly answer: { status: number; headers: Record<string, string> };
}
type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const send = channelFixture<SendFixture>('sendgrid', 'send');
const errors = channelFixture<Record<string, Answer>>('sendgrid', 'errors');
const documentedBody = send.request.body as {
  personalizations: [{ to: [{ email: string }] }];
  from: { email: string; name: string };
  subject: string;
  content: [{ value: string }, { value: string }];
  custom_args: Record<string, string>;
};

const API_KEY = 'SG.sendgrid-api-key-0000';
const credentials: SendgridCredentials = {
  apiKey: API_KEY,
  from: `${documentedBody.from.name} <${documentedBody.from.email}>`,
};

let server: RecordingServer;
beforeAll(async () => {
  server = await RecordingServer.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  server.reply = () => ({ ...send.answer, body: '' });
});

const ctx = (
  overrides: Partial<AdapterContext<SendgridCredentials>> = {},
): AdapterContext<SendgridCredentials> => ({
  credentials,
  fetch,
  baseUrl: server.url,
  ...overrides,
});

const documented = anEmail(
  {
    subject: documentedBody.subject,
    text: documentedBody.content[0].value,
    html: documentedBody.content[1].value,
  },
  { to: documentedBody.personalizations[0].to[0].email, metadata: documentedBody.custom_args },
);

const sendFailure = async (reply: Reply): Promise<ChannelError> => {
  server.reply = () => reply;
  const error = await sendgridAdapter.send(documented, ctx()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
};

describe('SendGrid adapter: the request', () => {
  it('sends the documented v3 mail/send body with our custom arg, and returns X-Message-Id', async () => {
    const result = await sendgridAdapter.send(documented, ctx());

    expect(result).toEqual({ providerMessageId: '14c5d75ce93' });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: send.request.method, path: send.request.path });
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${API_KEY}`,
      'content-type': 'application/json',
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      ...documentedBody,
      custom_args: { ...documentedBody.custom_args, rf_message_id: documented.id },
    });
  });

  it("is the body SendGrid's own helper builds (Mail.create(...).toJSON())", async () => {
    await sendgridAdapter.send(documented, ctx());

    const theirs = Mail.create({
      to: documented.to,
      from: credentials.from,
      subject: documentedBody.subject,
      text: documentedBody.content[0].value,
      html: documentedBody.content[1].value,
      customArgs: { ...documentedBody.custom_args, rf_message_id: documented.id },
    }).toJSON();
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual(JSON.parse(JSON.stringify(theirs)));
  });

  it('takes a bare sender address and an html-only body', async () => {
    await sendgridAdapter.send(
      anEmail({ text: undefined, html: '<p>Hi</p>' }),
      ctx({ credentials: { apiKey: API_KEY, from: 'orders@example.com' } }),
    );

    expect(JSON.parse(server.requests[0]?.body ?? '')).toMatchObject({
      from: { email: 'orders@example.com' },
      content: [{ type: 'text/html', value: '<p>Hi</p>' }],
    });
  });

  it('has no find: the Email Activity API is a paid add-on', () => {
    expect(sendgridAdapter.find).toBeUndefined();
  });
});

describe('SendGrid adapter: errors', () => {
  it('429 is retryable, with Retry-After when sent', async () => {
    const error = await sendFailure({ ...errors.rateLimited!, headers: { 'retry-after': '12' } });

    expect(error).toMatchObject({ errorClass: 'http-429', retryable: true, retryAfterSeconds: 12 });
  });

  it('429 without Retry-After waits for X-RateLimit-Reset', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 40);
    const error = await sendFailure({
      ...errors.rateLimited!,
      headers: { ...errors.rateLimited!.headers, 'x-ratelimit-reset': reset },
    });

    expect(error.retryable).toBe(true);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(38);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(41);
  });

  it('500 is retryable', async () => {
    expect(await sendFailure(errors.serverError as Reply)).toMatchObject({
      errorClass: 'http-500',
      retryable: true,
    });
  });

  it("400 (invalid address) is permanent with SendGrid's messages", async () => {
    const error = await sendFailure(errors.invalidEmail as Reply);

    expect(error).toMatchObject({ errorClass: 'http-400', retryable: false });
    expect(error.message).toContain('Does not contain a valid address.');
  });

  it('401 and 403 are permanent `unauthorized`, and the key appears nowhere in the error', async () => {
    const bad = await sendFailure(errors.badKey as Reply);
    const unverified = await sendFailure(errors.unverifiedSender as Reply);

    expect(bad).toMatchObject({ errorClass: 'unauthorized', retryable: false });
    expect(unverified).toMatchObject({ errorClass: 'unauthorized', retryable: false });
    expect(unverified.message).toContain('verified Sender Identity');
    expect(JSON.stringify([bad.message, bad.stack, unverified.message])).not.toContain(API_KEY);
  });

  it('a 202 without X-Message-Id is uncertain (retryable), never a success', async () => {
    expect(await sendFailure({ status: 202, body: '' })).toMatchObject({
      errorClass: 'unreadable-answer',
      retryable: true,
    });
  });

  it('no answer in time is a retryable timeout', async () => {
    server.reply = () => 'hang';

    await expect(
      sendgridAdapter.send(documented, ctx({ signal: AbortSignal.timeout(100) })),
    ).rejects.toMatchObject({ errorClass: 'timeout', retryable: true });
  });
});

describe('SendGrid adapter: receipts', () => {
  const options = sendgridOptionsSchema.parse({});
  const receiptsOf = (events: unknown[], provider = 'sendgrid') =>
    eventsOf(provider, normalizeSendgrid(aSendgridBatchRequest(events), options)).map((event) =>
      sendgridAdapter.receiptOf(event),
    );
  const withOurId = (name: string, extra: Record<string, unknown> = {}) =>
    sendgridFixtureEvents(name).map((event) => ({ ...event, rf_message_id: 'msg-1', ...extra }));

  it('reads delivered, open and bounce, with our custom arg and the X-Message-Id part of sg_message_id', () => {
    expect(receiptsOf(withOurId('delivered'))).toEqual([
      {
        messageId: 'msg-1',
        providerMessageId: '14c5d75ce93',
        status: 'delivered',
        at: '2017-12-15T00:59:29.000Z',
      },
    ]);
    expect(receiptsOf(withOurId('open'))).toMatchObject([{ messageId: 'msg-1', status: 'opened' }]);
    expect(receiptsOf(withOurId('bounce'))).toMatchObject([
      { messageId: 'msg-1', status: 'bounced', reason: '500 unknown recipient' },
    ]);
  });

  it('the id send returns is the id its receipts carry, even in the older dotted form', async () => {
    const sent = await sendgridAdapter.send(documented, ctx());
    const [receipt] = receiptsOf(sendgridFixtureEvents('delivered'));

    expect(receipt).toEqual({
      providerMessageId: sent.providerMessageId,
      status: 'delivered',
      at: '2017-12-15T00:59:29.000Z',
    });
  });

  it('dropped and blocked are failures with their reason', () => {
    expect(receiptsOf(withOurId('dropped'))).toMatchObject([
      { messageId: 'msg-1', status: 'failed', reason: 'Bounced Address' },
    ]);
    expect(receiptsOf(withOurId('blocked'))).toMatchObject([{ messageId: 'msg-1', status: 'failed' }]);
  });

  it('processed, deferred, clicks, spam reports and unsubscribes are not delivery states', () => {
    for (const name of ['processed', 'deferred', 'click', 'spamreport', 'unsubscribe', 'group-unsubscribe'])
      expect(receiptsOf(withOurId(name))).toEqual([undefined]);
  });

  it("ignores another provider's events", () => {
    expect(receiptsOf(withOurId('delivered'), 'mailgun')).toEqual([undefined]);
  });
});

describe('SendGrid adapter: validate and credentials', () => {
  it('refuses what can never be sent', () => {
    expect(sendgridAdapter.validate(anEmail({}, { to: 'nobody' }))).toContain('not an email address');
    expect(sendgridAdapter.validate(anEmail({}, { channel: 'push' }))).toContain('not email');
    expect(sendgridAdapter.validate(anEmail({}, { content: { title: 'Push' } }))).toContain('subject');
    expect(sendgridAdapter.validate(anEmail())).toBeUndefined();
  });

  it('reads the secret JSON and refuses one without a key', () => {
    expect(sendgridCredentialsSchema.safeParse({ apiKey: 'SG.x', from: 'a@b.c' }).success).toBe(true);
    expect(sendgridCredentialsSchema.safeParse({ from: 'a@b.c' }).success).toBe(false);
  });
});
