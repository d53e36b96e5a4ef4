import { createHmac } from 'node:crypto';
import { matchSecret } from '#shared/crypto/compare';
import { decodeHexDigest } from '#shared/crypto/encoding';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import type { GithubOptions } from './index';

const PREFIX = 'sha256=';

/**
 * Checks `X-Hub-Signature-256`: `sha256=` + hex HMAC-SHA256 of the raw body, with every active
 * secret. GitHub signs no timestamp, so there is no staleness check: a captured delivery can be
 * replayed, and only the delivery-id deduplication at ingest makes the replay harmless.
 *
 * node:crypto rather than `@octokit/webhooks-methods`: that library takes the payload as a
 * string and re-encodes it as UTF-8, so bytes that are not valid UTF-8 would be verified as
 * U+FFFD instead of as received (see README.md).
 */
export const verifyGithub = ({ request, secrets }: VerifyInput<GithubOptions>): VerifyResult => {
  const header = request.headers['x-hub-signature-256'];
  if (header === undefined || header.trim() === '') {
    return { ok: false, reason: 'missing', detail: 'X-Hub-Signature-256 header is missing.' };
  }
  const value = header.trim();
  const digest = value.startsWith(PREFIX) ? decodeHexDigest(value.slice(PREFIX.length), 32) : undefined;
  if (digest === undefined) {
    return {
      ok: false,
      reason: 'signature',
      detail: 'X-Hub-Signature-256 is not sha256= followed by 64 hex digits.',
    };
  }
  const match = matchSecret(secrets, [digest], (secret) =>
    // An empty secret would let anyone sign; it never matches.
    secret === '' ? Buffer.alloc(0) : createHmac('sha256', secret).update(request.body).digest(),
  );
  if (match === undefined)
    return { ok: false, reason: 'signature', detail: 'X-Hub-Signature-256 matches no active secret.' };
  return { ok: true, secretIndex: match.index, signature: match.signature };
};
