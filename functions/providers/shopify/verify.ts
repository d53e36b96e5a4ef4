import { createHmac } from 'node:crypto';
import { matchSecret } from '#shared/crypto/compare';
import { decodeBase64Digest } from '#shared/crypto/encoding';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import type { ShopifyOptions } from './index';

/**
 * Checks `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body keyed with the app's client
 * secret, with every active secret. Shopify signs no timestamp and none of its headers, so a
 * captured delivery can be replayed; the event-id deduplication at ingest makes that harmless.
 */
export const verifyShopify = ({ request, secrets }: VerifyInput<ShopifyOptions>): VerifyResult => {
  const header = request.headers['x-shopify-hmac-sha256']?.trim();
  if (header === undefined || header === '') {
    return { ok: false, reason: 'missing', detail: 'X-Shopify-Hmac-Sha256 header is missing.' };
  }
  const digest = decodeBase64Digest(header, 32);
  if (digest === undefined) {
    return {
      ok: false,
      reason: 'signature',
      detail: 'X-Shopify-Hmac-Sha256 is not the base64 of a SHA-256 digest.',
    };
  }
  const match = matchSecret(secrets, [digest], (secret) =>
    // An empty secret would let anyone sign; it never matches.
    secret === '' ? Buffer.alloc(0) : createHmac('sha256', secret).update(request.body).digest(),
  );
  if (match === undefined)
    return { ok: false, reason: 'signature', detail: 'X-Shopify-Hmac-Sha256 matches no active secret.' };
  return { ok: true, secretIndex: match.index, signature: match.signature };
};
