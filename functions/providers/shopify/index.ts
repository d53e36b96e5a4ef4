import * as z from 'zod/mini';
import { builtInDefinition, type Provider } from '#shared/providers/types';
import { normalizeShopify } from './normalize';
import { verifyShopify } from './verify';

export const shopifyOptionsSchema = z.object({
  /** Unused: Shopify signs no timestamp. Kept so that every provider's options share the field. */
  toleranceSeconds: z._default(z.int().check(z.positive()), 300),
});
export type ShopifyOptions = z.infer<typeof shopifyOptionsSchema>;

/** Shopify Admin webhooks over HTTPS (`X-Shopify-Hmac-Sha256`), one event per request. */
export const shopifyProvider: Provider<ShopifyOptions> = {
  id: 'shopify',
  verify: verifyShopify,
  normalize: normalizeShopify,
  // X-Shopify-Event-Id and X-Shopify-Topic are not signed.
  identityFromUnsignedHeaders: () => true,
  signatureHeaders: () => ['x-shopify-hmac-sha256'],
};

/** What the registry and the shopify verifier entry build the provider from. */
export const shopifyDefinition = builtInDefinition(shopifyProvider, shopifyOptionsSchema);
