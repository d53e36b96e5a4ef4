import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { normalizePostmark } from '#shared/providers/postmark/normalize';
import { postmarkOptionsSchema } from '#shared/providers/postmark/index';
import { normalizeTwilioBody } from '#shared/providers/twilio/normalize';
import type { NormalizedItem } from '#shared/providers/types';
import { ConsumerHarness, failedIds } from '../../helpers/consumer-harness';
import { aPostmarkRecordRequest, postmarkRecord } from '../../helpers/providers/postmark';
import { anSqsRecord } from '../../helpers/sqs-events';
import {
  POSTMARK_SEND,
  TWILIO_PATH,
  channelsOn,
  messageIdFor,
  postmarkAccepted,
  resetSecrets,
  scripted,
  twilioCreated,
} from './channel-harness';
import { RecordingServer } from './recording-server';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let harness: ConsumerHarness;
let server: RecordingServer;
let metrics: string[];
let sids = 0;

beforeAll(async () => {
  [harness, server] = await Promise.all([ConsumerHarness.start(), RecordingServer.start()]);
  resetSecrets();
});
afterAll(async () => {
  await server.stop();
  await harness.stop();
});
beforeEach(() => {
  harness.reset();
  server.requests.length = 0;
  metrics = [];
});

const consumer = () =>
  harness.consumer(
    [
      {
        id: 'notify',
        match: { type: 'payment.*' },
        targets: [
          {
            kind: 'message',
            id: 'sms',
            channel: 'sms',
            via: 'twilio',
            to: '{{data.phone}}',
            content: { body: 'Paid {{data.amountText}}' },
          },
          {
            kind: 'message',
            id: 'email',
            channel: 'email',
            via: 'postmark',
            to: '{{data.email}}',
            template: 'payment-receipt',
          },
        ],
      },
    ],
    { channels: channelsOn(server), messageMetrics: metrics },
  );

/** A payment whose route sends an SMS (twilio) and an email (postmark); the ids each provider gave. */
const sendBoth = async () => {
  sids += 1;
  const sid = `SM${String(sids).padStart(32, '0')}`;
  const postmarkId = `00000000-0000-4000-8000-${String(sids).padStart(12, '0')}`;
  scripted(server, [
    { match: (r) => TWILIO_PATH.test(r.path), replies: [twilioCreated(sid)] },
    { match: (r) => r.path === POSTMARK_SEND, replies: [postmarkAccepted(postmarkId)] },
  ]);
  const event = await harness.stored({
    data: { phone: '+15558675310', email: 'ada@example.com', amountText: '$10.00' },
  });
  expect(failedIds(await harness.run(consumer(), [anSqsRecord(event)]))).toEqual([]);
  expect(server.requests).toHaveLength(2);
  harness.reset();
  metrics.length = 0;
  return { sid, postmarkId, sms: messageIdFor(event.id, 'sms'), email: messageIdFor(event.id, 'email') };
};

let receipts = 0;
/** A verified inbound event as ingest stores it, from what the provider's normalizer made of its request. */
const storedReceipt = async (provider: string, items: readonly NormalizedItem[]) => {
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
  receipts += 1;
  const { draft } = item;
  return harness.stored({
    provider,
    type: draft.type,
    providerType: draft.providerType,
    // Distinct per call: a receipt the provider sent twice under another id is a second event.
    externalId: `${draft.externalId}#${receipts}`,
    entity: draft.entity ?? { kind: 'message', id: 'x' },
    ...(draft.occurredAt ? { occurredAt: draft.occurredAt } : {}),
    data: draft.data,
  });
};

/** Twilio's documented status callback (functions/providers/twilio/fixtures) for our message sid. */
const twilioCallback = (name: string, sid: string) => {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, '../../../functions/providers/twilio/fixtures', `${name}.json`), 'utf8'),
  ) as { body: string };
  const form = new URLSearchParams(fixture.body);
  form.set('MessageSid', sid);
  form.set('SmsSid', sid);
  const pairs = new Map<string, string[]>();
  for (const [key, value] of form) pairs.set(key, [...(pairs.get(key) ?? []), value]);
  return storedReceipt('twilio', normalizeTwilioBody(pairs));
};

/** Postmark's documented webhook record for our message: by its MessageID, and our id in Metadata when given. */
const postmarkWebhook = (name: string, postmarkId: string, ourId?: string) => {
  const record = postmarkRecord(name);
  return storedReceipt(
    'postmark',
    normalizePostmark(
      aPostmarkRecordRequest({
        ...record,
        MessageID: postmarkId,
        ...(ourId ? { Metadata: { ...(record.Metadata as object), rf_message_id: ourId } } : {}),
      }),
      postmarkOptionsSchema.parse({}),
    ),
  );
};

const feed = async (event: IntegrationEvent) => {
  expect(failedIds(await harness.run(consumer(), [anSqsRecord(event)]))).toEqual([]);
  expect((await harness.store.getState(event.id))?.status).toBe('PROCESSED');
};

/** The events the receipts published, as the ingest stored them: type and data. */
const published = async () =>
  Promise.all(harness.sentTo('main.fifo').map(async (id) => (await harness.store.getPayload(id))?.event));

describe('delivery receipts through the consumer', () => {
  it('moves a Twilio message to DELIVERED by its sid, appends the receipt and publishes message.delivered once', async () => {
    const sent = await sendBoth();
    const callback = await twilioCallback('status-delivered', sent.sid);
    await feed(callback);

    const record = await harness.messages.get(sent.sms);
    expect(record?.status).toBe('DELIVERED');
    expect(record?.timeline.at(-1)).toMatchObject({
      action: 'receipt',
      status: 'DELIVERED',
      detail: `delivered at ${callback.occurredAt}`,
    });
    const events = await published();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'message.delivered',
      tenant: 'default',
      entity: { kind: 'message', id: sent.sms },
      correlationId: record?.correlationId,
      data: {
        messageId: sent.sms,
        channel: 'sms',
        via: 'twilio',
        status: 'DELIVERED',
        providerMessageId: sent.sid,
        causationEventId: record?.causationEventId,
      },
    });
    expect(metrics[0]).toBe('MessageDelivered sms/twilio/default 1');
    expect(metrics[1]).toMatch(/^MessageDeliveryLatency sms\/twilio\/default -?\d+$/);
    // The email of the same event is untouched.
    expect((await harness.messages.get(sent.email))?.status).toBe('SENT');

    // The same receipt again (another delivery of the callback): nothing moves, nothing is published.
    harness.reset();
    metrics.length = 0;
    await feed(await twilioCallback('status-delivered', sent.sid));
    expect(await harness.messages.get(sent.sms)).toEqual(record);
    expect(await published()).toEqual([]);
    expect(metrics).toEqual([]);
  });

  it('fails a Twilio message on an undelivered callback, with Twilio’s error code as the reason', async () => {
    const sent = await sendBoth();
    await feed(await twilioCallback('status-undelivered', sent.sid));
    expect(await harness.messages.get(sent.sms)).toMatchObject({
      status: 'FAILED',
      lastError: expect.stringMatching(/^Twilio error \d+/),
    });
    const events = await published();
    expect(events.map((e) => e?.type)).toEqual(['message.failed']);
    expect(events[0]?.data).toMatchObject({ reason: expect.stringMatching(/^Twilio error/) });
    expect(metrics).toEqual(['MessageFailed sms/twilio/default 1']);
  });

  it('takes a Twilio callback that says nothing final (sent) as no receipt', async () => {
    const sent = await sendBoth();
    await feed(await twilioCallback('status-sent', sent.sid));
    expect((await harness.messages.get(sent.sms))?.timeline.map((e) => e.action)).toEqual([
      'sending',
      'sent',
    ]);
    expect(await published()).toEqual([]);
  });

  it('matches a Postmark bounce by our id in Metadata, and publishes message.bounced with the reason', async () => {
    const sent = await sendBoth();
    await feed(await postmarkWebhook('bounce', sent.postmarkId, sent.email));

    expect(await harness.messages.get(sent.email)).toMatchObject({
      status: 'BOUNCED',
      lastError: 'Test bounce details',
    });
    const events = await published();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'message.bounced',
      entity: { kind: 'message', id: sent.email },
      data: {
        status: 'BOUNCED',
        recipient: 'ada@example.com',
        reason: 'Test bounce details',
        via: 'postmark',
      },
    });
    expect(metrics).toEqual(['MessageBounced email/postmark/default 1']);
  });

  it('keeps a bounced message BOUNCED when its delivery arrives after it, and publishes nothing for it', async () => {
    const sent = await sendBoth();
    await feed(await postmarkWebhook('bounce', sent.postmarkId));
    harness.reset();
    // Matched by Postmark's MessageID alone: the documented record carries none of our metadata.
    await feed(await postmarkWebhook('delivery', sent.postmarkId));

    const record = await harness.messages.get(sent.email);
    expect(record?.status).toBe('BOUNCED');
    expect(
      record?.timeline.filter((e) => e.action === 'receipt').map((e) => [e.status, e.detail?.split(' ')[0]]),
    ).toEqual([
      ['BOUNCED', 'bounced'],
      ['BOUNCED', 'delivered'],
    ]);
    expect(await published()).toEqual([]);
    expect(metrics).toEqual(['MessageBounced email/postmark/default 1']);
  });

  it('the same receipt fed twice at once moves the message and publishes once', async () => {
    const sent = await sendBoth();
    const [a, b] = [
      await postmarkWebhook('delivery', sent.postmarkId),
      await postmarkWebhook('delivery', sent.postmarkId),
    ];
    const response = await harness.run(consumer(), [
      anSqsRecord(a),
      anSqsRecord(b, { groupId: 'another-group' }),
    ]);
    expect(failedIds(response)).toEqual([]);

    const record = await harness.messages.get(sent.email);
    expect(record?.status).toBe('DELIVERED');
    expect(record?.timeline.filter((e) => e.action === 'receipt')).toHaveLength(1);
    expect((await published()).map((e) => e?.type)).toEqual(['message.delivered']);
  });

  it('changes nothing for a receipt of a message this stack did not send', async () => {
    const sent = await sendBoth();
    const before = await harness.messages.get(sent.sms);
    await feed(await twilioCallback('status-delivered', 'SMffffffffffffffffffffffffffffffff'));
    await feed(await postmarkWebhook('bounce', 'ffffffff-0000-4000-8000-000000000000', 'msg_nosuch'));

    expect(await harness.messages.get(sent.sms)).toEqual(before);
    expect(await harness.messages.get('msg_nosuch')).toBeUndefined();
    expect(await published()).toEqual([]);
    expect(metrics).toEqual([]);
  });
});
