import fc from 'fast-check';
import * as z from 'zod/mini';
import { IntegrationEventSchema, SPEC_VERSION } from '#shared/contract/integration-event';
import { sendgridOptionsSchema } from '#shared/providers/sendgrid/index';
import { normalizeSendgrid } from '#shared/providers/sendgrid/normalize';
import type { EventDraft, NormalizedItem } from '#shared/providers/types';
import {
  aSendgridBatchRequest,
  aSendgridRequest,
  sendgridFixture,
  sendgridFixtureEvents,
  sendgridFixtures,
} from '../../../helpers/providers/sendgrid';

const options = sendgridOptionsSchema.parse({});
const DOCUMENTED_MESSAGE = '14c5d75ce93';
const DOCUMENTED_TIME = '2017-12-15T00:59:29.000Z';

const EmailDataSchema = z.object({
  messageId: z.string().check(z.minLength(1)),
  recipient: z.string().check(z.minLength(1)),
  reason: z.optional(z.string()),
  url: z.optional(z.string()),
  payload: z.record(z.string(), z.unknown()),
});

const draftsOf = (items: NormalizedItem[]): EventDraft[] =>
  items.map((item) => {
    if (item.kind !== 'event') throw new Error(`Expected an event, got: ${item.reason}`);
    return item.draft;
  });

const onlyDraft = (fixtureName: string): EventDraft => {
  const [draft, ...rest] = draftsOf(
    normalizeSendgrid(aSendgridBatchRequest(sendgridFixture(fixtureName).body), options),
  );
  expect(rest).toHaveLength(0);
  if (!draft) throw new Error('No draft');
  return draft;
};

/** What the ingest adds around a draft; the result must satisfy the canonical contract. */
const asIntegrationEvent = (draft: EventDraft) => ({
  specVersion: SPEC_VERSION,
  id: 'evt-test',
  idempotencyKey: `tenant-a:sendgrid:${draft.providerType}:${draft.externalId}`,
  tenant: 'tenant-a',
  provider: 'sendgrid',
  type: draft.type,
  providerType: draft.providerType,
  externalId: draft.externalId,
  entity: draft.entity ?? { kind: 'event', id: draft.externalId },
  occurredAt: draft.occurredAt,
  receivedAt: '2026-03-01T12:00:00.000Z',
  correlationId: 'corr-test',
  data: draft.data,
});

describe('normalizeSendgrid', () => {
  it.each([
    ['delivered', 'delivered', 'email.delivered', 'rWVYmVk90MjZJ9iohOBa3w=='],
    ['bounce', 'bounce', 'email.bounced', '6g4ZI7SA-xmRDv57GoPIPw=='],
    ['open', 'open', 'email.opened', 'FOTFFO0ecsBE-zxFXfs6WA=='],
    ['click', 'click', 'email.clicked', 'kCAi1KttyQdEKHhdC-nuEA=='],
    ['spamreport', 'spamreport', 'email.spam_reported', '37nvH5QBz858KGVYCM4uOA=='],
    ['unsubscribe', 'unsubscribe', 'email.unsubscribed', 'zz_BjPgU_5pS-J8vlfB1sg=='],
    ['group-unsubscribe', 'group_unsubscribe', 'email.unsubscribed', 'ahSCB7xYcXFb-hEaawsPRw=='],
    ['processed', 'processed', 'sendgrid.processed', 'rbtnWrG1DVDGGGFHFyun0A=='],
    ['dropped', 'dropped', 'sendgrid.dropped', 'zmzJhfJgAfUSOW80yEbPyw=='],
    ['deferred', 'deferred', 'sendgrid.deferred', 't7LEShmowp86DTdUW8M-GQ=='],
    ['blocked', 'bounce', 'sendgrid.bounce', '6g4ZI7SA-xmRDv57GoPIPw=='],
    ['group-resubscribe', 'group_resubscribe', 'sendgrid.group_resubscribe', 'w_u0vJhLT-OFfprar5N93g=='],
  ])(
    'reads the documented %s example as %s -> %s keyed by its sg_event_id',
    (fixtureName, providerType, type, externalId) => {
      const draft = onlyDraft(fixtureName);

      expect(draft).toMatchObject({
        providerType,
        type,
        externalId,
        entity: { kind: 'message', id: DOCUMENTED_MESSAGE },
        occurredAt: DOCUMENTED_TIME,
      });
    },
  );

  it.each(sendgridFixtures().map((fixture) => [fixture.name]))(
    'turns every element of fixture %s into a contract-valid event',
    (name) => {
      const fixture = sendgridFixture(name);

      const drafts = draftsOf(normalizeSendgrid(aSendgridBatchRequest(fixture.body), options));

      expect(drafts).toHaveLength((fixture.body as unknown[]).length);
      for (const draft of drafts)
        expect(IntegrationEventSchema.safeParse(asIntegrationEvent(draft)).success).toBe(true);
    },
  );

  it('gives every email.* event the common email data shape holding the original element', () => {
    const events = sendgridFixtureEvents('all-event-types');

    const drafts = draftsOf(normalizeSendgrid(aSendgridBatchRequest(events), options));

    const emailDrafts = drafts.filter((draft) => draft.type.startsWith('email.'));
    expect(emailDrafts.map((draft) => draft.type)).toEqual([
      'email.delivered',
      'email.opened',
      'email.clicked',
      'email.bounced',
      'email.spam_reported',
      'email.unsubscribed',
      'email.unsubscribed',
    ]);
    for (const draft of emailDrafts) {
      expect(EmailDataSchema.safeParse(draft.data).success).toBe(true);
      expect(draft.data.recipient).toBe('example@test.com');
      expect(events).toContainEqual(draft.data.payload);
    }
  });

  it('carries the bounce reason as reason', () => {
    const draft = onlyDraft('bounce');

    expect(draft.data).toMatchObject({
      messageId: DOCUMENTED_MESSAGE,
      recipient: 'example@test.com',
      reason: '500 unknown recipient',
    });
  });

  it('carries the clicked link as url', () => {
    const draft = onlyDraft('click');

    expect(draft.data).toMatchObject({ messageId: DOCUMENTED_MESSAGE, url: 'http://www.sendgrid.com/' });
  });

  it('keeps an unmapped event as its own element', () => {
    const draft = onlyDraft('dropped');

    expect(draft.data).toEqual(sendgridFixtureEvents('dropped')[0]);
  });

  it('groups events of one message under the id before the filter suffix, even with a leading space', () => {
    const events = [
      ...sendgridFixtureEvents('processed'),
      ...sendgridFixtureEvents('deferred'),
      ...sendgridFixtureEvents('delivered'),
    ];

    const drafts = draftsOf(normalizeSendgrid(aSendgridBatchRequest(events), options));

    expect(drafts.map((draft) => draft.entity)).toEqual(
      Array(3).fill({ kind: 'message', id: DOCUMENTED_MESSAGE }),
    );
  });

  it('leaves an account event without entity and keeps it as an unmapped event', () => {
    const draft = onlyDraft('account-status-change');

    expect(draft).toMatchObject({
      providerType: 'account_status_change',
      type: 'sendgrid.account_status_change',
    });
    expect(draft.entity).toBeUndefined();
    expect(draft.occurredAt).toBe('2024-02-28T17:47:08.000Z');
  });

  it('orders a delayed bounce without sg_message_id by its smtp-id', () => {
    const { sg_message_id: _dropped, ...delayedBounce } = sendgridFixtureEvents('bounce')[0] ?? {};

    const [draft] = draftsOf(normalizeSendgrid(aSendgridBatchRequest([delayedBounce]), options));

    expect(draft?.type).toBe('email.bounced');
    expect(draft?.entity).toEqual({ kind: 'message', id: '<14c5d75ce93.dfd.64b469@ismtpd-555>' });
    expect(draft?.data.messageId).toBe('<14c5d75ce93.dfd.64b469@ismtpd-555>');
  });

  it('marks an email event with no message id at all unreadable, keeping its identity', () => {
    const { sg_message_id: _a, 'smtp-id': _b, ...anonymousOpen } = sendgridFixtureEvents('open')[0] ?? {};

    const [item] = normalizeSendgrid(aSendgridBatchRequest([anonymousOpen]), options);

    expect(item).toMatchObject({
      kind: 'unreadable',
      externalId: 'FOTFFO0ecsBE-zxFXfs6WA==',
      providerType: 'open',
      data: anonymousOpen,
    });
  });

  it('marks only the malformed element of a batch unreadable and reads the others', () => {
    const [processed, delivered, click] = [
      ...sendgridFixtureEvents('processed'),
      ...sendgridFixtureEvents('delivered'),
      ...sendgridFixtureEvents('click'),
    ];
    const malformed = { ...delivered, timestamp: 'yesterday' };

    const items = normalizeSendgrid(aSendgridBatchRequest([processed, malformed, click, 42]), options);

    expect(items.map((item) => item.kind)).toEqual(['event', 'unreadable', 'event', 'unreadable']);
    expect(items[1]).toMatchObject({
      kind: 'unreadable',
      externalId: 'rWVYmVk90MjZJ9iohOBa3w==',
      providerType: 'delivered',
      data: malformed,
    });
    expect(items[3]).toMatchObject({ kind: 'unreadable', data: 42 });
  });

  it('marks an element whose timestamp is not a representable date unreadable', () => {
    const event = { ...sendgridFixtureEvents('delivered')[0], timestamp: 1e20 };

    const [item] = normalizeSendgrid(aSendgridBatchRequest([event]), options);

    expect(item).toMatchObject({ kind: 'unreadable', externalId: 'rWVYmVk90MjZJ9iohOBa3w==' });
  });

  it('returns no item for an empty batch', () => {
    expect(normalizeSendgrid(aSendgridBatchRequest([]), options)).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', '[{"event":'],
    ['a JSON body that is not an array', '{"event":"delivered"}'],
  ])('returns a single unreadable item for %s', (_label, body) => {
    const items = normalizeSendgrid(aSendgridRequest({ body: Buffer.from(body) }), options);

    expect(items).toEqual([expect.objectContaining({ kind: 'unreadable' })]);
  });

  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
          fc.json().map((json) => Buffer.from(json)),
        ),
        (body) => {
          expect(() => normalizeSendgrid(aSendgridRequest({ body }), options)).not.toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads every element of any array of objects, readable or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.object(), fc.constant(sendgridFixtureEvents('open')[0]))),
        (events) => {
          expect(normalizeSendgrid(aSendgridBatchRequest(events), options)).toHaveLength(events.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
