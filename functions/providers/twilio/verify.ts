import { createHmac } from 'node:crypto';
import { parse, stringify } from 'node:querystring';
import { matchSecret, type SecretMatch } from '#shared/crypto/compare';
import { decodeBase64Digest } from '#shared/crypto/encoding';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import { formParams, twilioBodies } from './params';
import type { TwilioOptions } from './schemas';

export const SIGNATURE_HEADER = 'x-twilio-signature';

const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is;

/** The URL without any port and with the scheme's default port (or its own), as Twilio may have signed either. */
const portVariants = (url: string): string[] => {
  const match = AUTHORITY.exec(url);
  if (match === null) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const userInfoEnd = authority.lastIndexOf('@') + 1;
  const userInfo = authority.slice(0, userInfoEnd);
  const hostAndPort = authority.slice(userInfoEnd);
  const colon = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  const host = colon < 0 ? hostAndPort : hostAndPort.slice(0, colon);
  const port = colon < 0 ? (scheme.toLowerCase() === 'https://' ? ':443' : ':80') : hostAndPort.slice(colon);
  return [`${scheme}${userInfo}${host}${rest}`, `${scheme}${userInfo}${host}${port}${rest}`];
};

/** The query re-encoded as Node's legacy `querystring` does, as some back ends signed it. */
const withLegacyQuery = (url: string): string => {
  const start = url.indexOf('?');
  return start < 0 || start === url.length - 1
    ? url
    : `${url.slice(0, start)}?${stringify(parse(url.slice(start + 1)))}`;
};

const normalized = (url: string): string | undefined => {
  try {
    return new URL(url).toString();
  } catch {
    return undefined;
  }
};

/**
 * What `validateRequest` of the official `twilio` library tries once the URL as received (without
 * and with its port) has failed: the WHATWG-normalized URL without and with its port, each also
 * with the legacy query encoding; those not tried already.
 */
const normalizedUrls = (url: string, tried: readonly string[]): string[] => {
  const normal = normalized(url);
  const variants = normal === undefined ? [] : portVariants(normal);
  return [...new Set([...variants, ...variants.map(withLegacyQuery)])].filter(
    (candidate) => !tried.includes(candidate),
  );
};

/**
 * The parameters as Twilio signs them: each name and value, names sorted by UTF-16 code units; a
 * repeated name contributes each distinct value once, values sorted, as the official library does.
 */
export const twilioSignedParams = (params: ReadonlyMap<string, readonly string[]>): string => {
  let text = '';
  for (const name of [...params.keys()].sort()) {
    const values = params.get(name) ?? [];
    for (const value of values.length === 1 ? values : [...new Set(values)].sort()) text += `${name}${value}`;
  }
  return text;
};

/**
 * HMAC-SHA1 with the auth token of the URL followed by the signed parameters, as UTF-8. The
 * official library encodes the two joined; apart they give the same bytes, as parameters read
 * from a form hold no lone surrogate that could pair across the joint. Handed to the HMAC as text,
 * they are encoded straight into it rather than into a buffer of their own first.
 */
export const twilioDigest = (authToken: string, url: string, signedParams: string): Buffer =>
  createHmac('sha1', authToken).update(url).update(signedParams).digest();

/**
 * The first URL, in order, whose digest under an active token is the one provided. Every
 * comparison takes constant time. A match ends the search, as it does for any provider's
 * secrets: which URL matched tells nothing secret (the URL is public, and only a sender holding a
 * token can make one match), while a forged signature still costs every URL under every token.
 */
const matchUrl = (
  secrets: readonly string[],
  urls: readonly string[],
  signedParams: string,
  provided: Buffer,
): SecretMatch | undefined => {
  for (const url of urls) {
    const match = matchSecret(secrets, [provided], (secret) => twilioDigest(secret, url, signedParams));
    if (match !== undefined) return match;
  }
  return undefined;
};

const mismatch = (): VerifyResult => ({
  ok: false,
  reason: 'signature',
  detail: 'The signature does not match any active auth token.',
});

/**
 * Verifies `X-Twilio-Signature` (base64 HMAC-SHA1 with the auth token) over the public URL and
 * the sorted form parameters, trying the URL variants the official library tries, in its order,
 * against every active auth token. Twilio signs no timestamp: there is no replay window to
 * check, and a replayed callback is caught only by deduplication. The parameters of a verified
 * request are handed to the normalizer.
 */
export const verifyTwilio = (input: VerifyInput<TwilioOptions>): VerifyResult => {
  const { request, secrets } = input;
  const signature = Object.hasOwn(request.headers, SIGNATURE_HEADER)
    ? request.headers[SIGNATURE_HEADER]
    : undefined;
  if (typeof signature !== 'string' || signature.length === 0)
    return { ok: false, reason: 'missing', detail: 'The X-Twilio-Signature header is missing.' };
  // Only the canonical base64 Twilio writes is compared; any other spelling matches nothing.
  const provided = decodeBase64Digest(signature, 20);
  if (provided === undefined) return mismatch();
  const params = formParams(request.body);
  const signedParams = twilioSignedParams(params);
  const received = [...new Set(portVariants(request.url))];
  const match =
    matchUrl(secrets, received, signedParams, provided) ??
    matchUrl(secrets, normalizedUrls(request.url, received), signedParams, provided);
  if (match !== undefined) {
    twilioBodies.keep(request, params);
    return { ok: true, secretIndex: match.index, signature: match.signature };
  }
  return mismatch();
};
