import fc from 'fast-check';
import { EntitySchema } from '#shared/contract/integration-event';
import { STRIPE_CANONICAL_TYPES } from '#shared/providers/stripe/normalize';
import { stripeProvider } from '#shared/providers/stripe/index';
import type { EventDraft, NormalizedItem } from '#shared/providers/types';
import {
  aStripeRequest,
  stripeBody,
  stripeFixture,
  stripeFixtures,
  stripeOptions,
} from '../../../helpers/providers/stripe';

const normalize = (body: Buffer): NormalizedItem[] =>
  stripeProvider.normalize(aStripeRequest({ body }), stripeOptions());

const onlyDraft = (items: NormalizedItem[]): EventDraft => {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
  return item.draft;
};

/** What each documented fixture must normalize to. */
const expected: Record<string, { type: string; entity: { kind: string; id: string } }> = {
  'payment_intent.created': {
    type: 'stripe.payment_intent.created',
    entity: { kind: 'payment_intent', id: 'pi_1MoS6tLgUG5tbmjcQ62U6djv' },
  },
  'payment_intent.succeeded': {
    type: 'payment.succeeded',
    entity: { kind: 'payment_intent', id: 'pi_1MoS6tLgUG5tbmjcQ62U6djv' },
  },
  'payment_intent.payment_failed': {
    type: 'payment.failed',
    entity: { kind: 'payment_intent', id: 'pi_1MoS6tLgUG5tbmjcQ62U6djv' },
  },
  'charge.refunded': {
    type: 'payment.refunded',
    entity: { kind: 'charge', id: 'ch_1MoS30LgUG5tbmjcjfsQqpHI' },
  },
  'invoice.paid': { type: 'invoice.paid', entity: { kind: 'customer', id: 'cus_NZbFQAsc0ptasX' } },
  'invoice.payment_failed': {
    type: 'invoice.payment_failed',
    entity: { kind: 'customer', id: 'cus_NZbFQAsc0ptasX' },
  },
  'customer.created': { type: 'customer.created', entity: { kind: 'customer', id: 'cus_NZbFQAsc0ptasX' } },
  'customer.updated': { type: 'customer.updated', entity: { kind: 'customer', id: 'cus_NZbFQAsc0ptasX' } },
  'customer.deleted': { type: 'customer.deleted', entity: { kind: 'customer', id: 'cus_NZbFQAsc0ptasX' } },
  'customer.subscription.created': {
    type: 'subscription.created',
    entity: { kind: 'customer', id: 'cus_NZbFQAsc0ptasX' },
  },
  'customer.subscription.updated': {
    type: 'subscription.updated',
    entity: { kind: 'customer', id: 'cus_NZbFQAsc0ptasX' },
  },
  'customer.subscription.deleted': {
    type: 'subscription.canceled',
    entity: { kind: 'customer', id: 'cus_NZbFQAsc0ptasX' },
  },
  'checkout.session.completed': {
    type: 'checkout.completed',
    entity: {
      kind: 'checkout.session',
      id: 'cs_test_a1vvp1B50lYAE8U2KLu1lzd6US91IMmBfnLfDXmJiKOQIzXbgFKgxUviQu',
    },
  },
};

describe('stripe normalize', () => {
  it('has an expectation for every fixture and a fixture for every canonical type', () => {
    const names = stripeFixtures().map((fixture) => fixture.name);

    expect(names.sort()).toEqual(Object.keys(expected).sort());
    expect([...STRIPE_CANONICAL_TYPES.keys()].every((providerType) => names.includes(providerType))).toBe(
      true,
    );
  });

  it.each(stripeFixtures().map((fixture) => [fixture.name, fixture] as const))(
    'reads the documented %s event',
    (name, fixture) => {
      const body = fixture.body as { id: string; type: string; created: number };

      const draft = onlyDraft(normalize(stripeBody(fixture.body)));

      expect(draft).toEqual({
        providerType: body.type,
        externalId: body.id,
        type: expected[name]?.type,
        entity: expected[name]?.entity,
        occurredAt: '2023-03-22T13:53:51.000Z',
        data: fixture.body,
      });
      expect(EntitySchema.safeParse(draft.entity).success).toBe(true);
    },
  );

  it('orders events of an object owned by a customer under that customer', () => {
    const event = stripeFixture('payment_intent.succeeded').body as {
      data: { object: Record<string, unknown> };
    };
    const body = stripeBody({ ...event, data: { object: { ...event.data.object, customer: 'cus_owner' } } });

    expect(onlyDraft(normalize(body)).entity).toEqual({ kind: 'customer', id: 'cus_owner' });
  });

  it('leaves the entity out when the object has neither customer nor id', () => {
    const event = stripeFixture('payment_intent.succeeded').body;
    const body = stripeBody({ ...event, data: { object: { object: 'balance', livemode: false } } });

    expect(onlyDraft(normalize(body)).entity).toBeUndefined();
  });

  it('names unmapped types stripe.<type>', () => {
    const body = stripeBody({ ...stripeFixture('customer.created').body, type: 'customer.source.created' });

    expect(onlyDraft(normalize(body)).type).toBe('stripe.customer.source.created');
  });

  it.each([
    ['not JSON', Buffer.from('t=1&v1=abc')],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['empty', Buffer.alloc(0)],
    ['a JSON array', Buffer.from('[]')],
    ['JSON null', Buffer.from('null')],
  ])('returns one unreadable item for a body that is %s', (_case, body) => {
    const items = normalize(body);

    expect(items).toHaveLength(1);
    expect(items[0]?.kind).toBe('unreadable');
  });

  it('keeps the id and type of an event whose shape does not match', () => {
    const body = stripeBody({
      id: 'evt_drift',
      type: 'invoice.paid',
      created: 'yesterday',
      data: { object: {} },
    });

    const [item] = normalize(body);

    expect(item).toMatchObject({ kind: 'unreadable', externalId: 'evt_drift', providerType: 'invoice.paid' });
    expect(item?.kind === 'unreadable' && item.reason).toContain('created');
  });

  it('treats a created time beyond year 9999 as unreadable rather than throwing', () => {
    const body = stripeBody({ ...stripeFixture('customer.created').body, created: 9_007_199_254_740 });

    expect(normalize(body)[0]?.kind).toBe('unreadable');
  });

  it('never throws for arbitrary bytes or JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.json().map((j) => Buffer.from(j)),
        ),
        (body) => {
          const items = normalize(body);

          expect(items.length).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('does not let a __proto__ key in the body reach the object prototype', () => {
    const body = Buffer.from(
      '{"id":"evt_p","type":"customer.created","created":1,"__proto__":{"polluted":true},"data":{"object":{"id":"cus_1","object":"customer"}}}',
    );

    const draft = onlyDraft(normalize(body));

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(draft.entity).toEqual({ kind: 'customer', id: 'cus_1' });
  });
});
