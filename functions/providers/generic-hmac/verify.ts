import { createHmac } from 'node:crypto';
import { matchSecret } from '#shared/crypto/compare';
import type { VerifyInput, VerifyResult, WebhookRequest } from '#shared/providers/types';
import { headerValue } from './headers';
import type { GenericHmacOptions } from './schemas';

const TIMESTAMP = /^\d{1,16}$/;
const PLACEHOLDER_PARTS = /(\{(?:timestamp|body|id)\})/;

/** The signed bytes, or why they cannot be assembled (a header they include is missing). */
type Content =
  { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly missing: string };

const missing = (detail: string): Content => ({ ok: false, missing: detail });

/**
 * The signed bytes. Template text is UTF-8, the body is spliced in as the bytes received, so
 * that a body that is not valid UTF-8 is still signed over exactly what arrived.
 */
export const signedContentOf = (
  request: Pick<WebhookRequest, 'headers' | 'body'>,
  options: GenericHmacOptions,
): Content => {
  const timestamp = options.timestamp;
  if (timestamp === undefined) return { ok: true, bytes: request.body };
  const timestampValue = headerValue(request.headers, timestamp.header);
  if (timestampValue === undefined) return missing(`The ${timestamp.header} header is missing.`);
  const parts: Buffer[] = [];
  for (const part of timestamp.signedContent.split(PLACEHOLDER_PARTS)) {
    if (part === '{body}') {
      parts.push(request.body);
    } else if (part === '{timestamp}') {
      parts.push(Buffer.from(timestampValue, 'utf8'));
    } else if (part === '{id}') {
      const idValue = 'header' in options.id ? headerValue(request.headers, options.id.header) : undefined;
      if (idValue === undefined) return missing('The event id header that the signature covers is missing.');
      parts.push(Buffer.from(idValue, 'utf8'));
    } else {
      parts.push(Buffer.from(part, 'utf8'));
    }
  }
  return { ok: true, bytes: Buffer.concat(parts) };
};

/** The signature a secret gives these bytes, encoded as the sender encodes it (without prefix). */
export const digestOf = (options: GenericHmacOptions, secret: string, content: Buffer): string =>
  createHmac(options.algorithm, secret).update(content).digest(options.encoding);

const staleness = (input: VerifyInput<GenericHmacOptions>): VerifyResult | undefined => {
  const timestamp = input.options.timestamp;
  if (timestamp === undefined) return undefined;
  const value = headerValue(input.request.headers, timestamp.header) ?? '';
  if (!TIMESTAMP.test(value))
    return {
      ok: false,
      reason: 'signature',
      detail: `The ${timestamp.header} header is not a whole number.`,
    };
  const sentMs = timestamp.unit === 'seconds' ? Number(value) * 1000 : Number(value);
  const toleranceMs = (timestamp.toleranceSeconds ?? input.options.toleranceSeconds) * 1000;
  if (Math.abs(input.now.getTime() - sentMs) > toleranceMs) {
    return {
      ok: false,
      reason: 'stale',
      detail: 'The signed timestamp is outside the allowed clock difference.',
    };
  }
  return undefined;
};

/**
 * Checks one signature header (a single value, never a list) against every active secret in
 * constant time. The signature is compared as the encoded text the sender sends (lower-case hex,
 * padded base64), so that any changed character is a mismatch. The timestamp is checked after
 * the signature, so that `stale` always means an authentic but old request.
 */
export const verifyGenericHmac = (input: VerifyInput<GenericHmacOptions>): VerifyResult => {
  const { request, options, secrets } = input;
  const header = headerValue(request.headers, options.signatureHeader);
  if (header === undefined)
    return { ok: false, reason: 'missing', detail: `The ${options.signatureHeader} header is missing.` };
  const prefix = options.prefix ?? '';
  if (!header.startsWith(prefix)) {
    return {
      ok: false,
      reason: 'signature',
      detail: `The ${options.signatureHeader} header does not start with the expected prefix.`,
    };
  }
  const content = signedContentOf(request, options);
  if (!content.ok) return { ok: false, reason: 'missing', detail: content.missing };
  const candidate = Buffer.from(header.slice(prefix.length), 'utf8');
  const match = matchSecret(secrets, [candidate], (secret) =>
    Buffer.from(digestOf(options, secret, content.bytes), 'utf8'),
  );
  if (match === undefined)
    return { ok: false, reason: 'signature', detail: 'The signature does not match any active secret.' };
  return (
    staleness(input) ?? {
      ok: true,
      secretIndex: match.index,
      signature: Buffer.from(match.signature.toString('utf8'), options.encoding),
    }
  );
};
