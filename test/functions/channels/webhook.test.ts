import { Webhook } from 'standardwebhooks';
import { ChannelError, type AdapterContext, type Message } from '#shared/channels/contract';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  WebhookCredentialsSchema,
  createWebhookAdapter,
  type WebhookCredentials,
} from '#shared/channels/webhook/index';
import { RecordingServer, aMessage, type Recorded } from './recording-server';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEXT_SECRET = 'whsec_dGhlLW5leHQtc2VjcmV0LW9mLTMyLWJ5dGVzLWxvbmc=';
const credentials: WebhookCredentials = { signingSecret: SECRET };
const payload = { type: 'invoice.paid', invoice: { id: 'in_123', amount: 4200 } };

let server: RecordingServer;
beforeAll(async () => {
  server = await RecordingServer.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  server.reply = () => ({ status: 204 });
});

const aWebhook = (overrides: Partial<Message> = {}): Message =>
  aMessage({
    channel: 'webhook',
    via: 'webhook',
    to: `${server.url}/partner/hooks`,
    content: { payload },
    ...overrides,
  });

const contextFor = (
  overrides: Partial<AdapterContext<WebhookCredentials>> = {},
): AdapterContext<WebhookCredentials> => ({
  credentials,
  fetch: (...args) => fetch(...args),
  baseUrl: '',
  ...overrides,
});

const onlyRequest = (): Recorded => {
  expect(server.requests).toHaveLength(1);
  return server.requests[0]!;
};

/** The headers as the standardwebhooks library reads them. */
const headersOf = (request: Recorded): Record<string, string> =>
  Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));

const sendError = async (message: Message, ctx = contextFor()): Promise<ChannelError> => {
  const error: unknown = await createWebhookAdapter()
    .send(message, ctx)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof ChannelError)) throw new Error(`expected a ChannelError, got ${String(error)}`);
  return error;
};

describe('webhook adapter: the request', () => {
  it('POSTs the payload as JSON to `to`, with the message id as webhook-id, and names the message by its id', async () => {
    const now = Date.now();
    const message = aWebhook();

    const result = await createWebhookAdapter({ now: () => now }).send(message, contextFor());

    const request = onlyRequest();
    expect({
      method: request.method,
      path: request.path,
      body: JSON.parse(request.body) as unknown,
      headers: request.headers,
    }).toEqual({
      method: 'POST',
      path: '/partner/hooks',
      body: payload,
      headers: expect.objectContaining({
        'content-type': 'application/json',
        'webhook-id': message.id,
        'webhook-timestamp': String(Math.floor(now / 1000)),
        'idempotency-key': message.id,
        'x-correlation-id': message.correlationId,
      }),
    });
    expect(result).toEqual({ providerMessageId: message.id });
  });

  it('signs so that the standardwebhooks library verifies the request with the secret', async () => {
    await createWebhookAdapter().send(aWebhook(), contextFor());

    const request = onlyRequest();
    expect(new Webhook(SECRET).verify(request.body, headersOf(request))).toEqual(payload);
  });

  it('signs with every active secret while the receiver rotates, so that either verifies', async () => {
    await createWebhookAdapter().send(
      aWebhook(),
      contextFor({ credentials: { signingSecret: SECRET, additionalSigningSecrets: [NEXT_SECRET] } }),
    );

    const request = onlyRequest();
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect([
      new Webhook(SECRET).verify(request.body, headersOf(request)),
      new Webhook(NEXT_SECRET).verify(request.body, headersOf(request)),
    ]).toEqual([payload, payload]);
  });

  it('is refused by the receiver’s verification when signed with another secret', async () => {
    await createWebhookAdapter().send(
      aWebhook(),
      contextFor({ credentials: { signingSecret: NEXT_SECRET } }),
    );

    const request = onlyRequest();
    expect(() => new Webhook(SECRET).verify(request.body, headersOf(request))).toThrow();
  });
});

describe('webhook adapter: answers', () => {
  it.each([200, 201, 202, 204])('takes %i as delivered', async (status) => {
    server.reply = () => ({ status, body: { ok: true } });

    await expect(createWebhookAdapter().send(aWebhook(), contextFor())).resolves.toEqual({
      providerMessageId: aWebhook().id,
    });
  });

  it.each([
    [408, undefined, undefined],
    [429, '12', 12],
    [500, undefined, undefined],
    [503, '3', 3],
  ])('reads %i as retryable (Retry-After %s)', async (status, retryAfter, seconds) => {
    server.reply = () => ({
      status,
      body: { error: 'busy' },
      ...(retryAfter === undefined ? {} : { headers: { 'retry-after': retryAfter } }),
    });

    const error = await sendError(aWebhook());

    expect([error.errorClass, error.retryable, error.retryAfterSeconds]).toEqual([
      `http-${status}`,
      true,
      seconds,
    ]);
  });

  it.each([400, 401, 404, 410, 422])(
    'reads %i as permanent, with an excerpt of the answer',
    async (status) => {
      server.reply = () => ({ status, body: { error: 'unknown invoice', detail: 'in_123 is not ours' } });

      const error = await sendError(aWebhook());

      expect([error.errorClass, error.retryable]).toEqual([`http-${status}`, false]);
      expect(error.message).toBe(
        `${new URL(server.url).host} answered HTTP ${status}: {"error":"unknown invoice","detail":"in_123 is not ours"}`,
      );
    },
  );

  it('does not follow a redirect: the payload goes only where `to` says', async () => {
    server.reply = (request) =>
      request.path === '/partner/hooks'
        ? { status: 307, headers: { location: '/elsewhere' } }
        : { status: 204 };

    const error = await sendError(aWebhook());

    expect([error.errorClass, error.retryable, server.requests.map((r) => r.path)]).toEqual([
      'http-307',
      false,
      ['/partner/hooks'],
    ]);
  });

  it('reads a dropped connection as retryable', async () => {
    server.reply = () => 'reset';

    const error = await sendError(aWebhook());

    expect([error.errorClass, error.retryable]).toEqual(['network', true]);
  });

  it('refuses, without a call, a URL that validate would refuse', async () => {
    const error = await sendError(aWebhook({ to: 'http://partner.example.com/hooks' }));

    expect([error.errorClass, error.retryable, server.requests]).toEqual(['invalid-recipient', false, []]);
  });
});

describe('webhook adapter: receipts, find, credentials', () => {
  it('reads no receipt and cannot find: the receiver’s 2xx was the delivery', () => {
    const adapter = createWebhookAdapter();

    expect([
      adapter.receiptOf({ provider: 'webhook', data: {} } as unknown as IntegrationEvent),
      adapter.find,
    ]).toEqual([undefined, undefined]);
  });

  it('takes a signing secret and optional additional ones', () => {
    expect([
      WebhookCredentialsSchema.safeParse({ signingSecret: SECRET }).success,
      WebhookCredentialsSchema.safeParse({ signingSecret: SECRET, additionalSigningSecrets: [NEXT_SECRET] })
        .success,
      WebhookCredentialsSchema.safeParse({ additionalSigningSecrets: [NEXT_SECRET] }).success,
      WebhookCredentialsSchema.safeParse({ signingSecret: '' }).success,
    ]).toEqual([true, true, false, false]);
  });
});

describe('webhook adapter: validate', () => {
  const adapter = createWebhookAdapter();

  it.each(['https://partner.example.com/hooks', 'http://127.0.0.1:8080/hooks', 'http://localhost/hooks'])(
    'lets %s go',
    (to) => {
      expect(adapter.validate(aWebhook({ to }))).toBeUndefined();
    },
  );

  it.each<[string, Partial<Message>, string]>([
    ['plain http to another host', { to: 'http://partner.example.com/hooks' }, 'must be https'],
    ['another scheme', { to: 'ftp://partner.example.com/hooks' }, 'must be https'],
    ['credentials in the URL', { to: 'https://user:pass@partner.example.com/hooks' }, 'credentials'],
    ['something not a URL', { to: 'partner.example.com/hooks' }, 'not a URL'],
    ['text content', { content: { body: 'Paid' } }, 'webhook content'],
    ['the email channel', { channel: 'email' }, 'not email'],
    ['a payload over 256 KB', { content: { payload: { blob: 'x'.repeat(256 * 1024) } } }, 'bytes'],
  ])('refuses %s', (_, overrides, reason) => {
    expect(adapter.validate(aWebhook(overrides))).toContain(reason);
  });
});
