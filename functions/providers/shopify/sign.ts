import { createHmac } from 'node:crypto';

/**
 * Signs a request as Shopify does, for developer tooling (`relayflow send`, local runs, e2e tests).
 * @returns the `x-shopify-hmac-sha256` header to add. Shopify signs no timestamp, so `now` is unused.
 */
export const signShopifyRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  _now: Date,
): Record<string, string> => ({
  'x-shopify-hmac-sha256': createHmac('sha256', secret).update(req.body).digest('base64'),
});
