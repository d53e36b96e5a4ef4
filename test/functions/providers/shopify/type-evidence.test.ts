import { shopifyProvider } from '#shared/providers/shopify/index';
import type { NormalizedItem } from '#shared/providers/types';
import {
  aShopifyDelivery,
  shopifyFixture,
  shopifyFixtures,
  shopifyOptions,
} from '../../../helpers/providers/shopify';

const normalize = (fixture: string, topic: string, body?: string): NormalizedItem[] =>
  shopifyProvider.normalize(aShopifyDelivery(fixture, { 'x-shopify-topic': topic }, body), shopifyOptions());

/** An order as orders/create delivers it: not cancelled. The fixture is Shopify's sample, which is. */
const openOrder = (): string =>
  shopifyFixture('orders-create').body.replace(/"cancelled_at":\s*"[^"]*"/, '"cancelled_at":null');

describe('shopify type evidence: X-Shopify-Topic must fit the body', () => {
  it.each(shopifyFixtures().map((fixture) => [fixture.name, fixture] as const))(
    'reads the %s fixture under its own topic',
    (_name, fixture) => {
      expect(normalize(fixture.name, fixture.headers['x-shopify-topic'] ?? '')).toMatchObject([
        { kind: 'event' },
      ]);
    },
  );

  it('refuses an orders/create body sent as orders/cancelled, as unreadable with the reason', () => {
    expect(openOrder()).toMatch(/"cancelled_at":null/);

    expect(normalize('orders-create', 'orders/cancelled', openOrder())).toMatchObject([
      {
        kind: 'unreadable',
        providerType: 'orders/cancelled',
        reason:
          'X-Shopify-Topic does not fit the body: an orders/cancelled body has a cancelled_at time, this one has none.',
      },
    ]);
  });

  it('reads an open order under orders/create', () => {
    expect(normalize('orders-create', 'orders/create', openOrder())).toMatchObject([
      { kind: 'event', draft: { type: 'order.created' } },
    ]);
  });

  it.each([
    [
      'customers-create',
      'orders/create',
      'orders/create delivers type Order, admin_graphql_api_id names type Customer.',
    ],
    [
      'orders-create',
      'customers/update',
      'customers/update delivers type Customer, admin_graphql_api_id names type Order.',
    ],
    [
      'orders-create',
      'products/update',
      'products/update delivers type Product, admin_graphql_api_id names type Order.',
    ],
    [
      'customers-delete',
      'refunds/create',
      'refunds/create delivers type Refund, admin_graphql_api_id names type Customer.',
    ],
  ])('refuses a %s body sent as %s: its GraphQL id names another type', (fixture, topic, reason) => {
    expect(normalize(fixture, topic)).toMatchObject([
      { kind: 'unreadable', reason: `X-Shopify-Topic does not fit the body: ${reason}` },
    ]);
  });

  it('passes topics whose resource it cannot map, and bodies without a GraphQL id', () => {
    const withoutGid = openOrder().replace(/"admin_graphql_api_id":\s*"[^"]*",?/, '');

    expect([
      normalize('customers-create', 'app/uninstalled')[0]?.kind,
      normalize('orders-create', 'customers/update', withoutGid)[0]?.kind,
    ]).toEqual(['event', 'event']);
  });
});
