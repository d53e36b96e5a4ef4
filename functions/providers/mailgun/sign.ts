import { createHmac, randomBytes } from 'node:crypto';
import { readMailgunBody } from './body';

/**
 * Signs a request the way Mailgun does, for developer tooling. Mailgun's signature lives in
 * the body, so this returns a NEW body (and no extra headers): a JSON body gets a `signature`
 * object, a urlencoded body gets `timestamp`, `token` and `signature` fields. `secret` is the
 * webhook signing key; the token is random (50 hex characters) unless given. Throws for other
 * bodies (multipart, non-object JSON): tooling should send JSON.
 */
export const signMailgunRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  now: Date,
  token: string = randomBytes(25).toString('hex'),
): { headers: Record<string, string>; body: Buffer } => {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = createHmac('sha256', secret)
    .update(timestamp + token, 'utf8')
    .digest('hex');
  const contentType = req.headers['content-type'] ?? req.headers['Content-Type'] ?? '';
  if (/^\s*application\/x-www-form-urlencoded/i.test(contentType)) {
    const params = new URLSearchParams(req.body.toString('utf8'));
    params.set('timestamp', timestamp);
    params.set('token', token);
    params.set('signature', signature);
    return { headers: {}, body: Buffer.from(params.toString()) };
  }
  const parsed = readMailgunBody({ 'content-type': 'application/json' }, req.body);
  if (
    parsed.kind !== 'json' ||
    typeof parsed.value !== 'object' ||
    parsed.value === null ||
    Array.isArray(parsed.value)
  ) {
    throw new Error('signMailgunRequest signs JSON object or urlencoded bodies only');
  }
  const signed = { ...(parsed.value as Record<string, unknown>), signature: { timestamp, token, signature } };
  return { headers: {}, body: Buffer.from(JSON.stringify(signed)) };
};
