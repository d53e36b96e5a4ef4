import { shopifyProvider } from '#shared/providers/shopify/index';
import type { WebhookRequest } from '#shared/providers/types';
import {
  aShopifyRequest,
  aShopifyVerifyInput,
  shopifyFixture,
  shopifyOptions,
  specShopifyHmac,
} from '../../../helpers/providers/shopify';

const SECRET = 'shopify-client-secret';
const withHmac = (body: Buffer, hmac: string): WebhookRequest =>
  aShopifyRequest({ body, headers: { 'x-shopify-hmac-sha256': hmac } });

const signatureOf = async (request: WebhookRequest): Promise<Buffer> => {
  const result = await shopifyProvider.verify(aShopifyVerifyInput(request, [SECRET]));
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

describe('shopify provider contract', () => {
  it('returns the computed digest as the signature, whatever whitespace surrounds the header', async () => {
    const body = Buffer.from(shopifyFixture('orders-create').body);
    const hmac = await specShopifyHmac(SECRET, body);

    const [plain, padded] = await Promise.all([
      signatureOf(withHmac(body, hmac)),
      signatureOf(withHmac(body, ` ${hmac} `)),
    ]);

    expect([plain.toString('base64'), padded.toString('base64')]).toEqual([hmac, hmac]);
  });

  it('gives different signature bytes for different bodies', async () => {
    const order = Buffer.from(shopifyFixture('orders-create').body);
    const customer = Buffer.from(shopifyFixture('customers-create').body);

    const [a, b] = await Promise.all([
      signatureOf(withHmac(order, await specShopifyHmac(SECRET, order))),
      signatureOf(withHmac(customer, await specShopifyHmac(SECRET, customer))),
    ]);

    expect(a.equals(b)).toBe(false);
  });

  it('says that its event id and topic are unsigned headers, and masks X-Shopify-Hmac-Sha256', () => {
    expect([
      shopifyProvider.identityFromUnsignedHeaders(shopifyOptions()),
      shopifyProvider.signatureHeaders(shopifyOptions()),
    ]).toEqual([true, ['x-shopify-hmac-sha256']]);
  });
});
