import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ChannelError, type AdapterContext } from '#shared/channels/contract';
import {
  SES_REGIONAL_ENDPOINT,
  cachedSesClients,
  createSesAdapter,
  sesCredentialsSchema,
  type SesCredentials,
} from '#shared/channels/ses/index';
import { publicationOfEventBridge, EventSourceInvocationSchema } from '#shared/producer/sources';
import { draftOf } from '#shared/providers/internal/normalize';
import { SettledDomainEventSchema } from '#shared/providers/internal/schemas';
import { eventPatternProblems } from '../../../lib/event-pattern';
import { anEmail, eventOf } from './email-events';
import { RecordingServer, channelFixture, type Reply } from './recording-server';

interface SendFixture {
  readonly request: { method: string; path: string; body: Record<string, unknown> };
  readonly answer: { status: number; body: { MessageId: string } };
  readonly errors: Record<string, { status: number; type: string; body: { message: string } }>;
}
const send = channelFixture<SendFixture>('ses', 'send');
const eventBridge = channelFixture<{ events: Record<string, { detail: Record<string, unknown> }> }>(
  'ses',
  'eventbridge-events',
);
const documentedBody = send.request.body as {
  FromEmailAddress: string;
  Destination: { ToAddresses: [string] };
  Content: {
    Simple: { Subject: { Data: string }; Body: { Text: { Data: string }; Html: { Data: string } } };
  };
  EmailTags: [{ Name: string; Value: string }];
  ConfigurationSetName: string;
};

const credentials: SesCredentials = {
  from: documentedBody.FromEmailAddress,
  configurationSet: documentedBody.ConfigurationSetName,
};

const ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDLAMBDAROLE0000',
  AWS_SECRET_ACCESS_KEY: 'lambda-role-secret-0000',
};
const saved = Object.fromEntries(Object.keys(ENV).map((key) => [key, process.env[key]]));

let server: RecordingServer;
beforeAll(async () => {
  // What a Lambda function's role gives the SDK.
  Object.assign(process.env, ENV);
  server = await RecordingServer.start();
});
afterAll(async () => {
  for (const [key, value] of Object.entries(saved))
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  await server.stop();
});
beforeEach(() => {
  server.requests.length = 0;
  server.reply = () => send.answer;
});

const adapter = createSesAdapter();
const ctx = (overrides: Partial<AdapterContext<SesCredentials>> = {}): AdapterContext<SesCredentials> => ({
  credentials,
  fetch: () => Promise.reject(new Error('SES goes through the SDK, never fetch')),
  baseUrl: server.url,
  ...overrides,
});

const documented = anEmail(
  {
    subject: documentedBody.Content.Simple.Subject.Data,
    text: documentedBody.Content.Simple.Body.Text.Data,
    html: documentedBody.Content.Simple.Body.Html.Data,
  },
  { id: documentedBody.EmailTags[0].Value, to: documentedBody.Destination.ToAddresses[0] },
);

const errorReply = (name: string): Reply => {
  const error = send.errors[name];
  if (!error) throw new Error(`No SES error fixture ${name}`);
  return { status: error.status, body: error.body, headers: { 'x-amzn-errortype': error.type } };
};

const sendFailure = async (reply: Reply): Promise<ChannelError> => {
  server.reply = () => reply;
  const error = await adapter.send(documented, ctx()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
};

describe('SES adapter: the request', () => {
  it('calls SendEmail at the context base URL with the documented body and our tag, signed by the role', async () => {
    const result = await adapter.send(documented, ctx());

    expect(result).toEqual({ providerMessageId: send.answer.body.MessageId });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: send.request.method, path: send.request.path });
    expect(JSON.parse(request?.body ?? '')).toEqual(send.request.body);
    expect(request?.headers.authorization).toContain(`Credential=${ENV.AWS_ACCESS_KEY_ID}/`);
    expect(request?.headers.authorization).toContain('/us-east-1/ses/aws4_request');
  });

  it('carries route metadata as tags, ours last, and leaves the configuration set out when none is named', async () => {
    await adapter.send(
      anEmail({}, { metadata: { tenant_plan: 'pro', rf_message_id: 'spoofed' } }),
      ctx({ credentials: { from: 'sender@example.com' } }),
    );

    const body = JSON.parse(server.requests[0]?.body ?? '') as Record<string, unknown>;
    expect(body.EmailTags).toEqual([
      { Name: 'tenant_plan', Value: 'pro' },
      { Name: 'rf_message_id', Value: anEmail().id },
    ]);
    expect(body).not.toHaveProperty('ConfigurationSetName');
  });

  it("lets the SDK resolve the region's endpoint for the default base URL, and keeps one client per endpoint", async () => {
    const clients = cachedSesClients();
    const regional = clients(undefined);
    const local = clients(server.url);

    expect(await regional.config.endpoint?.()).toBeUndefined();
    expect(await regional.config.region()).toBe('us-east-1');
    expect(String((await local.config.endpoint?.())?.hostname)).toBe('127.0.0.1');
    expect(clients(server.url)).toBe(local);
    expect(await local.config.maxAttempts()).toBe(1);

    const seen: (string | undefined)[] = [];
    const recording = createSesAdapter((endpoint) => {
      seen.push(endpoint);
      return clients(server.url);
    });
    await recording.send(documented, ctx({ baseUrl: SES_REGIONAL_ENDPOINT }));
    await recording.send(documented, ctx());
    expect(seen).toEqual([undefined, server.url]);
    expect(local).toBeInstanceOf(SESv2Client);
  });
});

describe('SES adapter: errors', () => {
  it('throttling is retryable, and the SDK itself does not retry (SendEmail takes no idempotency key)', async () => {
    const error = await sendFailure(errorReply('throttled'));

    expect(error).toMatchObject({ errorClass: 'ses-TooManyRequestsException', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('500 is retryable, once', async () => {
    expect(await sendFailure(errorReply('serverError'))).toMatchObject({ retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it("MessageRejected is permanent with SES's reason", async () => {
    const error = await sendFailure(errorReply('messageRejected'));

    expect(error).toMatchObject({ errorClass: 'ses-MessageRejected', retryable: false });
    expect(error.message).toContain('Email address is not verified');
  });

  it("403 is permanent `unauthorized`, and the role's secret appears nowhere in the error", async () => {
    const error = await sendFailure(errorReply('unauthorized'));

    expect(error).toMatchObject({ errorClass: 'unauthorized', retryable: false });
    expect(JSON.stringify([error.message, error.stack])).not.toContain(ENV.AWS_SECRET_ACCESS_KEY);
  });

  it('no answer in time is a retryable timeout; a reset is a retryable network error', async () => {
    server.reply = () => 'hang';
    const timedOut = await adapter
      .send(documented, ctx({ signal: AbortSignal.timeout(100) }))
      .catch((e: unknown) => e);
    const reset = await sendFailure('reset');

    expect(timedOut).toMatchObject({ errorClass: 'timeout', retryable: true });
    expect(reset).toMatchObject({ errorClass: 'network', retryable: true });
  });

  it('has no find: SES cannot list what it sent', () => {
    expect(adapter.find).toBeUndefined();
  });
});

describe('SES adapter: receipts through EventBridge', () => {
  /** The eventSources entry the README documents. */
  const source = {
    bus: 'default',
    pattern: {
      source: ['aws.ses'],
      'detail-type': [
        'Email Delivered',
        'Email Bounced',
        'Email Opened',
        'Email Rejected',
        'Email Rendering Failed',
      ],
    },
    entity: { kind: 'message', path: 'mail.messageId' },
  };

  /** An SES event as the producer publishes it and the ingest stores it: provider `internal`. */
  const receiptOf = (name: string, provider = 'internal') => {
    const event = eventBridge.events[name];
    const invocation = EventSourceInvocationSchema.parse({
      relayflowEventSource: { bus: source.bus, entity: source.entity },
      event,
    });
    const [domainEvent] = publicationOfEventBridge(invocation).events;
    return adapter.receiptOf(eventOf(provider, draftOf(SettledDomainEventSchema.parse(domainEvent))));
  };

  it('the documented eventSources pattern is valid', () => {
    expect(eventPatternProblems(source.pattern)).toEqual([]);
  });

  it('reads a delivery, with our tag, the SES message id and the delivery time', () => {
    expect(receiptOf('delivery')).toEqual({
      messageId: 'msg_01J9Z8Q4TQ4Y1M2N3P4Q5R6S7T',
      providerMessageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
      status: 'delivered',
      at: '2017-08-05T00:41:01.123Z',
    });
  });

  it('a permanent bounce is bounced with the diagnostic; a transient one (SES gave up) is failed', () => {
    expect(receiptOf('bounce-permanent')).toMatchObject({
      status: 'bounced',
      reason: 'smtp; 550 5.1.1 user unknown',
      at: '2017-08-05T00:41:02.669Z',
    });
    expect(receiptOf('bounce-transient')).toMatchObject({
      status: 'failed',
      reason: 'smtp; 452 4.2.2 mailbox full',
    });
  });

  it('an open is opened; a rejection is failed with its reason', () => {
    expect(receiptOf('open')).toMatchObject({ status: 'opened', at: '2017-08-09T22:00:19.652Z' });
    expect(receiptOf('reject')).toMatchObject({ status: 'failed', reason: 'Bad content' });
  });

  it('a complaint is not a delivery state', () => {
    expect(receiptOf('complaint')).toBeUndefined();
  });

  it('reads only internal events that carry an SES record', () => {
    expect(receiptOf('delivery', 'postmark')).toBeUndefined();
    const notSes = eventOf('internal', {
      providerType: 'order.paid',
      externalId: 'k1',
      type: 'order.paid',
      data: { eventType: 'Delivery', orderId: 'o-1' },
    });
    expect(adapter.receiptOf(notSes)).toBeUndefined();
  });
});

describe('SES adapter: validate and credentials', () => {
  it('refuses an id or metadata SES cannot carry as a tag', () => {
    expect(adapter.validate(anEmail({}, { id: 'msg:with#colon' }))).toContain('tag rf_message_id');
    expect(adapter.validate(anEmail({}, { metadata: { plan: 'pro plus' } }))).toContain('tag plan');
    expect(adapter.validate(anEmail({}, { to: 'nobody' }))).toContain('not an email address');
    expect(adapter.validate(anEmail())).toBeUndefined();
  });

  it('holds no secret: the role signs; from and the configuration set only', () => {
    expect(sesCredentialsSchema.parse({ from: 'a@b.c', configurationSet: 'relayflow' })).toEqual({
      from: 'a@b.c',
      configurationSet: 'relayflow',
    });
    expect(sesCredentialsSchema.safeParse({}).success).toBe(false);
  });
});
