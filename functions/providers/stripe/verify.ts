import { createHmac } from 'node:crypto';
import { matchSecret } from '#shared/crypto/compare';
import { decodeHexDigest } from '#shared/crypto/encoding';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import type { StripeOptions } from './index';

/** Far above a real header (a timestamp and a few signatures); bounds the work a hostile header can cause. */
const MAX_HEADER_LENGTH = 2048;
// Canonical digits only: Stripe signs the integer it parsed, so `t=0123` could never be its own header.
const TIMESTAMP = /^(?:0|[1-9]\d{0,11})$/;

interface ParsedHeader {
  readonly timestamp: string;
  readonly signatures: Buffer[];
}

/**
 * Reads `t=…,v1=…[,v1=…]`. Other schemes (v0, future ones) are ignored as Stripe's libraries do.
 * More than one `t` means the header was sent twice (joined with `,`): ambiguous, so refused.
 */
const parseHeader = (header: string): ParsedHeader | string => {
  const timestamps: string[] = [];
  const signatures: Buffer[] = [];
  for (const item of header.split(',')) {
    const separator = item.indexOf('=');
    if (separator < 0) continue;
    const key = item.slice(0, separator).trim();
    const value = item.slice(separator + 1).trim();
    if (key === 't') timestamps.push(value);
    const signature = key === 'v1' ? decodeHexDigest(value, 32) : undefined;
    if (signature !== undefined) signatures.push(signature);
  }
  const [timestamp, ...others] = timestamps;
  if (timestamp === undefined) return 'Stripe-Signature has no timestamp.';
  if (others.length > 0) return 'Stripe-Signature has more than one timestamp.';
  if (!TIMESTAMP.test(timestamp)) return 'Stripe-Signature timestamp is not a number of seconds.';
  if (signatures.length === 0) return 'Stripe-Signature has no well-formed v1 signature.';
  return { timestamp, signatures };
};

/** Checks `Stripe-Signature`: HMAC-SHA256 (hex) of `${t}.` + the raw body, with every active secret. */
export const verifyStripe = ({
  request,
  secrets,
  now,
  options,
}: VerifyInput<StripeOptions>): VerifyResult => {
  const header = request.headers['stripe-signature'];
  if (header === undefined || header.trim() === '') {
    return { ok: false, reason: 'missing', detail: 'Stripe-Signature header is missing.' };
  }
  if (header.length > MAX_HEADER_LENGTH) {
    return { ok: false, reason: 'signature', detail: 'Stripe-Signature header is too long.' };
  }
  const parsed = parseHeader(header);
  if (typeof parsed === 'string') return { ok: false, reason: 'signature', detail: parsed };

  const ageSeconds = Math.floor(now.getTime() / 1000) - Number(parsed.timestamp);
  if (Math.abs(ageSeconds) > options.toleranceSeconds) {
    return {
      ok: false,
      reason: 'stale',
      detail: `Stripe-Signature timestamp is ${Math.abs(ageSeconds)} s ${ageSeconds > 0 ? 'old' : 'in the future'}; tolerance is ${options.toleranceSeconds} s.`,
    };
  }

  const match = matchSecret(secrets, parsed.signatures, (secret) =>
    // An empty secret would let anyone sign; it never matches.
    secret === ''
      ? Buffer.alloc(0)
      : createHmac('sha256', secret).update(`${parsed.timestamp}.`).update(request.body).digest(),
  );
  if (match === undefined)
    return { ok: false, reason: 'signature', detail: 'No v1 signature matches an active secret.' };
  return { ok: true, secretIndex: match.index, signature: match.signature };
};
