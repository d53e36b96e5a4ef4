import { generateKeyPairSync, verify } from 'node:crypto';
import { ChannelError, type AdapterContext, type Message } from '#shared/channels/contract';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  FcmCredentialsSchema,
  GOOGLE_TOKEN_URL,
  createFcmAdapter,
  type FcmCredentials,
} from '#shared/channels/fcm/index';
import { RecordingServer, aMessage, channelFixture, type Recorded, type Reply } from './recording-server';

interface RequestFixture {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: { message: { token: string; notification: { title: string; body: string } } };
}
interface AnswerFixture {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: Record<string, unknown>;
}

const requestFixture = channelFixture<RequestFixture>('fcm', 'send-request');
const answerOf = (name: string): Reply => {
  const fixture = channelFixture<AnswerFixture>('fcm', name);
  return {
    status: fixture.status,
    body: fixture.body,
    ...(fixture.headers ? { headers: fixture.headers } : {}),
  };
};
const sent = answerOf('send-response');
const granted = channelFixture<AnswerFixture>('fcm', 'token-response');

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const TOKEN_PATH = '/token';

let server: RecordingServer;
let sendReplies: Reply[];
let tokenReplies: Reply[];
let issued: number;
beforeAll(async () => {
  server = await RecordingServer.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  sendReplies = [];
  tokenReplies = [];
  issued = 0;
  server.reply = (request) => {
    if (request.path === TOKEN_PATH) {
      issued += 1;
      return (
        tokenReplies.shift() ?? {
          status: 200,
          body: { ...granted.body, access_token: `access-token-${issued}` },
        }
      );
    }
    return sendReplies.shift() ?? sent;
  };
});

const credentialsFor = (): FcmCredentials => ({
  projectId: 'myproject-b5ae1',
  clientEmail: 'relayflow@myproject-b5ae1.iam.gserviceaccount.com',
  privateKey,
  tokenUrl: `${server.url}${TOKEN_PATH}`,
});
const contextFor = (
  overrides: Partial<AdapterContext<FcmCredentials>> = {},
): AdapterContext<FcmCredentials> => ({
  credentials: credentialsFor(),
  fetch: (...args) => fetch(...args),
  baseUrl: server.url,
  ...overrides,
});

const aPush = (overrides: Partial<Message> = {}): Message =>
  aMessage({
    channel: 'push',
    via: 'fcm',
    to: requestFixture.body.message.token,
    content: { ...requestFixture.body.message.notification },
    ...overrides,
  });

const tokenRequests = () => server.requests.filter((request) => request.path === TOKEN_PATH);
const sendRequests = () => server.requests.filter((request) => request.path !== TOKEN_PATH);

const sendError = async (
  adapter: ReturnType<typeof createFcmAdapter>,
  message: Message,
  ctx = contextFor(),
): Promise<ChannelError> => {
  const error: unknown = await adapter.send(message, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ChannelError)) throw new Error(`expected a ChannelError, got ${String(error)}`);
  return error;
};

const jwtOf = (request: Recorded) => {
  const form = new URLSearchParams(request.body);
  const assertion = form.get('assertion') ?? '';
  const [header = '', claims = '', signature = ''] = assertion.split('.');
  return {
    grantType: form.get('grant_type'),
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>,
    verified: verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    ),
  };
};

describe('fcm adapter: the request', () => {
  it('sends the documented HTTP v1 request with the bearer token it obtained, and returns the message name', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });

    const result = await adapter.send(aPush(), contextFor());

    const [request] = sendRequests();
    expect({
      method: request?.method,
      path: request?.path,
      contentType: request?.headers['content-type'],
      body: JSON.parse(request?.body ?? '') as unknown,
    }).toEqual({
      method: requestFixture.method,
      path: requestFixture.path,
      contentType: requestFixture.contentType,
      body: requestFixture.body,
    });
    expect(request?.headers.authorization).toBe('Bearer access-token-1');
    expect(result).toEqual({
      providerMessageId: 'projects/myproject-b5ae1/messages/0:1500415314455276%31bd1c9631bd1c96',
    });
  });

  it('carries the data as string pairs beside the notification', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });

    await adapter.send(
      aPush({ content: { title: 'Paid', data: { invoice: 'in_123', amount: '42.00' } } }),
      contextFor(),
    );

    expect(JSON.parse(sendRequests()[0]?.body ?? '')).toEqual({
      message: {
        token: requestFixture.body.message.token,
        notification: { title: 'Paid' },
        data: { invoice: 'in_123', amount: '42.00' },
      },
    });
  });

  it('buys its token with a JWT the service account’s key signed (RS256), for the FCM scope, at the token URL', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });

    await adapter.send(aPush(), contextFor());

    const [request] = tokenRequests();
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(jwtOf(request!)).toEqual({
      grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      header: { alg: 'RS256', typ: 'JWT' },
      claims: {
        iss: 'relayflow@myproject-b5ae1.iam.gserviceaccount.com',
        scope: 'https://www.googleapis.com/auth/firebase.messaging',
        aud: `${server.url}${TOKEN_PATH}`,
        iat: NOW / 1000,
        exp: NOW / 1000 + 3600,
      },
      verified: true,
    });
  });

  it('calls Google’s token endpoint, and addresses its JWT to it, when the credentials name none', async () => {
    const { tokenUrl: _, ...google } = credentialsFor();
    const called: string[] = [];
    // Google's endpoint is answered by the local server: no request leaves this machine.
    const local: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      called.push(url);
      return fetch(url === GOOGLE_TOKEN_URL ? `${server.url}${TOKEN_PATH}` : url, init);
    };

    await createFcmAdapter({ now: () => NOW }).send(
      aPush(),
      contextFor({ credentials: google, fetch: local }),
    );

    expect(called[0]).toBe('https://oauth2.googleapis.com/token');
    expect(jwtOf(tokenRequests()[0]!).claims.aud).toBe('https://oauth2.googleapis.com/token');
  });
});

describe('fcm adapter: the access token', () => {
  it('keeps one token for sends, concurrent ones included, until a minute before it expires', async () => {
    let now = NOW;
    const adapter = createFcmAdapter({ now: () => now });

    await Promise.all([adapter.send(aPush(), contextFor()), adapter.send(aPush(), contextFor())]);
    now = NOW + (3600 - 61) * 1000;
    await adapter.send(aPush(), contextFor());
    now = NOW + (3600 - 59) * 1000;
    await adapter.send(aPush(), contextFor());

    expect([tokenRequests().length, sendRequests().map((request) => request.headers.authorization)]).toEqual([
      2,
      ['Bearer access-token-1', 'Bearer access-token-1', 'Bearer access-token-1', 'Bearer access-token-2'],
    ]);
  });

  it('keeps a token per adapter instance and per service account', async () => {
    const [first, second] = [createFcmAdapter({ now: () => NOW }), createFcmAdapter({ now: () => NOW })];
    const otherAccount = {
      ...credentialsFor(),
      clientEmail: 'other@myproject-b5ae1.iam.gserviceaccount.com',
    };

    await first.send(aPush(), contextFor());
    await first.send(aPush(), contextFor({ credentials: otherAccount }));
    await second.send(aPush(), contextFor());

    expect(tokenRequests()).toHaveLength(3);
  });

  it('buys a new token and tries once more when FCM refuses a cached one', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });
    await adapter.send(aPush(), contextFor());
    sendReplies = [answerOf('error-unauthenticated')];

    await adapter.send(aPush(), contextFor());

    expect(sendRequests().map((request) => request.headers.authorization)).toEqual([
      'Bearer access-token-1',
      'Bearer access-token-1',
      'Bearer access-token-2',
    ]);
  });

  it('reads 401 for a token just bought as permanent unauthorized, without another try', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });
    sendReplies = [answerOf('error-unauthenticated')];

    const error = await sendError(adapter, aPush());

    expect([error.errorClass, error.retryable, sendRequests().length]).toEqual(['unauthorized', false, 1]);
  });

  it('reads a refused grant as permanent unauthorized, and buys again on the next send', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });
    tokenReplies = [answerOf('token-invalid-grant')];

    const error = await sendError(adapter, aPush());
    await adapter.send(aPush(), contextFor());

    expect([error.errorClass, error.retryable, error.message]).toEqual([
      'unauthorized',
      false,
      'google oauth answered HTTP 400: invalid_grant: Invalid JWT Signature.',
    ]);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('reads a token endpoint that is down as retryable', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });
    tokenReplies = [{ status: 503, body: 'unavailable', headers: { 'retry-after': '5' } }];

    const error = await sendError(adapter, aPush());

    expect([error.errorClass, error.retryable, error.retryAfterSeconds, sendRequests()]).toEqual([
      'http-503',
      true,
      5,
      [],
    ]);
  });

  it('refuses a private key that is not one, without quoting it and without a call', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });
    const badKey = '-----BEGIN PRIVATE KEY-----\nnot-a-key-but-secret-looking\n-----END PRIVATE KEY-----\n';

    const error = await sendError(
      adapter,
      aPush(),
      contextFor({ credentials: { ...credentialsFor(), privateKey: badKey } }),
    );

    expect([error.errorClass, error.retryable, server.requests]).toEqual(['bad-credentials', false, []]);
    expect(`${error.message} ${String(error.cause)}`).not.toContain('not-a-key-but-secret-looking');
  });
});

describe('fcm adapter: errors', () => {
  it.each([
    ['error-unregistered', 'UNREGISTERED: Requested entity was not found.'],
    ['error-invalid-token', 'INVALID_ARGUMENT: The registration token is not a valid FCM registration token'],
  ])('reads %s as a permanent invalid recipient', async (fixture, words) => {
    sendReplies = [answerOf(fixture)];

    const error = await sendError(createFcmAdapter({ now: () => NOW }), aPush());

    expect([error.errorClass, error.retryable]).toEqual(['invalid-recipient', false]);
    expect(error.message).toContain(words);
  });

  it('reads INVALID_ARGUMENT about the payload as a permanent refusal of the request, not of the recipient', async () => {
    sendReplies = [answerOf('error-invalid-data')];

    const error = await sendError(createFcmAdapter({ now: () => NOW }), aPush());

    expect([error.errorClass, error.retryable]).toEqual(['http-400', false]);
  });

  it('reads QUOTA_EXCEEDED (429) with Retry-After, and UNAVAILABLE (503), as retryable', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });
    sendReplies = [
      answerOf('error-quota-exceeded'),
      {
        status: 503,
        body: {
          error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' },
        },
      },
      { status: 500, body: '<html>Error 500 (Server Error)</html>' },
    ];

    const errors = [
      await sendError(adapter, aPush()),
      await sendError(adapter, aPush()),
      await sendError(adapter, aPush()),
    ];

    expect(errors.map((e) => [e.errorClass, e.retryable, e.retryAfterSeconds])).toEqual([
      ['http-429', true, 30],
      ['http-503', true, undefined],
      ['http-500', true, undefined],
    ]);
  });
});

describe('fcm adapter: answers it cannot read', () => {
  it('reads a send’s 2xx without a name as taken but not named, and a token answer without a token as a plain retry', async () => {
    const adapter = createFcmAdapter({ now: () => NOW });
    sendReplies = [{ status: 200, body: {} }];
    const unnamed = await sendError(adapter, aPush());
    tokenReplies = [{ status: 200, body: { token_type: 'Bearer' } }];
    const noToken = await sendError(createFcmAdapter({ now: () => NOW }), aPush());

    expect([unnamed.errorClass, unnamed.retryable, noToken.errorClass, noToken.retryable]).toEqual([
      'unreadable-answer',
      true,
      'unreadable-token',
      true,
    ]);
  });
});

describe('fcm adapter: receipts and find', () => {
  it('reads no receipt from any event and cannot find: FCM reports nothing back', () => {
    const adapter = createFcmAdapter();
    const event = {
      provider: 'fcm',
      data: { status: 'delivered', messageSid: 'projects/x/messages/1' },
    } as unknown as IntegrationEvent;

    expect([adapter.receiptOf(event), adapter.find]).toEqual([undefined, undefined]);
  });
});

describe('fcm adapter: credentials', () => {
  it('takes the service account’s project, email and key, and a token URL only if it is one', () => {
    const { tokenUrl: _, ...google } = credentialsFor();

    expect([
      FcmCredentialsSchema.safeParse(credentialsFor()).success,
      FcmCredentialsSchema.safeParse(google).success,
      FcmCredentialsSchema.safeParse({ ...google, tokenUrl: 'oauth2.googleapis.com/token' }).success,
      FcmCredentialsSchema.safeParse({ ...google, privateKey: '' }).success,
    ]).toEqual([true, true, false, false]);
  });
});

describe('fcm adapter: validate', () => {
  const adapter = createFcmAdapter();

  it('lets a push with a title, a body and data go', () => {
    expect(
      adapter.validate(aPush({ content: { title: 'Paid', body: 'Thanks', data: { invoice: 'in_1' } } })),
    ).toBeUndefined();
  });

  it.each<[string, Partial<Message>, string]>([
    ['a token with whitespace', { to: 'bk3RNwTe3H0 CI2k' }, 'whitespace'],
    ['a token over 4096 characters', { to: 'x'.repeat(4097) }, '4096'],
    ['text content', { content: { body: 'Thanks' } }, 'push content'],
    ['the sms channel', { channel: 'sms' }, 'not sms'],
    [
      'a reserved data key',
      { content: { title: 'Paid', data: { from: 'x', 'google.c.a': 'y' } } },
      'from, google.c.a',
    ],
    ['a payload over 4 KB', { content: { title: 'Paid', data: { blob: 'x'.repeat(4096) } } }, '4096'],
  ])('refuses %s', (_, overrides, reason) => {
    expect(adapter.validate(aPush(overrides))).toContain(reason);
  });
});
