import fc from 'fast-check';
import { EntitySchema } from '#shared/contract/integration-event';
import { SHOPIFY_CANONICAL_TYPES } from '#shared/providers/shopify/normalize';
import { shopifyProvider } from '#shared/providers/shopify/index';
import type { EventDraft, NormalizedItem, WebhookRequest } from '#shared/providers/types';
import {
  aShopifyDelivery,
  aShopifyRequest,
  shopifyFixture,
  shopifyFixtures,
  shopifyOptions,
} from '../../../helpers/providers/shopify';

const normalize = (request: WebhookRequest): NormalizedItem[] =>
  shopifyProvider.normalize(request, shopifyOptions());

const onlyDraft = (items: NormalizedItem[]): EventDraft => {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
  return item.draft;
};

const ORDER = { kind: 'order', id: 'jsmith.myshopify.com:820982911946154508' };
const CUSTOMER = { kind: 'customer', id: 'jsmith.myshopify.com:706405506930370084' };

describe('shopify normalize', () => {
  it.each([
    ['orders-create', 'order.created', ORDER, '2022-01-01T00:00:00.000Z'],
    ['orders-updated', 'order.updated', ORDER, '2022-01-01T00:00:00.000Z'],
    ['orders-paid', 'order.paid', ORDER, '2022-01-01T00:00:00.000Z'],
    ['orders-cancelled', 'order.cancelled', ORDER, '2022-01-01T00:00:00.000Z'],
    ['orders-fulfilled', 'order.fulfilled', ORDER, '2022-01-01T00:00:00.000Z'],
    ['customers-create', 'customer.created', CUSTOMER, '2022-01-01T00:00:00.000Z'],
    ['customers-update', 'customer.updated', CUSTOMER, '2022-01-01T00:00:00.000Z'],
    // The delete sample carries no timestamps: the delivery's X-Shopify-Triggered-At stands in.
    ['customers-delete', 'customer.deleted', CUSTOMER, '2022-01-01T00:00:05.123Z'],
  ])('reads the documented %s sample', (name, type, entity, occurredAt) => {
    const fixture = shopifyFixture(name);

    const draft = onlyDraft(normalize(aShopifyDelivery(name)));

    expect(draft).toEqual({
      providerType: fixture.headers['x-shopify-topic'],
      externalId: fixture.headers['x-shopify-event-id'],
      type,
      entity,
      occurredAt,
      data: JSON.parse(fixture.body) as unknown,
    });
    expect(EntitySchema.safeParse(draft.entity).success).toBe(true);
  });

  it('has a fixture for every canonical topic', () => {
    const topics = shopifyFixtures().map((fixture) => fixture.headers['x-shopify-topic']);

    expect(topics.sort()).toEqual([...SHOPIFY_CANONICAL_TYPES.keys()].sort());
  });

  it('keeps the exact order id beyond 2^53 by reading the GraphQL id', () => {
    expect(String(JSON.parse('820982911946154508'))).not.toBe('820982911946154508');

    expect(onlyDraft(normalize(aShopifyDelivery('orders-create'))).entity?.id).toBe(
      'jsmith.myshopify.com:820982911946154508',
    );
  });

  it('never groups the same order id of two shops together', () => {
    const first = onlyDraft(
      normalize(aShopifyDelivery('orders-paid', { 'x-shopify-shop-domain': 'one.myshopify.com' })),
    );
    const second = onlyDraft(
      normalize(aShopifyDelivery('orders-paid', { 'x-shopify-shop-domain': 'two.myshopify.com' })),
    );

    expect(first.entity?.id).not.toBe(second.entity?.id);
  });

  it('falls back to X-Shopify-Webhook-Id when there is no X-Shopify-Event-Id', () => {
    const { 'x-shopify-event-id': _eventId, ...headers } = shopifyFixture('orders-create').headers;

    const draft = onlyDraft(
      normalize(aShopifyRequest({ headers, body: Buffer.from(shopifyFixture('orders-create').body) })),
    );

    expect(draft.externalId).toBe(headers['x-shopify-webhook-id']);
  });

  it('orders a refund with its order, read from order_id', () => {
    const body =
      '{"id":929361462,"order_id":450789469,"created_at":"2022-01-01T00:00:00-05:00","admin_graphql_api_id":"gid://shopify/Refund/929361462"}';

    const draft = onlyDraft(
      normalize(aShopifyDelivery('orders-create', { 'x-shopify-topic': 'refunds/create' }, body)),
    );

    expect(draft).toMatchObject({
      type: 'shopify.refunds/create',
      entity: { kind: 'order', id: 'jsmith.myshopify.com:450789469' },
    });
  });

  it('names the entity of another resource after its GraphQL type', () => {
    const body =
      '{"id":788032119674292922,"updated_at":"2022-01-01T00:00:00-05:00","admin_graphql_api_id":"gid://shopify/InventoryItem/788032119674292922"}';

    const draft = onlyDraft(
      normalize(aShopifyDelivery('orders-create', { 'x-shopify-topic': 'inventory_items/update' }, body)),
    );

    expect(draft).toMatchObject({
      type: 'shopify.inventory_items/update',
      entity: { kind: 'inventory_item', id: 'jsmith.myshopify.com:788032119674292922' },
    });
  });

  it('orders a customer data request under the customer it names', () => {
    const body =
      '{"shop_id":954889,"shop_domain":"jsmith.myshopify.com","orders_requested":[299938,280263],"customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"data_request":{"id":9999}}';

    const draft = onlyDraft(
      normalize(aShopifyDelivery('orders-create', { 'x-shopify-topic': 'customers/data_request' }, body)),
    );

    expect(draft.entity).toEqual({ kind: 'customer', id: 'jsmith.myshopify.com:191167' });
  });

  it('leaves the entity out when the shop domain is missing', () => {
    const { 'x-shopify-shop-domain': _shop, ...headers } = shopifyFixture('orders-create').headers;

    expect(onlyDraft(normalize(aShopifyRequest({ headers }))).entity).toBeUndefined();
  });

  it.each([
    ['no topic', { 'x-shopify-topic': '' }],
    ['a topic Shopify never sends', { 'x-shopify-topic': 'orders create' }],
    ['no event or webhook id', { 'x-shopify-event-id': '', 'x-shopify-webhook-id': '' }],
  ])('treats a delivery with %s as unreadable', (_case, headers) => {
    expect(normalize(aShopifyDelivery('orders-create', headers))).toEqual([
      expect.objectContaining({ kind: 'unreadable' }),
    ]);
  });

  it.each([
    ['not JSON', 'hello'],
    ['a JSON array', '[]'],
    ['an id that is an object', '{"id":{"a":1}}'],
  ])('returns one unreadable item, keeping the ids, for a body that is %s', (_case, body) => {
    const fixture = shopifyFixture('orders-create');

    expect(normalize(aShopifyDelivery('orders-create', {}, body))).toEqual([
      expect.objectContaining({
        kind: 'unreadable',
        externalId: fixture.headers['x-shopify-event-id'],
        providerType: 'orders/create',
      }),
    ]);
  });

  it('never throws for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(normalize(aShopifyRequest({ body: Buffer.from(bytes) }))).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});
