import { createHmac } from 'node:crypto';
import { matchSecret } from '#shared/crypto/compare';
import { decodeHexDigest } from '#shared/crypto/encoding';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import { mailgunBodies, readMailgunBody, type MailgunBody } from './body';
import type { MailgunOptions } from './index';

const UNIX_SECONDS = /^\d{1,12}$/;
/** Mailgun's tokens are 50 characters; the bound only keeps hostile input small. */
const MAX_TOKEN_LENGTH = 512;

interface SignatureFields {
  readonly timestamp: string;
  readonly token: string;
  readonly signatures: readonly string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const own = (record: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/**
 * The JSON webhook's `signature` object: `timestamp` (a string or a number), `token` and
 * `signature` strings, and a subaccount's `parent-signature` (made with the primary account's
 * key) when present. Read field by field rather than through a schema: this runs on every
 * request before anything is known to be authentic.
 */
const jsonSignatureFields = (value: unknown): SignatureFields | undefined => {
  const signature = isRecord(value) ? own(value, 'signature') : undefined;
  if (!isRecord(signature)) return undefined;
  const timestamp = own(signature, 'timestamp');
  const token = own(signature, 'token');
  const hex = own(signature, 'signature');
  const parent = own(signature, 'parent-signature');
  if (typeof timestamp !== 'string' && typeof timestamp !== 'number') return undefined;
  if (typeof token !== 'string' || typeof hex !== 'string') return undefined;
  if (parent !== undefined && typeof parent !== 'string') return undefined;
  return {
    timestamp: String(timestamp),
    token,
    signatures: parent === undefined ? [hex] : [hex, parent],
  };
};

const signatureFieldsOf = (body: MailgunBody): SignatureFields | undefined => {
  if (body.kind === 'json') return jsonSignatureFields(body.value);
  if (body.kind !== 'form') return undefined;
  const { fields } = body;
  const timestamp = fields.get('timestamp');
  const token = fields.get('token');
  const signature = fields.get('signature');
  if (timestamp === undefined || token === undefined || signature === undefined) return undefined;
  return { timestamp, token, signatures: [signature] };
};

const hmacOf = (key: string, timestamp: string, token: string): Buffer =>
  createHmac('sha256', key)
    .update(timestamp + token)
    .digest();

/**
 * Verifies a Mailgun webhook: the signature travels in the body (`signature.{timestamp, token,
 * signature}` in JSON, top-level fields in legacy forms) and is the hex HMAC-SHA256 of
 * `timestamp + token` under the webhook signing key. Mailgun signs neither the event data nor
 * the URL, so an ok result carries the token as a nonce: the ingest refuses a token seen twice,
 * which stops a captured signature from being reused with other event data. A subaccount's
 * `parent-signature` (made with the primary account's key) is accepted as well.
 */
export const verifyMailgun = ({
  request,
  secrets,
  now,
  options,
}: VerifyInput<MailgunOptions>): VerifyResult => {
  const body = readMailgunBody(request.headers, request.body);
  const fields = signatureFieldsOf(body);
  if (fields === undefined || !fields.timestamp || !fields.token || !fields.signatures[0]) {
    return {
      ok: false,
      reason: 'missing',
      detail: 'The body carries no Mailgun timestamp, token and signature.',
    };
  }
  if (!UNIX_SECONDS.test(fields.timestamp)) {
    return { ok: false, reason: 'signature', detail: 'The Mailgun timestamp is not a unix time in seconds.' };
  }
  if (fields.token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'signature', detail: 'The Mailgun token is longer than any Mailgun issues.' };
  }
  const ageSeconds = Math.floor(now.getTime() / 1000) - Number(fields.timestamp);
  if (Math.abs(ageSeconds) > options.toleranceSeconds) {
    return {
      ok: false,
      reason: 'stale',
      detail: `The Mailgun timestamp is ${ageSeconds} s away from now, beyond the tolerance.`,
    };
  }
  const candidates: Buffer[] = [];
  for (const hex of fields.signatures) {
    const candidate = decodeHexDigest(hex, 32);
    if (candidate !== undefined) candidates.push(candidate);
  }
  if (candidates.length === 0) {
    return { ok: false, reason: 'signature', detail: 'The Mailgun signature is not a hex SHA-256 digest.' };
  }
  const { timestamp, token } = fields;
  const match = matchSecret(secrets, candidates, (secret) => hmacOf(secret, timestamp, token));
  if (match === undefined) {
    return {
      ok: false,
      reason: 'signature',
      detail: 'The Mailgun signature matches none of the active signing keys.',
    };
  }
  mailgunBodies.keep(request, body);
  return {
    ok: true,
    secretIndex: match.index,
    signature: match.signature,
    nonce: { value: token, ttlSeconds: 2 * options.toleranceSeconds },
  };
};
