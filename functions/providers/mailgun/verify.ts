import { createHmac } from 'node:crypto';
import { matchSecret } from '#shared/providers/matching';
import type { VerifyInput, VerifyResult } from '#shared/providers/types';
import { readMailgunBody, type MailgunBody } from './body';
import type { MailgunOptions } from './index';
import { MailgunSignatureSchema } from './schemas';

const UNIX_SECONDS = /^\d{1,12}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
/** Mailgun's tokens are 50 characters; the bound only keeps hostile input small. */
const MAX_TOKEN_LENGTH = 512;

interface SignatureFields {
  readonly timestamp: string;
  readonly token: string;
  readonly signatures: readonly string[];
}

const signatureFieldsOf = (body: MailgunBody): SignatureFields | undefined => {
  if (body.kind === 'form') {
    const { fields } = body;
    const timestamp = fields.get('timestamp');
    const token = fields.get('token');
    const signature = fields.get('signature');
    if (timestamp === undefined || token === undefined || signature === undefined) return undefined;
    return { timestamp, token, signatures: [signature] };
  }
  if (
    body.kind !== 'json' ||
    typeof body.value !== 'object' ||
    body.value === null ||
    Array.isArray(body.value)
  ) {
    return undefined;
  }
  const signature: unknown = Object.hasOwn(body.value, 'signature')
    ? (body.value as { signature: unknown }).signature
    : undefined;
  const parsed = MailgunSignatureSchema.safeParse(signature);
  if (!parsed.success) return undefined;
  const parent = parsed.data['parent-signature'];
  return {
    timestamp: String(parsed.data.timestamp),
    token: parsed.data.token,
    signatures: parent === undefined ? [parsed.data.signature] : [parsed.data.signature, parent],
  };
};

const hmacOf = (key: string, timestamp: string, token: string): Buffer =>
  createHmac('sha256', key)
    .update(timestamp + token, 'utf8')
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
  const fields = signatureFieldsOf(readMailgunBody(request.headers, request.body));
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
  const candidates = fields.signatures
    .filter((signature) => HEX_SHA256.test(signature))
    .map((hex) => Buffer.from(hex, 'hex'));
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
  return {
    ok: true,
    secretIndex: match.index,
    signature: match.signature,
    nonce: { value: token, ttlSeconds: 2 * options.toleranceSeconds },
  };
};
