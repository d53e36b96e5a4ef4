import type { IntegrationEvent } from '#shared/contract/integration-event';
import { ConsumerHarness, failedIds } from '../../helpers/consumer-harness';
import { anSqsRecord } from '../../helpers/sqs-events';
import {
  POSTMARK_SEARCH,
  POSTMARK_SEND,
  SECRETS,
  TWILIO_PATH,
  channelsOn,
  messageIdFor,
  postmarkAccepted,
  postmarkSends,
  resetSecrets,
  scripted,
  twilioCalls,
  twilioCreated,
  visibilityTimeouts,
} from './channel-harness';
import { RecordingServer, channelFixture, type Reply } from './recording-server';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let harness: ConsumerHarness;
let server: RecordingServer;
let metrics: string[];

beforeAll(async () => {
  [harness, server] = await Promise.all([ConsumerHarness.start(), RecordingServer.start()]);
});
afterAll(async () => {
  await server.stop();
  await harness.stop();
});
beforeEach(() => {
  harness.reset();
  resetSecrets();
  server.requests.length = 0;
  metrics = [];
});

const answerOf = (adapter: string, name: string): Reply => {
  const fixture = channelFixture<{ status: number; body: unknown }>(adapter, name);
  return { status: fixture.status, body: fixture.body };
};

const smsTarget = (overrides: Record<string, unknown> = {}) => ({
  kind: 'message',
  id: 'sms',
  channel: 'sms',
  via: 'twilio',
  to: '{{data.phone}}',
  content: { body: 'We received {{data.amountText}}. Ref {{externalId}}' },
  ...overrides,
});
const emailTarget = (overrides: Record<string, unknown> = {}) => ({
  kind: 'message',
  id: 'email',
  channel: 'email',
  via: 'postmark',
  to: '{{data.email}}',
  template: 'payment-receipt',
  ...overrides,
});

const consumerFor = (target: Record<string, unknown>, route: Record<string, unknown> = {}) =>
  harness.consumer([{ id: 'notify', match: { type: 'payment.*' }, targets: [target], ...route }], {
    channels: channelsOn(server),
    messageMetrics: metrics,
  });

const aPayment = () =>
  harness.stored({
    data: { phone: '+15558675310', email: 'ada@example.com', amountText: '$10.00' },
  });

/** One attempt of the event, as the queue delivers it (the receive count grows with each). */
const attempt = (consumer: ReturnType<typeof consumerFor>, event: IntegrationEvent, receiveCount = 1) =>
  harness.run(consumer, [anSqsRecord(event, { receiveCount })]);

const twilioFake = (...replies: Reply[]) =>
  scripted(server, [{ match: (r) => TWILIO_PATH.test(r.path), replies }]);

describe('message delivery through the consumer', () => {
  it('sends a message target once: SENT with the provider id, and a second run sends nothing', async () => {
    twilioFake(twilioCreated('SM-once'));
    const consumer = consumerFor(smsTarget());
    const event = await aPayment();

    expect(failedIds(await attempt(consumer, event))).toEqual([]);
    await attempt(consumer, event, 2);

    expect(twilioCalls(server)).toHaveLength(1);
    const form = new URLSearchParams(twilioCalls(server)[0]!.body);
    expect(Object.fromEntries(form)).toEqual({
      To: '+15558675310',
      StatusCallback: 'https://hooks.example.com/webhooks/twilio/default',
      From: '+15550001111',
      Body: `We received $10.00. Ref ${event.externalId}`,
    });
    const id = messageIdFor(event.id, 'sms');
    expect(await harness.messages.get(id)).toMatchObject({
      status: 'SENT',
      providerMessageId: 'SM-once',
      channel: 'sms',
      via: 'twilio',
      to: '+15558675310',
      causationEventId: event.id,
      correlationId: event.correlationId,
    });
    expect(await harness.messages.idOfProviderMessage('twilio', 'SM-once')).toBe(id);
    expect((await harness.store.getState(event.id))?.status).toBe('PROCESSED');
    expect(metrics).toEqual(['MessageSent sms/twilio/default 1']);
  });

  it('sends again after an answered 500 (refused), and ends SENT after exactly 2 calls', async () => {
    twilioFake(
      { status: 500, body: { code: 20500, message: 'Internal Server Error' } },
      twilioCreated('SM-second'),
    );
    const consumer = consumerFor(smsTarget());
    const event = await aPayment();
    const id = messageIdFor(event.id, 'sms');

    expect(failedIds(await attempt(consumer, event))).toHaveLength(1);
    expect(await harness.messages.get(id)).toMatchObject({
      status: 'SENDING',
      lastCall: 'refused',
      lastError: 'twilio answered HTTP 500: 20500 Internal Server Error',
    });
    expect(await harness.store.getState(event.id)).toMatchObject({ status: 'RETRYING', attempts: 1 });

    expect(failedIds(await attempt(consumer, event, 2))).toEqual([]);
    expect(twilioCalls(server)).toHaveLength(2);
    const record = await harness.messages.get(id);
    expect(record).toMatchObject({ status: 'SENT', providerMessageId: 'SM-second' });
    expect(record?.timeline.map((e) => e.action)).toEqual(['sending', 'refused', 'sending', 'sent']);
    expect(metrics).toEqual(['MessageSent sms/twilio/default 1']);
  });

  it('waits at least the Retry-After of a 429 before the next attempt', async () => {
    const { body } = channelFixture<{ body: unknown }>('twilio', 'error-too-many-requests');
    twilioFake({ status: 429, body, headers: { 'retry-after': '45' } });
    const consumer = consumerFor(smsTarget());
    const event = await aPayment();

    expect(failedIds(await attempt(consumer, event))).toHaveLength(1);
    expect(visibilityTimeouts(harness)).toEqual([45]);
    expect(await harness.messages.get(messageIdFor(event.id, 'sms'))).toMatchObject({
      status: 'SENDING',
      lastCall: 'refused',
    });
  });

  it('holds a message whose call got no answer (onUncertain: hold): UNCERTAIN, no second call, not dead-lettered', async () => {
    twilioFake('hang', twilioCreated('SM-never'));
    const consumer = consumerFor(smsTarget());
    const event = await aPayment();
    const id = messageIdFor(event.id, 'sms');

    expect(failedIds(await attempt(consumer, event))).toHaveLength(1);
    expect(await harness.messages.get(id)).toMatchObject({ status: 'SENDING' });
    expect((await harness.messages.get(id))?.lastCall).toBeUndefined();

    expect(failedIds(await attempt(consumer, event, 2))).toEqual([]);
    expect(twilioCalls(server)).toHaveLength(1);
    const record = await harness.messages.get(id);
    expect(record?.status).toBe('UNCERTAIN');
    expect(record?.timeline.at(-1)?.detail).toMatch(/twilio cannot be asked; held for an operator/);
    const state = await harness.store.getState(event.id);
    expect(state?.status).toBe('PROCESSED');
    expect(harness.sentTo('dlq.fifo')).toEqual([]);
    expect(metrics).toEqual(['MessageUncertain sms/twilio/default 1']);

    // Held means held: a further copy of the event sends nothing either.
    await attempt(consumer, event, 3);
    expect(twilioCalls(server)).toHaveLength(1);
  });

  it('holds after a refusal then a call with no answer: the refusal does not license a blind resend', async () => {
    twilioFake({ status: 503, body: { message: 'busy' } }, 'hang', twilioCreated('SM-dup'));
    const consumer = consumerFor(smsTarget());
    const event = await aPayment();
    const id = messageIdFor(event.id, 'sms');

    await attempt(consumer, event);
    await attempt(consumer, event, 2);
    expect(twilioCalls(server)).toHaveLength(2);
    await attempt(consumer, event, 3);

    expect(twilioCalls(server)).toHaveLength(2);
    expect((await harness.messages.get(id))?.status).toBe('UNCERTAIN');
  });

  it('sends again under onUncertain: resend, and says so in the timeline', async () => {
    twilioFake('hang', twilioCreated('SM-resent'));
    const consumer = consumerFor(smsTarget({ onUncertain: 'resend' }));
    const event = await aPayment();
    const id = messageIdFor(event.id, 'sms');

    await attempt(consumer, event);
    expect(failedIds(await attempt(consumer, event, 2))).toEqual([]);

    expect(twilioCalls(server)).toHaveLength(2);
    const record = await harness.messages.get(id);
    expect(record).toMatchObject({ status: 'SENT', providerMessageId: 'SM-resent' });
    expect(record?.timeline.map((e) => e.action)).toEqual(['sending', 'resend', 'sent']);
  });

  it('asks Postmark after a call with no answer, and adopts the message it found without sending again', async () => {
    scripted(server, [
      { match: (r) => r.path === POSTMARK_SEND, replies: ['hang', postmarkAccepted('pm-duplicate')] },
      {
        match: (r) => POSTMARK_SEARCH.test(r.path),
        replies: [
          { status: 200, body: { TotalCount: 1, Messages: [{ MessageID: 'pm-found', Status: 'Sent' }] } },
        ],
      },
    ]);
    const consumer = consumerFor(emailTarget());
    const event = await aPayment();
    const id = messageIdFor(event.id, 'email');

    expect(failedIds(await attempt(consumer, event))).toHaveLength(1);
    const sent = JSON.parse(postmarkSends(server)[0]!.body) as Record<string, unknown>;
    expect(sent).toMatchObject({
      From: 'billing@example.com',
      To: 'ada@example.com',
      Subject: 'Your receipt for $10.00',
      Metadata: { rf_message_id: id },
    });
    expect(failedIds(await attempt(consumer, event, 2))).toEqual([]);

    expect(postmarkSends(server)).toHaveLength(1);
    const search = server.requests.find((r) => POSTMARK_SEARCH.test(r.path));
    expect(new URL(search!.path, server.url).searchParams.get('metadata_rf_message_id')).toBe(id);
    expect(search?.headers['x-postmark-server-token']).toBe('pm-token');
    const record = await harness.messages.get(id);
    expect(record).toMatchObject({ status: 'SENT', providerMessageId: 'pm-found' });
    expect(record?.timeline.map((e) => e.action)).toEqual(['sending', 'adopted']);
    expect(await harness.messages.idOfProviderMessage('postmark', 'pm-found')).toBe(id);
    expect(metrics).toEqual(['MessageSent email/postmark/default 1']);
  });

  it('sends again when Postmark says it holds no such message', async () => {
    scripted(server, [
      { match: (r) => r.path === POSTMARK_SEND, replies: ['hang', postmarkAccepted('pm-second')] },
      {
        match: (r) => POSTMARK_SEARCH.test(r.path),
        replies: [{ status: 200, body: { TotalCount: 0, Messages: [] } }],
      },
    ]);
    const consumer = consumerFor(emailTarget());
    const event = await aPayment();

    await attempt(consumer, event);
    expect(failedIds(await attempt(consumer, event, 2))).toEqual([]);
    expect(postmarkSends(server)).toHaveLength(2);
    expect(await harness.messages.get(messageIdFor(event.id, 'email'))).toMatchObject({
      status: 'SENT',
      providerMessageId: 'pm-second',
    });
  });

  it.each([
    [
      'twilio',
      'error-invalid-to',
      smsTarget(),
      /^twilio answered HTTP 400: 21211 The 'To' number 5551234567 is not a valid phone number\.$/,
    ],
    [
      'postmark',
      'invalidEmail',
      emailTarget(),
      /^Postmark answered HTTP 422: Invalid 'To' address: 'receiver@'\. \(ErrorCode 300\)$/,
    ],
  ] as const)(
    'fails the message for good on an invalid recipient (%s), with the provider’s reason, and dead-letters the event',
    async (via, fixture, target, reason) => {
      const reply =
        via === 'twilio'
          ? answerOf('twilio', fixture)
          : (channelFixture<Record<string, Reply>>('postmark', 'errors')[fixture] as Reply);
      scripted(server, [{ match: () => true, replies: [reply] }]);
      const consumer = consumerFor(target);
      const event = await aPayment();
      const id = messageIdFor(event.id, target.id);

      expect(failedIds(await attempt(consumer, event))).toEqual([]);

      const record = await harness.messages.get(id);
      expect(record?.status).toBe('FAILED');
      expect(record?.lastError).toMatch(reason);
      expect(record?.timeline.at(-1)).toMatchObject({ action: 'failed', status: 'FAILED' });
      const state = await harness.store.getState(event.id);
      expect(state?.status).toBe('DEAD_LETTERED');
      expect(state?.lastError).toContain(via === 'twilio' ? '21211' : 'ErrorCode 300');
      expect(harness.sentTo('dlq.fifo')).toHaveLength(1);
      expect(metrics).toEqual([`MessageFailed ${target.channel}/${via}/default 1`]);

      // A replay of the event does not send a failed message again.
      await attempt(consumer, event, 2);
      expect(server.requests).toHaveLength(1);
    },
  );

  it('retries a missing credential, naming the command that sets it, then sends once it is set', async () => {
    SECRETS['arn:twilio'] = undefined;
    twilioFake(twilioCreated('SM-after-credentials'));
    const consumer = consumerFor(smsTarget());
    const event = await aPayment();
    const id = messageIdFor(event.id, 'sms');

    expect(failedIds(await attempt(consumer, event))).toHaveLength(1);
    const state = await harness.store.getState(event.id);
    expect(state?.status).toBe('RETRYING');
    expect(state?.lastError).toMatch(/credentials-missing|credentials are missing or invalid/);
    expect(state?.lastError).toContain('relayflow channels credentials twilio');
    expect(await harness.messages.get(id)).toMatchObject({ status: 'SENDING', lastCall: 'refused' });
    expect(server.requests).toEqual([]);

    // The operator sets them; the next attempt sends: no call was made, so nothing is uncertain.
    resetSecrets();
    expect(failedIds(await attempt(consumer, event, 2))).toEqual([]);
    expect(twilioCalls(server)).toHaveLength(1);
    expect(await harness.messages.get(id)).toMatchObject({
      status: 'SENT',
      providerMessageId: 'SM-after-credentials',
    });
  });

  it('fails a template variable that does not resolve for good (render-failed): nothing is sent or recorded', async () => {
    const consumer = consumerFor(
      smsTarget({ content: { body: 'Hi {{data.customer.firstName}}, {{data.nope}}' } }),
    );
    const event = await aPayment();

    expect(failedIds(await attempt(consumer, event))).toEqual([]);

    expect(server.requests).toEqual([]);
    expect(await harness.messages.get(messageIdFor(event.id, 'sms'))).toBeUndefined();
    const state = await harness.store.getState(event.id);
    expect(state?.status).toBe('DEAD_LETTERED');
    expect(state?.lastError).toContain('{{data.customer.firstName}}, {{data.nope}} did not resolve');
    expect(state?.audit.at(-1)?.detail).toMatch(/render-failed/);
    expect(metrics).toEqual([]);
  });

  it('renders a dry-run message target and records its plan with the recipient masked, sending nothing', async () => {
    const consumer = consumerFor(smsTarget(), { mode: 'dry-run' });
    const event = await aPayment();

    expect(failedIds(await attempt(consumer, event))).toEqual([]);

    expect(server.requests).toEqual([]);
    const id = messageIdFor(event.id, 'sms');
    expect(await harness.messages.get(id)).toBeUndefined();
    const state = await harness.store.getState(event.id);
    expect(state?.status).toBe('PROCESSED');
    const plan = state?.audit.find((entry) => entry.action === 'dry-run');
    expect(plan?.detail).toMatch(
      new RegExp(
        `^route #0 target sms would send sms message ${id} via twilio to …5310: content sha256:[0-9a-f]{64} \\d+ bytes$`,
      ),
    );
    expect(JSON.stringify(state)).not.toContain('+15558675310');
  });

  it('a dry run of a target whose template does not resolve fails as the delivery would', async () => {
    const consumer = consumerFor(smsTarget({ to: '{{data.fax}}' }), { mode: 'dry-run' });
    const event = await aPayment();
    await attempt(consumer, event);
    expect((await harness.store.getState(event.id))?.status).toBe('DEAD_LETTERED');
    expect(server.requests).toEqual([]);
  });

  it('ends a partner webhook DELIVERED on its 2xx, signed, with the message id as webhook-id', async () => {
    scripted(server, [{ match: (r) => r.path === '/hook/default', replies: [{ status: 204 }] }]);
    const consumer = consumerFor({
      kind: 'message',
      id: 'partner',
      channel: 'webhook',
      via: 'webhook',
      to: `${server.url}/hook/{{tenant}}`,
      content: { payload: { paid: '{{data.amountText}}', ref: '{{externalId}}' } },
    });
    const event = await aPayment();
    const id = messageIdFor(event.id, 'partner');

    expect(failedIds(await attempt(consumer, event))).toEqual([]);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(JSON.parse(request!.body)).toEqual({ paid: '$10.00', ref: event.externalId });
    expect(request?.headers['webhook-id']).toBe(id);
    expect(request?.headers['webhook-signature']).toMatch(/^v1,/);
    const record = await harness.messages.get(id);
    expect(record?.status).toBe('DELIVERED');
    expect(record?.timeline.map((e) => e.action)).toEqual(['sending', 'sent', 'receipt']);
    expect(metrics).toEqual([
      'MessageSent webhook/webhook/default 1',
      'MessageDelivered webhook/webhook/default 1',
      'MessageDeliveryLatency webhook/webhook/default 0',
    ]);
  });

  it('refuses a partner webhook that answers 410 for good, with its status in the reason', async () => {
    scripted(server, [{ match: () => true, replies: [{ status: 410, body: { error: 'gone' } }] }]);
    const consumer = consumerFor({
      kind: 'message',
      id: 'partner',
      channel: 'webhook',
      via: 'webhook',
      to: `${server.url}/gone`,
      content: { payload: { a: '{{externalId}}' } },
    });
    const event = await aPayment();
    await attempt(consumer, event);
    expect(await harness.messages.get(messageIdFor(event.id, 'partner'))).toMatchObject({
      status: 'FAILED',
      lastError: expect.stringContaining('HTTP 410'),
    });
    expect((await harness.store.getState(event.id))?.status).toBe('DEAD_LETTERED');
  });
});
