import { createHmac } from 'node:crypto';
import { parse, stringify } from 'node:querystring';
import { constantTimeEqual } from '#shared/crypto/compare';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import { formParams } from './params';
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
 * The URLs `validateRequest` of the official `twilio` library accepts a signature for: the URL
 * as received with and without its port, then the WHATWG-normalized URL with and without its
 * port, each also with the legacy query encoding.
 */
export const twilioCandidateUrls = (url: string): string[] => {
  const normal = normalized(url);
  const normalVariants = normal === undefined ? [] : portVariants(normal);
  return [...new Set([...portVariants(url), ...normalVariants, ...normalVariants.map(withLegacyQuery)])];
};

/**
 * Each parameter name and value, names sorted by UTF-16 code units; a repeated name contributes
 * each distinct value once, values sorted, as the official library does.
 */
const paramsText = (params: ReadonlyMap<string, readonly string[]>): string =>
  [...params.keys()]
    .sort()
    .flatMap((name) => {
      const values = params.get(name) ?? [];
      return (values.length === 1 ? values : [...new Set(values)].sort()).map((value) => `${name}${value}`);
    })
    .join('');

/** The signed bytes: the URL followed by the parameters, as UTF-8. */
export const twilioSignedContent = (url: string, params: ReadonlyMap<string, readonly string[]>): Buffer =>
  Buffer.from(`${url}${paramsText(params)}`, 'utf8');

export const twilioSignature = (authToken: string, content: Buffer): string =>
  createHmac('sha1', authToken).update(content).digest('base64');

/**
 * Verifies `X-Twilio-Signature` (base64 HMAC-SHA1 with the auth token) over the public URL and
 * the sorted form parameters, trying every URL variant the official library tries against every
 * active auth token. Twilio signs no timestamp: there is no replay window to check, and a
 * replayed callback is caught only by deduplication.
 */
export const verifyTwilio = (input: VerifyInput<TwilioOptions>): VerifyResult => {
  const { request, secrets } = input;
  const signature = Object.hasOwn(request.headers, SIGNATURE_HEADER)
    ? request.headers[SIGNATURE_HEADER]
    : undefined;
  if (typeof signature !== 'string' || signature.length === 0)
    return { ok: false, reason: 'missing', detail: 'The X-Twilio-Signature header is missing.' };
  const provided = Buffer.from(signature, 'utf8');
  const signedParams = paramsText(formParams(request.body));
  const urls = twilioCandidateUrls(request.url);
  for (const [secretIndex, secret] of secrets.entries()) {
    // Every URL variant is compared without an early exit so that timing does not reveal which one matched.
    let matched: string | undefined;
    for (const url of urls) {
      const expected = twilioSignature(secret, Buffer.from(`${url}${signedParams}`, 'utf8'));
      if (constantTimeEqual(Buffer.from(expected, 'utf8'), provided)) matched = expected;
    }
    if (matched !== undefined) return { ok: true, secretIndex, signature: Buffer.from(matched, 'base64') };
  }
  return { ok: false, reason: 'signature', detail: 'The signature does not match any active auth token.' };
};
