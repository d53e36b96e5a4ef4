import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import type { SendgridOptions } from './index';

export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

const UNIX_SECONDS = /^\d{1,12}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

// Parsing a key costs more than verifying with it; public keys are not secret, so caching
// them is safe. The cap keeps a stream of hostile or rotated keys from growing it forever.
const KEY_CACHE_LIMIT = 32;
const keyCache = new Map<string, KeyObject | null>();

/**
 * Reads a verification key as SendGrid shows it (base64 of the DER SubjectPublicKeyInfo) or as
 * a PEM. Anything that is not a P-256 public key is unusable and never verifies.
 */
const parseVerificationKey = (secret: string): KeyObject | null => {
  const cached = keyCache.get(secret);
  if (cached !== undefined) return cached;
  let key: KeyObject | null = null;
  try {
    const trimmed = secret.trim();
    const parsed = trimmed.includes('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
    if (parsed.asymmetricKeyType === 'ec' && parsed.asymmetricKeyDetails?.namedCurve === 'prime256v1')
      key = parsed;
  } catch {
    key = null;
  }
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(secret, key);
  return key;
};

/** The order n of P-256: a signature (r, s) verifies exactly when (r, n - s) does. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * A verified DER signature as r ‖ s (32 bytes each) with the lower of s and n - s. Anyone can
 * turn a valid ECDSA signature into a second one (n - s) without the key, so the header's bytes
 * do not name one signature; this form does. Reads only DER that has just verified (a SEQUENCE
 * of two short INTEGERs).
 */
const canonicalSignature = (der: Buffer): Buffer => {
  const integers: bigint[] = [];
  for (let at = 2; at + 1 < der.length && integers.length < 2;) {
    const length = der[at + 1] ?? 0;
    integers.push(BigInt(`0x${der.subarray(at + 2, at + 2 + length).toString('hex') || '0'}`));
    at += 2 + length;
  }
  const [r = 0n, s = 0n] = integers;
  const lowS = s > P256_ORDER / 2n ? P256_ORDER - s : s;
  return Buffer.from(`${r.toString(16).padStart(64, '0')}${lowS.toString(16).padStart(64, '0')}`, 'hex');
};

const verifiesWith = (key: KeyObject, signedBytes: Buffer, signature: Buffer): boolean => {
  try {
    return verify('sha256', signedBytes, key, signature);
  } catch {
    return false;
  }
};

/**
 * Verifies a Signed Event Webhook request: an ECDSA P-256/SHA-256 signature (base64 DER) over
 * the timestamp header's bytes followed by the exact body bytes. The secrets are the public
 * verification keys; each one is tried so that a key rotation loses no request. Comparison
 * timing is not a concern here: nothing secret is compared, the check is a public-key verify.
 */
export const verifySendgrid = ({
  request,
  secrets,
  now,
  options,
}: VerifyInput<SendgridOptions>): VerifyResult => {
  const signatureHeader = request.headers[SIGNATURE_HEADER];
  const timestampHeader = request.headers[TIMESTAMP_HEADER];
  if (!signatureHeader || !timestampHeader) {
    return { ok: false, reason: 'missing', detail: 'The SendGrid signature or timestamp header is missing.' };
  }
  const timestamp = timestampHeader.trim();
  if (!UNIX_SECONDS.test(timestamp)) {
    return {
      ok: false,
      reason: 'signature',
      detail: 'The SendGrid timestamp header is not a unix time in seconds.',
    };
  }
  const ageSeconds = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (Math.abs(ageSeconds) > options.toleranceSeconds) {
    return {
      ok: false,
      reason: 'stale',
      detail: `The SendGrid timestamp is ${ageSeconds} s away from now, beyond the tolerance.`,
    };
  }
  const signatureText = signatureHeader.trim();
  if (!BASE64.test(signatureText)) {
    return { ok: false, reason: 'signature', detail: 'The SendGrid signature header is not base64.' };
  }
  const signature = Buffer.from(signatureText, 'base64');
  const signedBytes = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.body]);
  for (const [index, secret] of secrets.entries()) {
    const key = parseVerificationKey(secret);
    if (key && verifiesWith(key, signedBytes, signature))
      return { ok: true, secretIndex: index, signature: canonicalSignature(signature) };
  }
  return {
    ok: false,
    reason: 'signature',
    detail: 'The SendGrid signature matches none of the active verification keys.',
  };
};
