import { hash, type BinaryLike } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { firstMatchingSecret } from '#shared/crypto/compare';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import type { PostmarkOptions } from './index';
import { isIpOrCidr } from './schemas';

const BASIC = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

// Comparing digests rather than the credentials keeps both sides the same length, so the
// comparison time tells nothing about a password's length either. One-shot: no Hash object.
const digest = (credentials: BinaryLike): Buffer => hash('sha256', credentials, 'buffer');

const NOTHING = Buffer.alloc(0);

/**
 * The digest of each active `username:password` in base64, computed once rather than for every
 * request. Keyed by the credentials, which the secrets cache holds in memory all the same;
 * cleared when full, so that rotated-out ones do not pile up.
 */
const CREDENTIAL_CACHE_LIMIT = 16;
const credentialDigests = new Map<string, Buffer>();

const credentialDigest = (secret: string): Buffer => {
  const cached = credentialDigests.get(secret);
  if (cached !== undefined) return cached;
  // A secret without a colon is no username:password pair; its empty digest never matches.
  const computed = secret.includes(':') ? digest(Buffer.from(secret, 'utf8').toString('base64')) : NOTHING;
  if (credentialDigests.size >= CREDENTIAL_CACHE_LIMIT) credentialDigests.clear();
  credentialDigests.set(secret, computed);
  return computed;
};

/** Built once per configured list (the options live as long as the function), not per request. */
const allowLists = new WeakMap<readonly string[], BlockList>();

const allowListOf = (entries: readonly string[]): BlockList => {
  const built = allowLists.get(entries);
  if (built !== undefined) return built;
  const list = new BlockList();
  for (const entry of entries) {
    if (!isIpOrCidr(entry)) continue;
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  allowLists.set(entries, list);
  return list;
};

const isAllowedSource = (sourceIp: string, allowed: readonly string[]): boolean => {
  if (allowed.length === 0) return true;
  // A dual-stack front end may report an IPv4 caller as ::ffff:a.b.c.d.
  const address = IPV4_MAPPED.exec(sourceIp)?.[1] ?? sourceIp;
  const family = isIP(address);
  if (family === 0) return false;
  return allowListOf(allowed).check(address, family === 4 ? 'ipv4' : 'ipv6');
};

/**
 * Postmark signs nothing: a request is authentic when it carries the HTTP Basic credentials
 * configured on the webhook (each active secret is `username:password`) and, when an
 * allowlist is configured, comes from an allowed address. Every refusal is `unauthorized`.
 */
export const verifyPostmark = ({ request, secrets, options }: VerifyInput<PostmarkOptions>): VerifyResult => {
  if (!isAllowedSource(request.sourceIp, options.allowedSourceIps)) {
    return { ok: false, reason: 'unauthorized', detail: 'The source IP is not in the Postmark allowlist.' };
  }
  const authorization = request.headers.authorization;
  if (!authorization) {
    return { ok: false, reason: 'unauthorized', detail: 'The request carries no Basic credentials.' };
  }
  const token = BASIC.exec(authorization)?.[1];
  if (token === undefined) {
    return {
      ok: false,
      reason: 'unauthorized',
      detail: 'The authorization header is not Basic credentials.',
    };
  }
  // The token as sent, undecoded: only the canonical base64 of the credentials, which is what
  // clients write (RFC 7617 uses RFC 4648 base64), matches; Node's lenient decoder would also
  // accept other spellings of the same bytes.
  const presented = digest(token);
  const index = firstMatchingSecret(secrets, [presented], credentialDigest);
  if (index === -1) {
    return {
      ok: false,
      reason: 'unauthorized',
      detail: 'The Basic credentials match none of the active credentials.',
    };
  }
  // Basic auth signs nothing: there is no signature to name.
  return { ok: true, secretIndex: index, signature: NOTHING };
};
