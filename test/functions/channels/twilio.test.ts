import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { ChannelError, type AdapterContext, type Message } from '#shared/channels/contract';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  TwilioCredentialsSchema,
  twilioAdapter,
  type TwilioCredentials,
} from '#shared/channels/twilio/index';
import { normalizeTwilioBody } from '#shared/providers/twilio/normalize';
import { twilioOptionsSchema, twilioProvider } from '#shared/providers/twilio/index';
import type { EventDraft, NormalizedItem } from '#shared/providers/types';
import { aTwilioFixtureRequest } from '../../helpers/providers/twilio';
import { RecordingServer, aMessage, channelFixture, type Recorded } from './recording-server';

const ACCOUNT_SID = 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';
const AUTH_TOKEN = 'twilio-auth-token-outbound-0000';
const STATUS_CALLBACK = 'https://hooks.example.com/webhooks/twilio';

interface RequestFixture {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly form: Record<string, string>;
}
interface AnswerFixture {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const requestFixture = channelFixture<RequestFixture>('twilio', 'create-message-request');
const created = channelFixture<AnswerFixture>('twilio', 'create-message-response');
const answerOf = (name: string) => {
  const fixture = channelFixture<AnswerFixture>('twilio', name);
  return { status: fixture.status, body: fixture.body };
};

const credentials: TwilioCredentials = {
  accountSid: ACCOUNT_SID,
  authToken: AUTH_TOKEN,
  from: '+15557122661',
};

let server: RecordingServer;
beforeAll(async () => {
  server = await RecordingServer.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  server.reply = () => created;
});

const contextFor = (
  overrides: Partial<AdapterContext<TwilioCredentials>> = {},
): AdapterContext<TwilioCredentials> => ({
  credentials,
  fetch: (...args) => fetch(...args),
  baseUrl: server.url,
  ...overrides,
});

const onlyRequest = (): Recorded => {
  expect(server.requests).toHaveLength(1);
  return server.requests[0]!;
};
const formOf = (request: Recorded) => Object.fromEntries(new URLSearchParams(request.body));

const sendError = async (message: Message, ctx = contextFor()): Promise<ChannelError> => {
  const error: unknown = await twilioAdapter.send(message, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ChannelError)) throw new Error(`expected a ChannelError, got ${String(error)}`);
  return error;
};

/** What the official library would send for the same message: its httpClient records instead of sending. */
const officialRequest = async (
  options: Parameters<ReturnType<typeof twilio>['messages']['create']>[0],
  auth: { readonly username: string; readonly password: string; readonly accountSid?: string } = {
    username: ACCOUNT_SID,
    password: AUTH_TOKEN,
  },
) => {
  const sent: RequestClient.RequestOptions[] = [];
  const httpClient = {
    request: (opts: RequestClient.RequestOptions) => {
      sent.push(opts);
      return Promise.resolve({ statusCode: 201, body: JSON.stringify(created.body), headers: {} });
    },
  } as unknown as RequestClient;
  const client = twilio(auth.username, auth.password, {
    httpClient,
    ...(auth.accountSid === undefined ? {} : { accountSid: auth.accountSid }),
  });
  await client.messages.create(options);
  expect(sent).toHaveLength(1);
  const request = sent[0]!;
  return {
    method: request.method.toUpperCase(),
    path: new URL(request.uri).pathname,
    form: request.data as Record<string, string>,
    username: request.username,
    password: request.password,
  };
};

describe('twilio adapter: the request', () => {
  it('sends the documented "Send an SMS message" request and returns the sid of the answer', async () => {
    const result = await twilioAdapter.send(aMessage(), contextFor());

    const request = onlyRequest();
    expect({
      method: request.method,
      path: request.path,
      contentType: request.headers['content-type'],
      form: formOf(request),
    }).toEqual({
      method: requestFixture.method,
      path: requestFixture.path,
      contentType: requestFixture.contentType,
      form: requestFixture.form,
    });
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
    );
    expect(result).toEqual({ providerMessageId: created.body.sid });
  });

  it('sends what the official library sends for an SMS with a status callback', async () => {
    await twilioAdapter.send(aMessage(), contextFor({ statusCallbackUrl: STATUS_CALLBACK }));
    const official = await officialRequest({
      to: '+15558675310',
      from: '+15557122661',
      body: 'Hi there',
      statusCallback: STATUS_CALLBACK,
    });

    const request = onlyRequest();
    expect({ method: request.method, path: request.path, form: formOf(request) }).toEqual({
      method: official.method,
      path: official.path,
      form: official.form,
    });
    expect(formOf(request).StatusCallback).toBe(STATUS_CALLBACK);
  });

  it('prefixes To and From with whatsapp: on that channel, as the official library is given them', async () => {
    await twilioAdapter.send(
      aMessage({ channel: 'whatsapp', to: '+15558675310' }),
      contextFor({ credentials: { ...credentials, whatsappFrom: '+14155238886' } }),
    );
    const official = await officialRequest({
      to: 'whatsapp:+15558675310',
      from: 'whatsapp:+14155238886',
      body: 'Hi there',
    });

    expect(formOf(onlyRequest())).toEqual(official.form);
    expect(official.form).toMatchObject({ To: 'whatsapp:+15558675310', From: 'whatsapp:+14155238886' });
  });

  it('sends through a Messaging Service when no sender number is set, as the official library does', async () => {
    const viaService: TwilioCredentials = {
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      messagingServiceSid: 'MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    };
    await twilioAdapter.send(aMessage(), contextFor({ credentials: viaService }));
    const official = await officialRequest({
      to: '+15558675310',
      messagingServiceSid: 'MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      body: 'Hi there',
    });

    expect(formOf(onlyRequest())).toEqual(official.form);
  });

  it('authenticates with an API key as the official library does, under the account', async () => {
    const apiKey: TwilioCredentials = {
      accountSid: ACCOUNT_SID,
      apiKeySid: 'SKXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      apiKeySecret: 'api-key-secret-0000',
      from: '+15557122661',
    };
    await twilioAdapter.send(aMessage(), contextFor({ credentials: apiKey }));
    const official = await officialRequest(
      { to: '+15558675310', from: '+15557122661', body: 'Hi there' },
      {
        username: 'SKXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
        password: 'api-key-secret-0000',
        accountSid: ACCOUNT_SID,
      },
    );

    const request = onlyRequest();
    expect(request.path).toBe(official.path);
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${official.username}:${official.password}`).toString('base64')}`,
    );
  });

  it('refuses, before any call, an SMS when the credentials name only a WhatsApp sender', async () => {
    const error = await sendError(
      aMessage(),
      contextFor({
        credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, whatsappFrom: '+14155238886' },
      }),
    );

    expect([error.errorClass, error.retryable, server.requests]).toEqual(['bad-credentials', false, []]);
  });
});

describe('twilio adapter: errors', () => {
  it('reads 429 with Retry-After as retryable after that many seconds', async () => {
    server.reply = () => ({ ...answerOf('error-too-many-requests'), headers: { 'retry-after': '7' } });

    const error = await sendError(aMessage());

    expect([error.errorClass, error.retryable, error.retryAfterSeconds]).toEqual(['http-429', true, 7]);
    expect(error.message).toContain('20429 Too Many Requests');
  });

  it('reads 5xx as retryable, even with an HTML body', async () => {
    server.reply = () => ({
      status: 503,
      body: '<html>Service Unavailable</html>',
      headers: { 'content-type': 'text/html' },
    });

    const error = await sendError(aMessage());

    expect([error.errorClass, error.retryable]).toEqual(['http-503', true]);
  });

  it.each([
    ['error-invalid-to', "21211 The 'To' number 5551234567 is not a valid phone number."],
    ['error-unsubscribed', '21610 Attempt to send to unsubscribed recipient'],
  ])('reads %s as a permanent invalid recipient with Twilio’s words', async (fixture, words) => {
    server.reply = () => answerOf(fixture);

    const error = await sendError(aMessage());

    expect([error.errorClass, error.retryable]).toEqual(['invalid-recipient', false]);
    expect(error.message).toContain(words);
  });

  it('reads 401 (20003) as permanent unauthorized, and never echoes the token', async () => {
    server.reply = () => answerOf('error-authenticate');

    const error = await sendError(aMessage());

    expect([error.errorClass, error.retryable]).toEqual(['unauthorized', false]);
    expect(error.message).not.toContain(AUTH_TOKEN);
  });

  it('reads another 4xx as permanent with its code', async () => {
    server.reply = () => ({
      status: 400,
      body: {
        code: 21408,
        message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
        status: 400,
      },
    });

    const error = await sendError(aMessage());

    expect([error.errorClass, error.retryable]).toEqual(['http-400', false]);
    expect(error.message).toContain('21408');
  });

  it('reads a 2xx without a sid as an answer it cannot read: taken, but not named', async () => {
    server.reply = () => ({ status: 201, body: { status: 'queued' } });

    const error = await sendError(aMessage());

    expect([error.errorClass, error.retryable]).toEqual(['unreadable-answer', true]);
  });

  it('reads a dropped connection as a retryable network failure, and no answer in time as a timeout', async () => {
    server.reply = () => 'reset';
    const dropped = await sendError(aMessage());
    server.reply = () => 'hang';
    const slow = await sendError(aMessage(), contextFor({ signal: AbortSignal.timeout(100) }));

    expect([dropped.errorClass, dropped.retryable, slow.errorClass, slow.retryable]).toEqual([
      'network',
      true,
      'timeout',
      true,
    ]);
  });
});

const RECEIVED_AT = '2026-03-01T12:00:00.000Z';
const eventOf = (items: NormalizedItem[], provider = 'twilio'): IntegrationEvent => {
  const [item] = items;
  if (item?.kind !== 'event') throw new Error('expected one event');
  const draft: EventDraft = item.draft;
  return {
    specVersion: '1.0',
    id: 'evt-receipt',
    idempotencyKey: `acme#${provider}#${draft.providerType}#${draft.externalId}`,
    tenant: 'acme',
    provider,
    type: draft.type,
    providerType: draft.providerType,
    externalId: draft.externalId,
    entity: draft.entity ?? { kind: 'event', id: 'evt-receipt' },
    occurredAt: draft.occurredAt ?? RECEIVED_AT,
    receivedAt: RECEIVED_AT,
    correlationId: 'corr-receipt',
    data: draft.data,
  };
};
const options = twilioOptionsSchema.parse({});
const fixtureEvent = (name: string) =>
  eventOf(twilioProvider.normalize(aTwilioFixtureRequest(name), options));
const SID = 'SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';

describe('twilio adapter: receipts from the inbound status callbacks', () => {
  it.each([
    ['status-delivered', { providerMessageId: SID, status: 'delivered', at: RECEIVED_AT }],
    [
      'status-undelivered',
      { providerMessageId: SID, status: 'failed', at: RECEIVED_AT, reason: 'Twilio error 30003' },
    ],
    [
      'status-failed',
      { providerMessageId: SID, status: 'failed', at: RECEIVED_AT, reason: 'Twilio error 30008' },
    ],
  ])('reads the %s fixture as a receipt', (name, receipt) => {
    expect(twilioAdapter.receiptOf(fixtureEvent(name))).toEqual(receipt);
  });

  it.each(['status-queued', 'status-sent', 'incoming-message'])(
    'reads %s as no receipt: it says nothing final',
    (name) => {
      expect(twilioAdapter.receiptOf(fixtureEvent(name))).toBeUndefined();
    },
  );

  it('reads a WhatsApp read callback as opened, and a WhatsApp failure with the channel’s words', () => {
    const whatsapp = (status: string, extra: Record<string, string> = {}) =>
      eventOf(
        normalizeTwilioBody(
          new Map(
            Object.entries({
              MessageSid: SID,
              MessageStatus: status,
              From: 'whatsapp:+14155238886',
              To: 'whatsapp:+15558675310',
              ChannelPrefix: 'whatsapp',
              ...extra,
            }).map(([name, value]) => [name, [value]]),
          ),
        ),
      );

    expect([
      twilioAdapter.receiptOf(whatsapp('read', { EventType: 'READ' })),
      twilioAdapter.receiptOf(
        whatsapp('failed', { ErrorCode: '63024', ChannelStatusMessage: 'Invalid message recipient' }),
      ),
    ]).toEqual([
      { providerMessageId: SID, status: 'opened', at: RECEIVED_AT },
      {
        providerMessageId: SID,
        status: 'failed',
        at: RECEIVED_AT,
        reason: 'Twilio error 63024: Invalid message recipient',
      },
    ]);
  });

  it('reads no receipt from another provider’s event', () => {
    expect(
      twilioAdapter.receiptOf(
        eventOf(twilioProvider.normalize(aTwilioFixtureRequest('status-delivered'), options), 'sendgrid'),
      ),
    ).toBeUndefined();
  });

  it('has no find: Twilio cannot be asked for a message by our id', () => {
    expect(twilioAdapter.find).toBeUndefined();
  });
});

describe('twilio adapter: validate', () => {
  it.each<[string, Partial<Message>]>([
    ['an SMS in E.164', {}],
    ['a WhatsApp number without its prefix', { channel: 'whatsapp' }],
    ['a WhatsApp number with its prefix', { channel: 'whatsapp', to: 'whatsapp:+15558675310' }],
    ['a body of exactly 1600 characters', { content: { body: 'x'.repeat(1600) } }],
  ])('lets %s go', (_, overrides) => {
    expect(twilioAdapter.validate(aMessage(overrides))).toBeUndefined();
  });

  it.each<[string, Partial<Message>, string]>([
    ['a number without +', { to: '15558675310' }, 'E.164'],
    ['a number with spaces', { to: '+1 555 867 5310' }, 'E.164'],
    ['a number too short', { to: '+1234567' }, 'E.164'],
    ['a number too long', { to: '+1234567890123456' }, 'E.164'],
    ['a whatsapp: prefix on an SMS', { to: 'whatsapp:+15558675310' }, 'E.164'],
    ['a body over 1600 characters', { content: { body: 'x'.repeat(1601) } }, '1600'],
    ['email content', { content: { subject: 'Receipt', text: 'Paid' } }, 'text content'],
    ['push content', { content: { title: 'Paid', body: 'Thanks' } }, 'text content'],
    ['the push channel', { channel: 'push' }, 'not push'],
  ])('refuses %s', (_, overrides, reason) => {
    expect(twilioAdapter.validate(aMessage(overrides))).toContain(reason);
  });
});

describe('twilio adapter: credentials', () => {
  it('takes an auth token or an API key, and a sender', () => {
    expect([
      TwilioCredentialsSchema.safeParse(credentials).success,
      TwilioCredentialsSchema.safeParse({
        accountSid: ACCOUNT_SID,
        apiKeySid: 'SK1',
        apiKeySecret: 's',
        from: '+1555',
      }).success,
      TwilioCredentialsSchema.safeParse({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        messagingServiceSid: 'MG1',
      }).success,
    ]).toEqual([true, true, true]);
  });

  it('refuses credentials without a secret or without a sender, never quoting them', () => {
    const noSecret = TwilioCredentialsSchema.safeParse({
      accountSid: ACCOUNT_SID,
      apiKeySid: 'SK1',
      from: '+1555',
    });
    const noSender = TwilioCredentialsSchema.safeParse({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });

    expect([noSecret.success, noSender.success]).toEqual([false, false]);
    expect(JSON.stringify(noSender.error)).not.toContain(AUTH_TOKEN);
  });
});
