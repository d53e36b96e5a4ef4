import { createHmac, verify as verifySignature } from 'node:crypto';
import { matchSecret } from '#shared/crypto/compare';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import type { StandardWebhooksOptions } from './index';
import { parseVerificationKey, strictBase64 } from './keys';

/** Far above real values; bounds the work a hostile header can cause. */
const MAX_ID_LENGTH = 256;
const MAX_SIGNATURE_HEADER_LENGTH = 4096;
/**
 * Entries kept per version. A sender lists one signature per key it signs with, and holds two
 * while it rotates; four leaves room for that. The header is not signed, so without a cap a
 * hostile one packs ~44 `v1a` entries into 4 KB and costs 44 Ed25519 verifications of the body
 * per configured key; with it, at most four per key.
 */
const MAX_ENTRIES_PER_VERSION = 4;
// Canonical digits only: senders sign the integer, so `0123` could never be their own header.
const TIMESTAMP = /^(?:0|[1-9]\d{0,11})$/;

interface Candidates {
  readonly hmac: Buffer[];
  readonly ed25519: Buffer[];
}

const keep = (kept: Buffer[], signature: Buffer): void => {
  if (kept.length < MAX_ENTRIES_PER_VERSION && !kept.some((other) => other.equals(signature)))
    kept.push(signature);
};

/**
 * `v1,<base64 HMAC>` and `v1a,<base64 Ed25519>` entries, space-separated, the first
 * MAX_ENTRIES_PER_VERSION distinct ones of each; other versions are ignored.
 */
const parseSignatures = (header: string): Candidates => {
  const candidates: Candidates = { hmac: [], ed25519: [] };
  for (const entry of header.split(' ')) {
    const comma = entry.indexOf(',');
    const version = entry.slice(0, comma);
    const signature = strictBase64(entry.slice(comma + 1));
    if (comma < 0 || signature === undefined) continue;
    if (version === 'v1' && signature.length === 32) keep(candidates.hmac, signature);
    if (version === 'v1a' && signature.length === 64) keep(candidates.ed25519, signature);
  }
  return candidates;
};

const missing = (name: string): VerifyResult => ({
  ok: false,
  reason: 'missing',
  detail: `${name} header is missing.`,
});

/**
 * Checks a Standard Webhooks delivery: the signed content is `${webhook-id}.${webhook-timestamp}.`
 * followed by the raw body; `v1` entries are HMAC-SHA256 with a `whsec_` key, `v1a` entries are
 * Ed25519 with a `whpk_` public key. Every active key is tried; the secrets may mix both kinds.
 *
 * node:crypto rather than the `standardwebhooks` package: it decodes a Buffer payload to a string
 * and re-encodes it (bytes that are not UTF-8 would be verified as U+FFFD), reads the clock
 * itself, and does not know v1a (see README.md).
 */
export const verifyStandardWebhooks = ({
  request,
  secrets,
  now,
  options,
}: VerifyInput<StandardWebhooksOptions>): VerifyResult => {
  const id = request.headers['webhook-id']?.trim();
  const timestamp = request.headers['webhook-timestamp']?.trim();
  const signatureHeader = request.headers['webhook-signature']?.trim();
  if (!id) return missing('webhook-id');
  if (!timestamp) return missing('webhook-timestamp');
  if (!signatureHeader) return missing('webhook-signature');
  if (id.length > MAX_ID_LENGTH) return { ok: false, reason: 'signature', detail: 'webhook-id is too long.' };
  if (signatureHeader.length > MAX_SIGNATURE_HEADER_LENGTH)
    return { ok: false, reason: 'signature', detail: 'webhook-signature is too long.' };
  if (!TIMESTAMP.test(timestamp))
    return { ok: false, reason: 'signature', detail: 'webhook-timestamp is not a number of seconds.' };

  const ageSeconds = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (Math.abs(ageSeconds) > options.toleranceSeconds) {
    return {
      ok: false,
      reason: 'stale',
      detail: `webhook-timestamp is ${Math.abs(ageSeconds)} s ${ageSeconds > 0 ? 'old' : 'in the future'}; tolerance is ${options.toleranceSeconds} s.`,
    };
  }

  const candidates = parseSignatures(signatureHeader);
  if (candidates.hmac.length === 0 && candidates.ed25519.length === 0) {
    return {
      ok: false,
      reason: 'signature',
      detail: 'webhook-signature has no well-formed v1 or v1a entry.',
    };
  }
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), request.body]);
  for (const [index, secret] of secrets.entries()) {
    const key = parseVerificationKey(secret);
    const signature =
      key?.kind === 'hmac'
        ? matchSecret([secret], candidates.hmac, () => createHmac('sha256', key.key).update(content).digest())
            ?.signature
        : key?.kind === 'ed25519'
          ? candidates.ed25519.find((candidate) => verifySignature(null, content, key.key, candidate))
          : undefined;
    if (signature !== undefined) return { ok: true, secretIndex: index, signature };
  }
  return { ok: false, reason: 'signature', detail: 'No v1 or v1a signature matches an active key.' };
};
