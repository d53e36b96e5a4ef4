import Mailgun from 'mailgun.js';
import { ChannelError, type AdapterContext } from '#shared/channels/contract';
import {
  mailgunAdapter,
  mailgunCredentialsSchema,
  type MailgunCredentials,
} from '#shared/channels/mailgun/index';
import { mailgunOptionsSchema } from '#shared/providers/mailgun/index';
import { normalizeMailgun } from '#shared/providers/mailgun/normalize';
import { aMailgunRequest, mailgunFixtures } from '../../helpers/providers/mailgun';
import { anEmail, eventsOf } from './email-events';
import { RecordingServer, channelFixture, type Recorded, type Reply } from './recording-server';

interface SendFixture {
  readonly request: {
    method: string;
    path: string;
    form: {
      from: string;
      to: string;
      subject: string;
      text: string;
      html: string;
      'v:my-custom-data': string;
    };
  };
  readonly answer: { status: number; body: { id: string; message: string } };
}
type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const send = channelFixture<SendFixture>('mailgun', 'send');
const errors = channelFixture<Record<string, Answer>>('mailgun', 'errors');
const events = channelFixture<{ answer: Answer }>('mailgun', 'events');

const API_KEY = 'mailgun-api-key-0000';
const DOMAIN = 'samples.mailgun.org';
const credentials: MailgunCredentials = { apiKey: API_KEY, domain: DOMAIN, from: send.request.form.from };

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
  overrides: Partial<AdapterContext<MailgunCredentials>> = {},
): AdapterContext<MailgunCredentials> => ({
  credentials,
  fetch,
  baseUrl: server.url,
  ...overrides,
});

/** The fields of a urlencoded or multipart body, as Mailgun reads either. */
const fieldsOf = async (request: Recorded | undefined): Promise<Record<string, string>> => {
  const form = await new Response(request?.body ?? '', {
    headers: { 'content-type': String(request?.headers['content-type']) },
  }).formData();
  return Object.fromEntries(
    [...form.entries()].map(([key, value]) => [key, typeof value === 'string' ? value : value.name]),
  );
};

const documented = anEmail(
  { subject: send.request.form.subject, text: send.request.form.text, html: send.request.form.html },
  { to: send.request.form.to, metadata: { 'my-custom-data': send.request.form['v:my-custom-data'] } },
);

const sendFailure = async (reply: Reply): Promise<ChannelError> => {
  server.reply = () => reply;
  const error = await mailgunAdapter.send(documented, ctx()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
};

describe('Mailgun adapter: the request', () => {
  it('posts the documented form with our user variable, and returns the id without its brackets', async () => {
    const result = await mailgunAdapter.send(documented, ctx());

    expect(result).toEqual({ providerMessageId: '20111114174239.25659.5817@samples.mailgun.org' });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: send.request.method, path: send.request.path });
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`);
    expect(await fieldsOf(request)).toEqual({ ...send.request.form, 'v:rf_message_id': documented.id });
  });

  it('sends the fields mailgun.js sends, with the same credentials', async () => {
    const official = new Mailgun(FormData).client({ username: 'api', key: API_KEY, url: server.url });
    await official.messages.create(DOMAIN, { ...send.request.form, 'v:rf_message_id': documented.id });
    await mailgunAdapter.send(documented, ctx());

    const [theirs, ours] = server.requests;
    expect(ours?.path).toBe(theirs?.path);
    expect(ours?.headers.authorization).toBe(theirs?.headers.authorization);
    expect(await fieldsOf(ours)).toEqual(await fieldsOf(theirs));
  });

  it("uses the EU host when the credentials say so and the stack keeps Mailgun's default", async () => {
    const calls: string[] = [];
    const recordingFetch: typeof fetch = (input) => {
      calls.push(input instanceof Request ? input.url : input.toString());
      return Promise.resolve(Response.json(send.answer.body));
    };
    await mailgunAdapter.send(
      documented,
      ctx({
        fetch: recordingFetch,
        baseUrl: mailgunAdapter.defaultBaseUrl,
        credentials: { ...credentials, region: 'eu' },
      }),
    );
    await mailgunAdapter.send(
      documented,
      ctx({ fetch: recordingFetch, credentials: { ...credentials, region: 'eu' } }),
    );

    expect(calls).toEqual([
      `https://api.eu.mailgun.net/v3/${DOMAIN}/messages`,
      `${server.url}/v3/${DOMAIN}/messages`,
    ]);
  });
});

describe('Mailgun adapter: errors', () => {
  it('429 is retryable with Retry-After', async () => {
    const error = await sendFailure({ ...errors.rateLimited!, headers: { 'retry-after': '5' } });

    expect(error).toMatchObject({ errorClass: 'http-429', retryable: true, retryAfterSeconds: 5 });
  });

  it('500 is retryable', async () => {
    expect(await sendFailure(errors.serverError as Reply)).toMatchObject({
      errorClass: 'http-500',
      retryable: true,
    });
  });

  it("400 (invalid address) is permanent with Mailgun's message", async () => {
    const error = await sendFailure(errors.invalidEmail as Reply);

    expect(error).toMatchObject({ errorClass: 'http-400', retryable: false });
    expect(error.message).toContain('to parameter is not a valid address');
  });

  it('401 is permanent `unauthorized`, and the key appears nowhere in the error', async () => {
    const error = await sendFailure(errors.badKey as Reply);

    expect(error).toMatchObject({ errorClass: 'unauthorized', retryable: false });
    expect(JSON.stringify([error.message, error.stack])).not.toContain(API_KEY);
  });

  it('a dropped connection is a retryable network error', async () => {
    expect(await sendFailure('reset')).toMatchObject({ errorClass: 'network', retryable: true });
  });
});

describe('Mailgun adapter: find', () => {
  it("reads the recipient's accepted events for our user variable and adopts the message-id", async () => {
    server.reply = () => events.answer;
    const before = Math.floor(Date.now() / 1000);
    const result = await mailgunAdapter.find?.(documented, ctx());

    expect(result).toEqual({
      kind: 'found',
      providerMessageId: '20130822224056.17380.20617@samples.mailgun.org',
    });
    const url = new URL(server.requests[0]?.path ?? '', server.url);
    expect(url.pathname).toBe(`/v3/${DOMAIN}/events`);
    const { begin, ...query } = Object.fromEntries(url.searchParams);
    expect(query).toEqual({ event: 'accepted', recipient: documented.to, ascending: 'no', limit: '300' });
    expect(Number(begin)).toBeGreaterThanOrEqual(before);
  });

  it('another message to the recipient is not ours: not-found', async () => {
    server.reply = () => events.answer;

    await expect(mailgunAdapter.find?.(anEmail({}, { id: 'msg-other' }), ctx())).resolves.toEqual({
      kind: 'not-found',
    });
  });

  it('a full page without ours proves nothing: it throws rather than answer not-found', async () => {
    const [item] = (events.answer.body as { items: Record<string, unknown>[] }).items;
    const others = Array.from({ length: 300 }, () => ({
      ...item,
      'user-variables': { rf_message_id: 'other' },
    }));
    server.reply = () => ({ status: 200, body: { items: others } });

    await expect(mailgunAdapter.find?.(documented, ctx())).rejects.toMatchObject({
      errorClass: 'find-inconclusive',
      retryable: true,
    });
  });
});

describe('Mailgun adapter: receipts', () => {
  const options = mailgunOptionsSchema.parse({});
  const fixture = (name: string) => {
    const found = mailgunFixtures().find((candidate) => candidate.name === name);
    if (!found) throw new Error(`No Mailgun fixture ${name}`);
    return found.body;
  };
  const receiptOf = (body: unknown, provider = 'mailgun') => {
    const request = aMailgunRequest({ body: Buffer.from(JSON.stringify(body)) });
    const [event] = eventsOf(provider, normalizeMailgun(request, options));
    return event && mailgunAdapter.receiptOf(event);
  };
  const withEventData = (name: string, extra: Record<string, unknown>) => {
    const body = fixture(name);
    return { ...body, 'event-data': { ...body['event-data'], ...extra } };
  };
  const ours = (name: string, extra: Record<string, unknown> = {}) =>
    withEventData(name, { 'user-variables': { rf_message_id: 'msg-1' }, ...extra });

  it('reads delivered and opened, with our user variable and the bare Message-ID', () => {
    expect(receiptOf(ours('delivered'))).toEqual({
      messageId: 'msg-1',
      providerMessageId: '20130503182626.18666.16540@sandbox22aee81b13674403a5335202df94f7e7.mailgun.org',
      status: 'delivered',
      at: new Date(1521472262.908181 * 1000).toISOString(),
    });
    expect(receiptOf(ours('opened'))).toMatchObject({ messageId: 'msg-1', status: 'opened' });
  });

  it('matches by Message-ID alone when the event carries none of our variables (the captured samples)', () => {
    expect(receiptOf(fixture('delivered'))).toMatchObject({
      providerMessageId: '20130503182626.18666.16540@sandbox22aee81b13674403a5335202df94f7e7.mailgun.org',
      status: 'delivered',
    });
    expect(receiptOf(fixture('delivered'))).not.toHaveProperty('messageId');
  });

  it('a permanent failure to a bounced address is a bounce; to an unsubscribed one, or after the retry limit, a failure', () => {
    expect(receiptOf(ours('permanent-fail'))).toMatchObject({
      messageId: 'msg-1',
      status: 'bounced',
      reason: 'Not delivering to previously bounced address',
    });
    expect(receiptOf(ours('permanent-fail', { reason: 'suppress-unsubscribe' }))).toMatchObject({
      status: 'failed',
    });
    expect(receiptOf(ours('permanent-fail', { reason: 'old' }))).toMatchObject({ status: 'failed' });
  });

  it('a temporary failure says nothing yet: Mailgun retries it', () => {
    expect(receiptOf(ours('permanent-fail', { severity: 'temporary' }))).toBeUndefined();
  });

  it('a rejected message is a failure with its reason', () => {
    expect(
      receiptOf(
        ours('delivered', {
          event: 'rejected',
          reject: { reason: 'Sandbox subdomains are for test purposes only' },
        }),
      ),
    ).toMatchObject({
      messageId: 'msg-1',
      status: 'failed',
      reason: 'Sandbox subdomains are for test purposes only',
    });
  });

  it('clicks, complaints and unsubscribes are not delivery states', () => {
    for (const name of ['clicked', 'complained', 'unsubscribed'])
      expect(receiptOf(ours(name))).toBeUndefined();
  });

  it("ignores another provider's events", () => {
    expect(receiptOf(ours('delivered'), 'postmark')).toBeUndefined();
  });
});

describe('Mailgun adapter: validate and credentials', () => {
  it('refuses what can never be sent', () => {
    expect(mailgunAdapter.validate(anEmail({}, { to: 'x@' }))).toContain('not an email address');
    expect(mailgunAdapter.validate(anEmail({}, { content: { body: 'sms' } }))).toContain('subject');
    expect(mailgunAdapter.validate(anEmail())).toBeUndefined();
  });

  it('reads the secret JSON and refuses an unknown region', () => {
    expect(mailgunCredentialsSchema.safeParse({ ...credentials, region: 'eu' }).success).toBe(true);
    expect(mailgunCredentialsSchema.safeParse({ ...credentials, region: 'asia' }).success).toBe(false);
    expect(mailgunCredentialsSchema.safeParse({ apiKey: 'k', from: 'a@b.c' }).success).toBe(false);
  });
});
