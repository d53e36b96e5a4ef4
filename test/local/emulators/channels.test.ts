import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mailgunOptionsSchema, mailgunProvider } from '../../../functions/providers/mailgun';
import { postmarkOptionsSchema, postmarkProvider } from '../../../functions/providers/postmark';
import { sendgridOptionsSchema, sendgridProvider } from '../../../functions/providers/sendgrid';
import { twilioOptionsSchema, twilioProvider } from '../../../functions/providers/twilio';
import type {
  NormalizedItem,
  Provider,
  VerifyResult,
  WebhookRequest,
} from '../../../functions/providers/types';
import { ChannelFakes, type WebhookProvider } from '../../../local/emulators/channels';
import { EventBridgeEmulator } from '../../../local/emulators/eventbridge';
import { listenOnLoopback, type RunningEmulator } from '../../../local/emulators/loopback';

/** What the stand-in API received at one webhook URL, and what the inbound verifier said of it. */
interface Received {
  readonly provider: WebhookProvider;
  readonly path: string;
  readonly verified: VerifyResult;
  readonly items: NormalizedItem[];
  readonly body: Buffer;
}

const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SECRETS: Record<WebhookProvider, { sign: string; verify: string }> = {
  postmark: { sign: 'relayflow:local-password', verify: 'relayflow:local-password' },
  sendgrid: {
    sign: sendgridKeys.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    verify: sendgridKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  },
  mailgun: { sign: 'mailgun-signing-key', verify: 'mailgun-signing-key' },
  twilio: { sign: 'twilio-auth-token', verify: 'twilio-auth-token' },
};

const PROVIDERS = {
  postmark: {
    provider: postmarkProvider as Provider<never>,
    options: postmarkOptionsSchema.parse({}) as never,
  },
  sendgrid: {
    provider: sendgridProvider as Provider<never>,
    options: sendgridOptionsSchema.parse({}) as never,
  },
  mailgun: { provider: mailgunProvider as Provider<never>, options: mailgunOptionsSchema.parse({}) as never },
  twilio: { provider: twilioProvider as Provider<never>, options: twilioOptionsSchema.parse({}) as never },
};

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('channel fakes', () => {
  let fakes: ChannelFakes;
  let api: RunningEmulator;
  let eventBridge: EventBridgeEmulator;
  let received: Received[];

  // The stand-in for the local API: every webhook goes through its provider's inbound verifier.
  const receive = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await buffer(req);
    const path = req.url ?? '/';
    const provider = /^\/webhooks\/([^/]+)/.exec(path)?.[1] as WebhookProvider;
    const request: WebhookRequest = {
      method: req.method ?? 'POST',
      url: `${api.endpoint}${path}`,
      path,
      rawQueryString: '',
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body,
      sourceIp: '127.0.0.1',
    };
    const { provider: verifier, options } = PROVIDERS[provider];
    const verified = await verifier.verify({
      request,
      secrets: [SECRETS[provider].verify],
      now: new Date(),
      options,
    });
    received.push({
      provider,
      path,
      verified,
      items: verified.ok ? verifier.normalize(request, options) : [],
      body,
    });
    res.writeHead(verified.ok ? 200 : 401).end();
  };

  beforeEach(async () => {
    received = [];
    api = await listenOnLoopback('stand-in API', 0, receive);
    eventBridge = new EventBridgeEmulator();
    fakes = new ChannelFakes({
      receiptDelayMs: 5,
      routing: {
        target: (provider, tenant) => ({
          url: `${api.endpoint}/webhooks/${provider}${tenant ? `/${tenant}` : ''}`,
          secret: SECRETS[provider].sign,
        }),
        eventBridge,
      },
    });
    await fakes.start();
  });

  afterEach(async () => {
    await fakes.drain();
    await fakes.stop();
    await api.stop();
  });

  const post = async (
    url: string,
    init: { headers?: Record<string, string>; body?: string | FormData | URLSearchParams },
  ) => {
    const response = await fetch(url, { method: 'POST', ...init });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: () => JSON.parse(text) as unknown,
    };
  };

  /** Each verified receipt's event as the normalizer read it: the provider's type and the record it carried. */
  const eventsOf = (provider: WebhookProvider) =>
    received
      .filter((r) => r.provider === provider)
      .flatMap((r) => r.items)
      .map((item) =>
        item.kind === 'event'
          ? {
              providerType: item.draft.providerType,
              payload: item.draft.data.payload as Record<string, unknown>,
            }
          : { providerType: 'unreadable', payload: {} },
      );

  describe('Postmark', () => {
    const send = (to: string, headers: Record<string, string> = { 'x-postmark-server-token': 'any' }) =>
      post(`${fakes.urls.postmark}/email`, {
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({
          From: 'billing@relayflow.dev',
          To: to,
          Subject: 'Your receipt',
          TextBody: 'Thanks',
          Metadata: { relayflow_message_id: 'msg-1' },
          MessageStream: 'outbound',
        }),
      });

    it('accepts a message, then posts Delivery and Open webhooks that verify, echoing Metadata', async () => {
      const answer = await send('open@example.com');
      await fakes.drain();

      const body = answer.json() as { MessageID: string };
      expect(answer.status).toBe(200);
      expect(body).toEqual({
        To: 'open@example.com',
        SubmittedAt: expect.any(String),
        MessageID: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        ErrorCode: 0,
        Message: 'OK',
      });
      expect(received.map((r) => [r.path, r.verified.ok])).toEqual([
        ['/webhooks/postmark', true],
        ['/webhooks/postmark', true],
      ]);
      expect(eventsOf('postmark')).toEqual([
        expect.objectContaining({
          providerType: 'Delivery',
          payload: expect.objectContaining({
            MessageID: body.MessageID,
            Metadata: { relayflow_message_id: 'msg-1' },
          }),
        }),
        expect.objectContaining({
          providerType: 'Open',
          payload: expect.objectContaining({ MessageID: body.MessageID, Recipient: 'open@example.com' }),
        }),
      ]);
    });

    it('bounces bounce@…, with the documented Bounce record', async () => {
      await send('bounce+7@example.com');
      await fakes.drain();

      expect(eventsOf('postmark')).toEqual([
        expect.objectContaining({
          providerType: 'Bounce',
          payload: expect.objectContaining({
            Type: 'HardBounce',
            TypeCode: 1,
            Email: 'bounce+7@example.com',
            Inactive: true,
          }),
        }),
      ]);
    });

    it('refuses invalid@… and an address without @ with its API error codes, and sends no receipt', async () => {
      const inactive = await send('invalid@example.com');
      const malformed = await send('nobody');
      await fakes.drain();

      expect([inactive.status, inactive.json()]).toEqual([
        422,
        { ErrorCode: 406, Message: expect.stringContaining('inactive') },
      ]);
      expect([malformed.status, malformed.json()]).toEqual([
        422,
        {
          ErrorCode: 300,
          Message: "Error parsing 'To': Illegal email address 'nobody'. It must contain the '@' symbol.",
        },
      ]);
      expect(received).toEqual([]);
    });

    it('throttles ratelimit@… once with Retry-After, then accepts it; down@… is a 500 every time', async () => {
      const first = await send('ratelimit@example.com');
      const second = await send('ratelimit@example.com');
      const down = [await send('down@example.com'), await send('down@example.com')];

      expect([first.status, first.headers.get('retry-after')]).toEqual([429, '1']);
      expect(first.json()).toEqual({ ErrorCode: 429, Message: expect.any(String) });
      expect(second.status).toBe(200);
      expect(down.map((d) => d.status)).toEqual([500, 500]);
    });

    it('answers 401 without a server token', async () => {
      const answer = await send('someone@example.com', {});

      expect([answer.status, answer.json()]).toEqual([
        401,
        { ErrorCode: 10, Message: expect.stringContaining('X-Postmark-Server-Token') },
      ]);
    });

    it('posts to the tenant webhook URL the echoed metadata names', async () => {
      await post(`${fakes.urls.postmark}/email`, {
        headers: { 'content-type': 'application/json', 'x-postmark-server-token': 't' },
        body: JSON.stringify({
          From: 'a@relayflow.dev',
          To: 'x@example.com',
          Subject: 's',
          TextBody: 't',
          Metadata: { tenant: 'acme' },
        }),
      });
      await fakes.drain();

      expect(received.map((r) => [r.path, r.verified.ok])).toEqual([['/webhooks/postmark/acme', true]]);
    });
  });

  describe('SendGrid', () => {
    const send = (to: string, authorization = 'Bearer SG.any') =>
      post(`${fakes.urls.sendgrid}/v3/mail/send`, {
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({
          personalizations: [{ to: [{ email: to }], custom_args: { relayflow_message_id: 'msg-2' } }],
          from: { email: 'billing@relayflow.dev' },
          subject: 'Your receipt',
          content: [{ type: 'text/plain', value: 'Thanks' }],
        }),
      });

    it('answers 202 with X-Message-Id, then a signed delivered event carrying custom_args and sg_message_id', async () => {
      const answer = await send('someone@example.com');
      await fakes.drain();

      const messageId = answer.headers.get('x-message-id') ?? '';
      expect([answer.status, answer.text]).toEqual([202, '']);
      expect(messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(received.map((r) => r.verified.ok)).toEqual([true]);
      expect(eventsOf('sendgrid')).toEqual([
        expect.objectContaining({
          providerType: 'delivered',
          payload: expect.objectContaining({
            email: 'someone@example.com',
            relayflow_message_id: 'msg-2',
            sg_message_id: expect.stringMatching(new RegExp(`^${messageId}\\.filter`)),
          }),
        }),
      ]);
    });

    it('refuses an invalid recipient with its errors shape, and answers 401 without a key', async () => {
      const invalid = await send('invalid@example.com');
      const unauthenticated = await send('someone@example.com', '');

      expect([invalid.status, invalid.json()]).toEqual([
        400,
        {
          errors: [
            {
              message: 'Does not contain a valid address.',
              field: 'personalizations.0.to.0.email',
              help: null,
            },
          ],
        },
      ]);
      expect([unauthenticated.status, unauthenticated.json()]).toEqual([
        401,
        { errors: [{ message: expect.any(String), field: null, help: null }] },
      ]);
    });
  });

  describe('Mailgun', () => {
    it('takes a urlencoded form, answers its queued id, then a signed delivered event with the user variables', async () => {
      const answer = await post(`${fakes.urls.mailgun}/v3/mg.relayflow.dev/messages`, {
        headers: { authorization: basic('api:key-any') },
        body: new URLSearchParams({
          from: 'billing@mg.relayflow.dev',
          to: 'Someone <someone@example.com>',
          subject: 's',
          text: 't',
          'v:relayflow_message_id': 'msg-3',
        }),
      });
      await fakes.drain();

      const body = answer.json() as { id: string };
      expect(answer.status).toBe(200);
      expect(body).toEqual({
        id: expect.stringMatching(/^<\d{14}\.[0-9a-f]{16}@mg\.relayflow\.dev>$/),
        message: 'Queued. Thank you.',
      });
      expect(received.map((r) => r.verified.ok)).toEqual([true]);
      expect(eventsOf('mailgun')).toEqual([
        expect.objectContaining({
          providerType: 'delivered',
          payload: expect.objectContaining({
            recipient: 'someone@example.com',
            'user-variables': { relayflow_message_id: 'msg-3' },
            message: expect.objectContaining({
              headers: expect.objectContaining({ 'message-id': body.id.slice(1, -1) }),
            }),
          }),
        }),
      ]);
    });

    it('takes a multipart form, bounces bounce@… as a permanent failure, and answers Forbidden without credentials', async () => {
      const form = new FormData();
      form.set('from', 'billing@mg.relayflow.dev');
      form.set('to', 'bounce@example.com');
      form.set('subject', 's');
      form.set('text', 't');
      const accepted = await post(`${fakes.urls.mailgun}/v3/mg.relayflow.dev/messages`, {
        headers: { authorization: basic('api:k') },
        body: form,
      });
      const forbidden = await post(`${fakes.urls.mailgun}/v3/mg.relayflow.dev/messages`, { body: form });
      const invalid = await post(`${fakes.urls.mailgun}/v3/mg.relayflow.dev/messages`, {
        headers: { authorization: basic('api:k') },
        body: new URLSearchParams({ from: 'a@b.c', to: 'nobody', subject: 's', text: 't' }),
      });
      await fakes.drain();

      expect(accepted.status).toBe(200);
      expect(eventsOf('mailgun')).toEqual([
        expect.objectContaining({
          providerType: 'failed',
          payload: expect.objectContaining({ severity: 'permanent', reason: 'bounce' }),
        }),
      ]);
      expect([forbidden.status, forbidden.text]).toEqual([401, 'Forbidden']);
      expect([invalid.status, invalid.json()]).toEqual([
        400,
        { message: 'to parameter is not a valid address. please check documentation' },
      ]);
    });
  });

  describe('Amazon SES v2', () => {
    const client = () =>
      new SESv2Client({
        endpoint: fakes.urls.ses,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
    const sendEmail = (to: string) =>
      client().send(
        new SendEmailCommand({
          FromEmailAddress: 'billing@relayflow.dev',
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
          EmailTags: [{ Name: 'relayflow_message_id', Value: 'msg-4' }],
          ConfigurationSetName: 'relayflow',
        }),
      );

    it('answers the SDK its MessageId, then puts aws.ses events on the default bus with the tags', async () => {
      const { MessageId } = await sendEmail('open@example.com');
      await fakes.drain();

      expect(MessageId).toMatch(/^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/);
      expect(eventBridge.events('default')).toEqual([
        expect.objectContaining({
          source: 'aws.ses',
          'detail-type': 'Email Delivered',
          resources: ['arn:aws:ses:us-east-1:000000000000:configuration-set/relayflow'],
          detail: expect.objectContaining({
            eventType: 'Delivery',
            mail: expect.objectContaining({
              messageId: MessageId,
              tags: expect.objectContaining({ relayflow_message_id: ['msg-4'] }),
            }),
            delivery: expect.objectContaining({ recipients: ['open@example.com'] }),
          }),
        }),
        expect.objectContaining({
          'detail-type': 'Email Opened',
          detail: expect.objectContaining({ eventType: 'Open' }),
        }),
      ]);
    });

    it('fails an invalid recipient as BadRequestException and a throttled one as TooManyRequestsException', async () => {
      await expect(sendEmail('invalid@example.com')).rejects.toMatchObject({
        name: 'BadRequestException',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(sendEmail('ratelimit@example.com')).rejects.toMatchObject({
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 429 },
      });
    });

    it('refuses an unsigned request 403, as AWS does', async () => {
      const answer = await post(`${fakes.urls.ses}/v2/email/outbound-emails`, {
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });

      expect([answer.status, answer.headers.get('x-amzn-errortype')]).toEqual([
        403,
        'MissingAuthenticationTokenException',
      ]);
    });
  });

  describe('Twilio', () => {
    const send = (to: string, extra: Record<string, string> = {}, authorization = basic('ACtest:token')) =>
      post(`${fakes.urls.twilio}/2010-04-01/Accounts/ACtest/Messages.json`, {
        headers: { authorization },
        body: new URLSearchParams({ To: to, From: '+15017122661', Body: 'Your code is 1234', ...extra }),
      });

    it('answers 201 with a queued SM… message, then signed sent and delivered callbacks to the StatusCallback', async () => {
      const answer = await send('+15558675310', { StatusCallback: `${api.endpoint}/webhooks/twilio/acme` });
      await fakes.drain();

      const body = answer.json() as { sid: string; status: string };
      expect(answer.status).toBe(201);
      expect(body).toMatchObject({
        sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
        status: 'queued',
        to: '+15558675310',
        direction: 'outbound-api',
      });
      expect(received.map((r) => [r.path, r.verified.ok])).toEqual([
        ['/webhooks/twilio/acme', true],
        ['/webhooks/twilio/acme', true],
      ]);
      expect(eventsOf('twilio').map((e) => e.payload)).toEqual([
        expect.objectContaining({ MessageSid: body.sid, MessageStatus: 'sent' }),
        expect.objectContaining({ MessageSid: body.sid, MessageStatus: 'delivered' }),
      ]);
    });

    it('fails +1555…0000 with an undelivered callback (30003) and refuses +1555…0001 (21211)', async () => {
      await send('+15555550000');
      const invalid = await send('+15555550001');
      await fakes.drain();

      expect(eventsOf('twilio').map((e) => e.payload)).toEqual([
        expect.objectContaining({ MessageStatus: 'sent' }),
        expect.objectContaining({ MessageStatus: 'undelivered', ErrorCode: '30003' }),
      ]);
      expect([invalid.status, invalid.json()]).toEqual([
        400,
        {
          code: 21211,
          message: "Invalid 'To' Phone Number: +15555550001",
          more_info: 'https://www.twilio.com/docs/errors/21211',
          status: 400,
        },
      ]);
    });

    it('reads a WhatsApp …0002 message, and answers 401 without credentials', async () => {
      await send('whatsapp:+15555550002', { From: 'whatsapp:+15017122661' });
      const unauthenticated = await send('+15558675310', {}, '');
      await fakes.drain();

      expect(eventsOf('twilio').map((e) => e.payload.MessageStatus)).toEqual(['sent', 'delivered', 'read']);
      expect([unauthenticated.status, unauthenticated.json()]).toEqual([
        401,
        {
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        },
      ]);
    });
  });

  describe('Firebase Cloud Messaging', () => {
    const send = (token: string, authorization = 'Bearer ya29.any') =>
      post(`${fakes.urls.fcm}/v1/projects/relayflow-dev/messages:send`, {
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ message: { token, notification: { title: 'Paid', body: 'Thanks' } } }),
      });

    it('issues an access token for a JWT assertion, then sends, with no receipt', async () => {
      const token = await post(`${fakes.urls.fcm}/token`, {
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: 'eyJ.any.jwt',
        }),
      });
      const sent = await send('device-token-1');
      await fakes.drain();

      expect([token.status, token.json()]).toEqual([
        200,
        { access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: 'Bearer' },
      ]);
      expect([sent.status, sent.json()]).toEqual([
        200,
        { name: expect.stringMatching(/^projects\/relayflow-dev\/messages\/0:\d+%[0-9a-f]{16}$/) },
      ]);
      expect(fakes.receipts()).toEqual([]);
      expect(fakes.sent().map((s) => s.path)).toEqual(['/v1/projects/relayflow-dev/messages:send']);
    });

    it('answers UNREGISTERED for an unregistered token and UNAUTHENTICATED without a bearer token', async () => {
      const unregistered = await send('unregistered-device');
      const unauthenticated = await send('device', '');

      expect([unregistered.status, unregistered.json()]).toEqual([
        404,
        {
          error: {
            code: 404,
            message: 'Requested entity was not found.',
            status: 'NOT_FOUND',
            details: [
              { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' },
            ],
          },
        },
      ]);
      expect([
        unauthenticated.status,
        (unauthenticated.json() as { error: { status: string } }).error.status,
      ]).toEqual([401, 'UNAUTHENTICATED']);
    });
  });

  describe('test hooks', () => {
    const sendPostmark = (to: string) =>
      post(`${fakes.urls.postmark}/email`, {
        headers: { 'content-type': 'application/json', 'x-postmark-server-token': 't' },
        body: JSON.stringify({ From: 'a@relayflow.dev', To: to, Subject: 's', TextBody: 't' }),
      });
    const postmarkTypes = () => eventsOf('postmark').map((e) => e.providerType);

    it('drops the next n receipts, or those a predicate picks', async () => {
      fakes.dropReceipts(1);
      fakes.dropReceipts((receipt) => receipt.to === 'keep-out@example.com');
      await sendPostmark('open@example.com');
      await sendPostmark('keep-out@example.com');
      await fakes.drain();

      expect(postmarkTypes()).toEqual(['Open']);
      expect(fakes.receipts().map((r) => [r.to, r.event, r.outcome])).toEqual(
        expect.arrayContaining([
          ['open@example.com', 'Delivery', 'dropped'],
          ['keep-out@example.com', 'Delivery', 'dropped'],
        ]),
      );
    });

    it("sends a message's receipts in reverse order", async () => {
      fakes.reorderReceipts();
      await sendPostmark('open@example.com');
      await fakes.drain();

      expect(postmarkTypes()).toEqual(['Open', 'Delivery']);
    });

    it('sends each receipt twice, the same bytes', async () => {
      fakes.duplicateReceipts();
      await sendPostmark('someone@example.com');
      await fakes.drain();

      expect(received).toHaveLength(2);
      expect(received[0]?.body.equals(received[1]?.body ?? Buffer.alloc(0))).toBe(true);
      expect(received.every((r) => r.verified.ok)).toBe(true);
    });

    it('fails the next sends to a provider with its error for the status, then recovers', async () => {
      fakes.failNext('twilio', 503, 2);
      const auth = { authorization: basic('AC1:t') };
      const form = () => new URLSearchParams({ To: '+15558675310', From: '+15017122661', Body: 'b' });
      const url = `${fakes.urls.twilio}/2010-04-01/Accounts/AC1/Messages.json`;
      const answers = [
        await post(url, { headers: auth, body: form() }),
        await post(url, { headers: auth, body: form() }),
        await post(url, { headers: auth, body: form() }),
      ];
      fakes.failNext('sendgrid', 429);
      const throttled = await post(`${fakes.urls.sendgrid}/v3/mail/send`, {
        headers: { authorization: 'Bearer k' },
        body: '{}',
      });

      expect(answers.map((a) => a.status)).toEqual([503, 503, 201]);
      expect(answers[0]?.json()).toEqual({
        code: 20500,
        message: 'Internal Server Error',
        more_info: 'https://www.twilio.com/docs/errors/20500',
        status: 503,
      });
      expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '1']);
    });

    it('records every send request, parsed, and forgets them on clear()', async () => {
      await sendPostmark('someone@example.com');
      await post(`${fakes.urls.twilio}/2010-04-01/Accounts/AC1/Messages.json`, {
        headers: { authorization: basic('AC1:t') },
        body: new URLSearchParams({ To: '+15558675310', From: '+15017122661', Body: 'b' }),
      });

      expect(fakes.sent()).toEqual([
        expect.objectContaining({
          provider: 'postmark',
          path: '/email',
          status: 200,
          to: 'someone@example.com',
          body: expect.objectContaining({ Subject: 's' }),
        }),
        expect.objectContaining({
          provider: 'twilio',
          status: 201,
          providerMessageId: expect.stringMatching(/^SM/),
          body: { To: '+15558675310', From: '+15017122661', Body: 'b' },
        }),
      ]);
      await fakes.drain();
      fakes.clear();
      expect([fakes.sent(), fakes.receipts()]).toEqual([[], []]);
    });

    it('logs a receipt it has nowhere to send as unroutable', async () => {
      fakes.routeReceipts({ target: () => undefined });
      await sendPostmark('someone@example.com');
      await fakes.drain();

      expect(fakes.receipts()).toEqual([
        expect.objectContaining({ provider: 'postmark', outcome: 'unroutable' }),
      ]);
      expect(received).toEqual([]);
    });
  });
});
