import { createHmac } from 'node:crypto';
import { matchSecret } from '#shared/providers/matching';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import type { ShopifyOptions } from './index';

/** Base64 of a 32-byte digest: 43 characters and one `=` of padding, nothing else. */
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

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
  const digest = Buffer.from(header, 'base64');
  // Canonical spelling only: the last character has unused bits that the decoder ignores.
  if (!BASE64_SHA256.test(header) || digest.toString('base64') !== header) {
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
