import { webcrypto } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { shopifyOptionsSchema, type ShopifyOptions } from '#shared/providers/shopify/index';
import type { VerifyInput, WebhookRequest } from '#shared/providers/types';

const FIXTURE_DIR = path.join(__dirname, '../../../functions/providers/shopify/fixtures');

export interface ShopifyFixture {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  /** The exact body text: Shopify ids exceed 2^53 and would be rounded by a JSON value. */
  readonly body: string;
}

export const shopifyFixtures = (): ShopifyFixture[] =>
  readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(path.join(FIXTURE_DIR, file), 'utf8')) as Omit<ShopifyFixture, 'name'>),
    }));

export const shopifyFixture = (name: string): ShopifyFixture => {
  const fixture = shopifyFixtures().find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`No Shopify fixture named ${name}`);
  return fixture;
};

/**
 * Shopify publishes no small signer, so the oracle is its documented algorithm written
 * independently of the provider (Web Crypto rather than node:crypto's createHmac):
 * base64(HMAC-SHA256(client secret, raw body)).
 */
export const specShopifyHmac = async (secret: string, body: Buffer): Promise<string> => {
  const key = await webcrypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await webcrypto.subtle.sign('HMAC', key, body);
  return Buffer.from(mac).toString('base64');
};

export const aShopifyRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => {
  const fixture = shopifyFixture('orders-create');
  return {
    method: 'POST',
    url: 'https://hooks.example.com/webhooks/shopify',
    path: '/webhooks/shopify',
    rawQueryString: '',
    headers: fixture.headers,
    body: Buffer.from(fixture.body),
    sourceIp: '34.150.1.1',
    ...overrides,
  };
};

/** A delivery of `body` with the fixture's headers plus `headers`. */
export const aShopifyDelivery = (
  fixtureName: string,
  headers: Record<string, string> = {},
  body?: string,
): WebhookRequest => {
  const fixture = shopifyFixture(fixtureName);
  return aShopifyRequest({
    headers: { ...fixture.headers, ...headers },
    body: Buffer.from(body ?? fixture.body),
  });
};

export const shopifyOptions = (): ShopifyOptions => shopifyOptionsSchema.parse({});

export const aShopifyVerifyInput = (
  request: WebhookRequest,
  secrets: readonly string[],
): VerifyInput<ShopifyOptions> => ({
  request,
  secrets,
  now: new Date('2025-06-01T12:00:00.000Z'),
  options: shopifyOptions(),
});
