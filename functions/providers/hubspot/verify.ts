import { createHmac } from 'node:crypto';
import { matchSecret } from '#shared/crypto/compare';
import { decodeBase64Digest } from '#shared/crypto/encoding';
import type { VerifyInput, VerifyResult, WebhookRequest } from '#shared/providers/types';
import type { HubspotOptions } from './schemas';

export const SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';

const TIMESTAMP = /^\d{1,16}$/;

/**
 * The percent-encodings HubSpot decodes in the URI before signing (its request-validation
 * docs, v3). Only these, and only as HubSpot writes them (upper-case hex): decoding more would
 * sign a different string than HubSpot did.
 */
const DECODED: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};
const ENCODED = /%(?:3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/g;

/** The URI as HubSpot signs it: the public URL with the listed percent-encodings decoded. */
export const hubspotSignedUri = (url: string): string =>
  url.includes('%') ? url.replace(ENCODED, (encoded) => DECODED[encoded] ?? encoded) : url;

/**
 * The v3 digest under each secret: HMAC-SHA256 of `method + uri + body + timestamp`, the body as
 * the bytes received. Fed in parts, so that the body is not copied into a buffer of its own.
 */
export const hubspotDigester = (
  request: Pick<WebhookRequest, 'method' | 'url' | 'body'>,
  timestamp: string,
): ((secret: string) => Buffer) => {
  const prefix = `${request.method}${hubspotSignedUri(request.url)}`;
  return (secret) =>
    createHmac('sha256', secret).update(prefix).update(request.body).update(timestamp).digest();
};

const header = (request: WebhookRequest, name: string): string | undefined => {
  const value = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/**
 * Verifies `X-HubSpot-Signature-v3` (base64 HMAC-SHA256 with the app's client secret) over
 * method, public URI, raw body and `X-HubSpot-Request-Timestamp` (ms), which must lie within
 * the tolerance in both directions. The signature is checked first, so that `stale` always
 * means an authentic but old request. v1/v2 signatures are not accepted.
 */
export const verifyHubspot = (input: VerifyInput<HubspotOptions>): VerifyResult => {
  const { request, secrets, now, options } = input;
  const signature = header(request, SIGNATURE_HEADER);
  const timestamp = header(request, TIMESTAMP_HEADER);
  if (signature === undefined)
    return { ok: false, reason: 'missing', detail: 'The X-HubSpot-Signature-v3 header is missing.' };
  if (timestamp === undefined)
    return { ok: false, reason: 'missing', detail: 'The X-HubSpot-Request-Timestamp header is missing.' };
  // Only the canonical base64 HubSpot writes is compared; any other spelling matches nothing.
  const provided = decodeBase64Digest(signature, 32);
  const match =
    provided === undefined
      ? undefined
      : matchSecret(secrets, [provided], hubspotDigester(request, timestamp));
  if (match === undefined)
    return {
      ok: false,
      reason: 'signature',
      detail: 'The signature does not match any active client secret.',
    };
  if (!TIMESTAMP.test(timestamp))
    return {
      ok: false,
      reason: 'signature',
      detail: 'The X-HubSpot-Request-Timestamp header is not a whole number.',
    };
  if (Math.abs(now.getTime() - Number(timestamp)) > options.toleranceSeconds * 1000) {
    return {
      ok: false,
      reason: 'stale',
      detail: 'The request timestamp is outside the allowed clock difference.',
    };
  }
  return { ok: true, secretIndex: match.index, signature: match.signature };
};
