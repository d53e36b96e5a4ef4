import fc from 'fast-check';
import { twilioOptionsSchema, twilioProvider } from '#shared/providers/twilio/index';
import type { NormalizedItem } from '#shared/providers/types';
import {
  STATUS_CALLBACK,
  aTwilioFixtureRequest,
  aTwilioRequest,
  formBody,
  twilioFixture,
  type FormPairs,
} from '../../../helpers/providers/twilio';

const options = twilioOptionsSchema.parse({});
const SID = 'SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';
const normalizeForm = (pairs: FormPairs, headers: Record<string, string> = {}): NormalizedItem[] =>
  twilioProvider.normalize(aTwilioRequest({ body: formBody(pairs), headers }), options);

describe('Twilio normalize', () => {
  it.each([
    ['status-queued', 'queued', `${SID}:queued`, 'message.queued', 'sms.queued'],
    ['status-sent', 'sent', `${SID}:sent`, 'message.sent', 'sms.sent'],
    ['status-delivered', 'delivered', `${SID}:delivered`, 'message.delivered', 'sms.delivered'],
    ['status-undelivered', 'undelivered', `${SID}:undelivered`, 'message.undelivered', 'sms.undelivered'],
    ['status-failed', 'failed', `${SID}:failed`, 'message.failed', 'sms.failed'],
    ['incoming-message', 'received', `${SID}:received`, 'message.received', 'sms.received'],
  ])(
    'reads the %s fixture as one %s event about its message',
    (name, status, externalId, providerType, type) => {
      const items = twilioProvider.normalize(aTwilioFixtureRequest(name), options);

      expect(items).toEqual([
        {
          kind: 'event',
          draft: {
            externalId,
            providerType,
            type,
            entity: { kind: 'message', id: SID },
            data: expect.objectContaining({
              messageSid: SID,
              status,
              payload: Object.fromEntries(new URLSearchParams(twilioFixture(name).body)),
            }) as unknown,
          },
        },
      ]);
    },
  );

  it('fills the SMS data shape from the parameters', () => {
    const [item] = twilioProvider.normalize(aTwilioFixtureRequest('status-undelivered'), options);

    expect(item?.kind === 'event' && { ...item.draft.data, payload: undefined }).toEqual({
      messageSid: SID,
      status: 'undelivered',
      from: '+15017122661',
      to: '+15558675310',
      errorCode: '30003',
      payload: undefined,
    });
  });

  it('reads the incoming message body as UTF-8', () => {
    const [item] = twilioProvider.normalize(aTwilioFixtureRequest('incoming-message'), options);

    expect(item?.kind === 'event' && (item.draft.data.payload as Record<string, unknown>).Body).toBe(
      'Hello, world! Ünïcödé & more',
    );
  });

  it('keys the event on the signed MessageSid and status, whatever the unsigned idempotency token says', () => {
    const [first] = twilioProvider.normalize(
      aTwilioFixtureRequest('status-sent', { 'i-twilio-idempotency-token': 'a3f1c2-token' }),
      options,
    );
    const [resent] = twilioProvider.normalize(
      aTwilioFixtureRequest('status-sent', { 'i-twilio-idempotency-token': 'forged-fresh-token' }),
      options,
    );

    expect([first, resent]).toMatchObject([
      { kind: 'event', draft: { externalId: `${SID}:sent`, providerType: 'message.sent' } },
      { kind: 'event', draft: { externalId: `${SID}:sent`, providerType: 'message.sent' } },
    ]);
  });

  it('gives two status callbacks of one message distinct ids and the same entity', () => {
    const sent = normalizeForm(
      STATUS_CALLBACK.map(([name, value]) => [name, name.endsWith('Status') ? 'sent' : value] as const),
    );
    const delivered = normalizeForm(STATUS_CALLBACK);

    expect([sent[0], delivered[0]]).toMatchObject([
      {
        draft: {
          externalId: 'SM0123456789abcdef0123456789abcdef:sent',
          entity: { id: 'SM0123456789abcdef0123456789abcdef' },
        },
      },
      {
        draft: {
          externalId: 'SM0123456789abcdef0123456789abcdef:delivered',
          entity: { id: 'SM0123456789abcdef0123456789abcdef' },
        },
      },
    ]);
  });

  it('prefixes a status outside the SMS taxonomy with the provider', () => {
    const [item] = normalizeForm([
      ['MessageSid', SID],
      ['MessageStatus', 'read'],
    ]);

    expect(item).toMatchObject({
      draft: { providerType: 'message.read', type: 'twilio.message.read', externalId: `${SID}:read` },
    });
  });

  it('takes the event time from a Timestamp parameter and has none otherwise', () => {
    const [timed] = normalizeForm([
      ['MessageSid', SID],
      ['MessageStatus', 'sent'],
      ['Timestamp', 'Mon, 16 Aug 2010 03:45:01 +0000'],
    ]);
    const [untimed] = twilioProvider.normalize(aTwilioFixtureRequest('status-delivered'), options);

    expect([
      timed?.kind === 'event' && timed.draft.occurredAt,
      untimed?.kind === 'event' && 'occurredAt' in untimed.draft,
    ]).toEqual(['2010-08-16T03:45:01.000Z', false]);
  });

  it.each([
    ['without MessageSid', [['MessageStatus', 'sent']]],
    [
      'with MessageSid twice',
      [
        ['MessageSid', 'SM1'],
        ['MessageSid', 'SM2'],
        ['MessageStatus', 'sent'],
      ],
    ],
    [
      'with a status that is not a word',
      [
        ['MessageSid', 'SM1'],
        ['MessageStatus', 'sent.evil'],
      ],
    ],
  ] as const)('marks parameters %s unreadable, keeping them as data', (_name, pairs) => {
    const items = normalizeForm(pairs);

    expect(items).toEqual([
      { kind: 'unreadable', reason: expect.any(String) as unknown, data: expect.any(Object) as unknown },
    ]);
  });

  it('leaves an unreadable callback without an id even when an idempotency token is sent, so that the ingest keys it by its body', () => {
    const [item] = normalizeForm([['MessageStatus', 'sent']], { 'i-twilio-idempotency-token': 'tok-1' });

    expect(item?.kind === 'unreadable' && item.externalId).toBeUndefined();
  });

  it('keeps a __proto__ parameter as data without touching any prototype', () => {
    const [item] = normalizeForm([
      ['MessageSid', SID],
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);

    const payload = item?.kind === 'event' ? (item.draft.data.payload as Record<string, unknown>) : {};
    expect([
      Object.hasOwn(payload, '__proto__'),
      Object.getPrototypeOf(payload) === Object.prototype,
      ({} as Record<string, unknown>).x,
    ]).toEqual([true, true, undefined]);
  });

  it('never throws for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(twilioProvider.normalize(aTwilioRequest({ body: Buffer.from(bytes) }), options)).toHaveLength(
          1,
        );
      }),
      { numRuns: 200 },
    );
  });
});
