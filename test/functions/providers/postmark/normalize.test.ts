import fc from 'fast-check';
import * as z from 'zod/mini';
import { IntegrationEventSchema, SPEC_VERSION } from '#shared/contract/integration-event';
import { postmarkOptionsSchema } from '#shared/providers/postmark/index';
import { normalizePostmark } from '#shared/providers/postmark/normalize';
import type { EventDraft } from '#shared/providers/types';
import {
  aPostmarkRecordRequest,
  aPostmarkRequest,
  postmarkFixtures,
  postmarkRecord,
} from '../../../helpers/providers/postmark';

const options = postmarkOptionsSchema.parse({});
const MESSAGE = '883953f4-6105-42a2-a16a-77a8eac79483';
const TEST_MESSAGE = '00000000-0000-0000-0000-000000000000';

const EmailDataSchema = z.object({
  messageId: z.string(),
  recipient: z.string().check(z.minLength(1)),
  reason: z.optional(z.string()),
  url: z.optional(z.string()),
  payload: z.record(z.string(), z.unknown()),
});

const draftOf = (record: unknown): EventDraft => {
  const items = normalizePostmark(aPostmarkRecordRequest(record), options);
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`Expected an event, got ${JSON.stringify(item)}`);
  return item.draft;
};

const asIntegrationEvent = (draft: EventDraft) => ({
  specVersion: SPEC_VERSION,
  id: 'evt-test',
  idempotencyKey: `tenant-a:postmark:${draft.providerType}:${draft.externalId}`,
  tenant: 'tenant-a',
  provider: 'postmark',
  type: draft.type,
  providerType: draft.providerType,
  externalId: draft.externalId,
  entity: draft.entity ?? { kind: 'event', id: draft.externalId },
  occurredAt: draft.occurredAt,
  receivedAt: '2026-03-01T12:00:00.000Z',
  correlationId: 'corr-test',
  data: draft.data,
});

describe('normalizePostmark', () => {
  it.each([
    [
      'delivery',
      'Delivery',
      'email.delivered',
      MESSAGE,
      '2019-11-05T16:33:54.9070259Z',
      '2019-11-05T16:33:54.907Z',
    ],
    [
      'bounce',
      'Bounce',
      'email.bounced',
      MESSAGE,
      '2019-11-05T16:33:54.9070259Z',
      '2019-11-05T16:33:54.907Z',
    ],
    [
      'spam-complaint',
      'SpamComplaint',
      'email.spam_reported',
      TEST_MESSAGE,
      '2019-11-05T16:33:54.9070259Z',
      '2019-11-05T16:33:54.907Z',
    ],
    ['open', 'Open', 'email.opened', MESSAGE, '2019-11-05T16:33:54.9070259Z', '2019-11-05T16:33:54.907Z'],
    [
      'click',
      'Click',
      'email.clicked',
      TEST_MESSAGE,
      '2017-10-25T15:21:11.9065619Z',
      '2017-10-25T15:21:11.906Z',
    ],
    [
      'subscription-change',
      'SubscriptionChange',
      'email.unsubscribed',
      MESSAGE,
      '2020-02-01T10:53:34.416071Z',
      '2020-02-01T10:53:34.416Z',
    ],
  ])(
    'reads the documented %s record as %s -> %s keyed by MessageID and its own timestamp',
    (name, providerType, type, messageId, rawTimestamp, occurredAt) => {
      const draft = draftOf(postmarkRecord(name));

      expect(draft).toMatchObject({
        providerType,
        type,
        externalId: `${messageId}:${rawTimestamp}`,
        entity: { kind: 'message', id: messageId },
        occurredAt,
      });
    },
  );

  it.each(postmarkFixtures().map((fixture) => [fixture.name]))(
    'turns fixture %s into a contract-valid email event',
    (name) => {
      const record = postmarkRecord(name);

      const draft = draftOf(record);

      expect(IntegrationEventSchema.safeParse(asIntegrationEvent(draft)).success).toBe(true);
      expect(EmailDataSchema.safeParse(draft.data).success).toBe(true);
      expect(draft.data.payload).toEqual(JSON.parse(JSON.stringify(record)));
    },
  );

  it.each([
    ['delivery', { recipient: 'john@example.com' }],
    ['bounce', { recipient: 'john@example.com', reason: 'Test bounce details' }],
    ['click', { recipient: 'john@example.com', url: 'https://example.com' }],
    ['subscription-change', { recipient: 'bounced-address@wildbit.com', reason: 'HardBounce' }],
  ])('fills the common email fields of the %s record', (name, expected) => {
    expect(draftOf(postmarkRecord(name)).data).toMatchObject(expected);
  });

  it('falls back to the bounce description when Postmark gives no details', () => {
    const draft = draftOf({ ...postmarkRecord('bounce'), Details: '' });

    expect(draft.data.reason).toBe(
      'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    );
  });

  it.each([['SoftBounce'], ['Transient'], ['Blocked'], ['AutoResponder']])(
    'keeps a %s bounce, which is not permanent, as the unmapped postmark.Bounce',
    (bounceType) => {
      const draft = draftOf({ ...postmarkRecord('bounce'), Type: bounceType });

      expect(draft).toMatchObject({ providerType: 'Bounce', type: 'postmark.Bounce' });
      expect(draft.data.Type).toBe(bounceType);
    },
  );

  it('keeps a reactivation (SuppressSending false) as the unmapped postmark.SubscriptionChange', () => {
    const draft = draftOf({ ...postmarkRecord('subscription-change'), SuppressSending: false });

    expect(draft.type).toBe('postmark.SubscriptionChange');
  });

  it('keys a manual suppression without MessageID by recipient and leaves it without entity', () => {
    const draft = draftOf({
      ...postmarkRecord('subscription-change'),
      MessageID: null,
      SuppressionReason: 'ManualSuppression',
    });

    expect(draft).toMatchObject({
      type: 'email.unsubscribed',
      externalId: 'bounced-address@wildbit.com:2020-02-01T10:53:34.416071Z',
      data: { messageId: '', reason: 'ManualSuppression' },
    });
    expect(draft.entity).toBeUndefined();
  });

  it('gives two records of one message different ids when their times differ', () => {
    const first = draftOf(postmarkRecord('open'));
    const second = draftOf({ ...postmarkRecord('open'), ReceivedAt: '2019-11-05T16:40:00.0000000Z' });

    expect(first.externalId).not.toBe(second.externalId);
    expect(first.entity).toEqual(second.entity);
  });

  it('reads an unknown record type with a known timestamp as an unmapped event', () => {
    const draft = draftOf({
      RecordType: 'Escalation',
      MessageID: MESSAGE,
      ReceivedAt: '2021-01-01T00:00:00Z',
    });

    expect(draft).toMatchObject({
      providerType: 'Escalation',
      type: 'postmark.Escalation',
      externalId: `${MESSAGE}:2021-01-01T00:00:00Z`,
    });
  });

  it.each([
    [
      'a record without RecordType (an inbound message)',
      { MessageID: MESSAGE, From: 'a@example.com', Date: 'Thu, 5 Apr 2012 16:59:01 +0200' },
      {},
    ],
    [
      'a record without its timestamp',
      { ...postmarkRecord('delivery'), DeliveredAt: undefined },
      { providerType: 'Delivery' },
    ],
    [
      'a record whose timestamp is no date',
      { ...postmarkRecord('delivery'), DeliveredAt: 'yesterday' },
      { externalId: `${MESSAGE}:yesterday` },
    ],
    [
      'an email record without recipient',
      { ...postmarkRecord('open'), Recipient: null },
      { providerType: 'Open' },
    ],
    ['a record with a mistyped field', { ...postmarkRecord('delivery'), Recipient: 42 }, {}],
    ['a JSON value that is no object', [postmarkRecord('delivery')], {}],
  ])('marks %s unreadable, keeping what identity it has', (_label, record, identity) => {
    const items = normalizePostmark(aPostmarkRecordRequest(record), options);

    expect(items).toEqual([expect.objectContaining({ kind: 'unreadable', ...identity })]);
  });

  it('returns a single unreadable item for a body that is not JSON', () => {
    const items = normalizePostmark(aPostmarkRequest({ body: Buffer.from('RecordType=Delivery') }), options);

    expect(items).toEqual([{ kind: 'unreadable', reason: 'The body is not valid JSON.' }]);
  });

  it('never throws and always returns exactly one item, whatever the body', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
          fc.json().map((json) => Buffer.from(json)),
          fc
            .record({ RecordType: fc.string(), MessageID: fc.string(), ReceivedAt: fc.string() })
            .map((r) => Buffer.from(JSON.stringify(r))),
        ),
        (body) => {
          expect(normalizePostmark(aPostmarkRequest({ body }), options)).toHaveLength(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
