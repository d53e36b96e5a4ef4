import fc from 'fast-check';
import * as z from 'zod/mini';
import { IntegrationEventSchema, SPEC_VERSION } from '#shared/contract/integration-event';
import { mailgunOptionsSchema } from '#shared/providers/mailgun/index';
import { normalizeMailgun } from '#shared/providers/mailgun/normalize';
import type { EventDraft, NormalizedItem } from '#shared/providers/types';
import {
  aMailgunJsonRequest,
  aMailgunMultipartRequest,
  aMailgunRequest,
  aMailgunUrlEncodedRequest,
  mailgunEventData,
  mailgunFixture,
  mailgunFixtures,
} from '../../../helpers/providers/mailgun';

const options = mailgunOptionsSchema.parse({});
const SANDBOX_MESSAGE = '20130503182626.18666.16540@sandbox22aee81b13674403a5335202df94f7e7.mailgun.org';

const EmailDataSchema = z.object({
  messageId: z.string().check(z.minLength(1)),
  recipient: z.string().check(z.minLength(1)),
  reason: z.optional(z.string()),
  url: z.optional(z.string()),
  payload: z.record(z.string(), z.unknown()),
});

const onlyItem = (items: NormalizedItem[]): NormalizedItem => {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (!item) throw new Error('No item');
  return item;
};

const draftOf = (items: NormalizedItem[]): EventDraft => {
  const item = onlyItem(items);
  if (item.kind !== 'event') throw new Error(`Expected an event, got: ${item.reason}`);
  return item.draft;
};

const fixtureDraft = (name: string): EventDraft =>
  draftOf(
    normalizeMailgun(
      aMailgunRequest({ body: Buffer.from(JSON.stringify(mailgunFixture(name).body)) }),
      options,
    ),
  );

const asIntegrationEvent = (draft: EventDraft) => ({
  specVersion: SPEC_VERSION,
  id: 'evt-test',
  idempotencyKey: `tenant-a:mailgun:${draft.providerType}:${draft.externalId}`,
  tenant: 'tenant-a',
  provider: 'mailgun',
  type: draft.type,
  providerType: draft.providerType,
  externalId: draft.externalId,
  entity: draft.entity ?? { kind: 'event', id: draft.externalId },
  occurredAt: draft.occurredAt,
  receivedAt: '2026-03-01T12:00:00.000Z',
  correlationId: 'corr-test',
  data: draft.data,
});

describe('normalizeMailgun', () => {
  it.each([
    [
      'delivered',
      'delivered',
      'email.delivered',
      'CPgfbmQMTCKtHW6uIWtuVe',
      SANDBOX_MESSAGE,
      '2018-03-19T15:11:02.908Z',
    ],
    [
      'opened',
      'opened',
      'email.opened',
      'Ase7i2zsRYeDXztHGENqRA',
      SANDBOX_MESSAGE,
      '2018-03-16T23:35:39.873Z',
    ],
    [
      'clicked',
      'clicked',
      'email.clicked',
      'Ase7i2zsRYeDXztHGENqRA',
      SANDBOX_MESSAGE,
      '2018-03-16T23:35:39.873Z',
    ],
    [
      'unsubscribed',
      'unsubscribed',
      'email.unsubscribed',
      'Ase7i2zsRYeDXztHGENqRA',
      SANDBOX_MESSAGE,
      '2018-03-16T23:35:39.873Z',
    ],
    [
      'permanent-fail',
      'failed',
      'email.bounced',
      'G9Bn5sl1TC6nu79C8C0bwg',
      '20130503192659.13651.20287@mail.invoicing.co',
      '2018-03-16T20:46:35.375Z',
    ],
    [
      'complained',
      'complained',
      'email.spam_reported',
      '-Agny091SquKnsrW2NEKUA',
      '20110215055645.25246.63817@mail.invoicing.co',
      '2018-03-16T20:45:23.501Z',
    ],
  ])(
    'reads the captured %s sample as %s -> %s keyed by event-data.id',
    (name, providerType, type, externalId, messageId, occurredAt) => {
      expect(fixtureDraft(name)).toMatchObject({
        providerType,
        type,
        externalId,
        entity: { kind: 'message', id: messageId },
        occurredAt,
      });
    },
  );

  it.each(mailgunFixtures().map((fixture) => [fixture.name]))(
    'turns fixture %s into a contract-valid email event',
    (name) => {
      const draft = fixtureDraft(name);

      expect(IntegrationEventSchema.safeParse(asIntegrationEvent(draft)).success).toBe(true);
      expect(EmailDataSchema.safeParse(draft.data).success).toBe(true);
      expect(draft.data).toMatchObject({ recipient: 'alice@example.com', payload: mailgunEventData(name) });
    },
  );

  it('carries the delivery-status description of a permanent failure as reason', () => {
    expect(fixtureDraft('permanent-fail').data.reason).toBe('Not delivering to previously bounced address');
  });

  it('prefers the SMTP message over the description when Mailgun gives both', () => {
    const eventData = mailgunEventData('permanent-fail');
    const bounced = {
      ...eventData,
      'delivery-status': {
        ...(eventData['delivery-status'] as object),
        message: '5.1.1 The email account does not exist',
      },
    };

    const draft = draftOf(normalizeMailgun(aMailgunJsonRequest({}, bounced), options));

    expect(draft.data.reason).toBe('5.1.1 The email account does not exist');
  });

  it('keeps a temporary failure, which Mailgun retries, as the unmapped mailgun.failed', () => {
    const temporary = { ...mailgunEventData('permanent-fail'), severity: 'temporary' };

    const draft = draftOf(normalizeMailgun(aMailgunJsonRequest({}, temporary), options));

    expect(draft).toMatchObject({ providerType: 'failed', type: 'mailgun.failed', data: temporary });
  });

  it('carries the clicked link as url', () => {
    const clicked = { ...mailgunEventData('clicked'), url: 'https://example.com/pricing' };

    const draft = draftOf(normalizeMailgun(aMailgunJsonRequest({}, clicked), options));

    expect(draft.data.url).toBe('https://example.com/pricing');
  });

  it('keeps an unmapped event such as accepted as its own event-data', () => {
    const accepted = { ...mailgunEventData('delivered'), event: 'accepted' };

    const draft = draftOf(normalizeMailgun(aMailgunJsonRequest({}, accepted), options));

    expect(draft).toMatchObject({
      type: 'mailgun.accepted',
      data: accepted,
      entity: { kind: 'message', id: SANDBOX_MESSAGE },
    });
  });

  describe('legacy form webhooks', () => {
    const legacy = {
      event: 'bounced',
      recipient: 'alice@example.com',
      'Message-Id': `<${SANDBOX_MESSAGE}>`,
      code: '550',
      error: '5.1.1 The email account that you tried to reach does not exist.',
      timestamp: '1521472262',
      token: 'c8a0f7a3b6e2d9f4a1b0c3d2e5f6a7b8c9d0e1f2a3b4c5d6e7',
      signature: 'aa'.repeat(32),
    };

    it.each([
      ['urlencoded', aMailgunUrlEncodedRequest(legacy)],
      ['multipart', aMailgunMultipartRequest(legacy, { 'attachment-1': 'ignored' })],
    ])('reads a %s bounced event keyed by its token, grouped by the bare Message-Id', (_label, request) => {
      const draft = draftOf(normalizeMailgun(request, options));

      expect(draft).toMatchObject({
        providerType: 'bounced',
        type: 'email.bounced',
        externalId: legacy.token,
        entity: { kind: 'message', id: SANDBOX_MESSAGE },
        occurredAt: '2018-03-19T15:11:02.000Z',
        data: {
          messageId: SANDBOX_MESSAGE,
          recipient: 'alice@example.com',
          reason: legacy.error,
          payload: legacy,
        },
      });
    });

    it('marks a form without event unreadable', () => {
      const { event: _event, ...withoutEvent } = legacy;

      expect(onlyItem(normalizeMailgun(aMailgunUrlEncodedRequest(withoutEvent), options))).toMatchObject({
        kind: 'unreadable',
      });
    });

    it('keeps form field names as data, never as inherited properties', () => {
      const request = aMailgunUrlEncodedRequest({
        ...legacy,
        event: 'stored',
        ['__proto__']: 'polluted',
        constructor: 'x',
      });

      const draft = draftOf(normalizeMailgun(request, options));

      expect(Object.getPrototypeOf(draft.data)).toBe(Object.prototype);
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      expect(Object.hasOwn(draft.data, '__proto__')).toBe(true);
      expect(Object.hasOwn(draft.data, 'constructor')).toBe(true);
    });
  });

  it.each([
    ['event-data without id', { ...mailgunEventData('delivered'), id: undefined }, {}],
    [
      'event-data with a string timestamp',
      { ...mailgunEventData('delivered'), timestamp: '1521472262.9' },
      { externalId: 'CPgfbmQMTCKtHW6uIWtuVe' },
    ],
    [
      'an email event without message-id',
      { ...mailgunEventData('opened'), message: {} },
      { externalId: 'Ase7i2zsRYeDXztHGENqRA', providerType: 'opened' },
    ],
    [
      'an email event without recipient',
      { ...mailgunEventData('opened'), recipient: '' },
      { providerType: 'opened' },
    ],
    ['event-data that is not an object', 'delivered', {}],
    [
      'a timestamp beyond any date',
      { ...mailgunEventData('delivered'), timestamp: 1e20 },
      { externalId: 'CPgfbmQMTCKtHW6uIWtuVe' },
    ],
  ])('marks %s unreadable, keeping what identity it has', (_label, eventData, identity) => {
    const item = onlyItem(normalizeMailgun(aMailgunJsonRequest({}, eventData), options));

    expect(item).toMatchObject({ kind: 'unreadable', ...identity });
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['a JSON body without event-data', '{"signature":{}}'],
  ])('returns a single unreadable item for %s', (_label, body) => {
    expect(onlyItem(normalizeMailgun(aMailgunRequest({ body: Buffer.from(body) }), options))).toMatchObject({
      kind: 'unreadable',
    });
  });

  it('never throws and always returns exactly one item, whatever the body and content type', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
          fc.json().map((json) => Buffer.from(json)),
        ),
        fc.constantFrom(
          'application/json',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=b',
          '',
        ),
        (body, contentType) => {
          expect(
            normalizeMailgun(aMailgunRequest({ body, headers: { 'content-type': contentType } }), options),
          ).toHaveLength(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
