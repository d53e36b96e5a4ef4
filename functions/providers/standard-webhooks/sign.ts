import { createHmac, createPrivateKey, randomUUID, sign } from 'node:crypto';
import { PRIVATE_KEY_PREFIX, SECRET_PREFIX, strictBase64 } from './keys';

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Signs a request as a Standard Webhooks sender does, for developer tooling (`relayflow send`,
 * local runs, e2e tests). `secret` is `whsec_<base64 key>` (a `v1` HMAC signature) or
 * `whsk_<base64 Ed25519 seed>` (a `v1a` signature, verified with the matching `whpk_` key).
 * @returns `webhook-id` (kept from `req.headers` when present, else a fresh `msg_…`),
 *   `webhook-timestamp` and `webhook-signature`.
 */
export const signStandardWebhooksRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  now: Date,
): Record<string, string> => {
  const id = req.headers['webhook-id'] ?? `msg_${randomUUID().replace(/-/g, '')}`;
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), req.body]);
  let signature: string;
  if (secret.startsWith(PRIVATE_KEY_PREFIX)) {
    const seed = strictBase64(secret.slice(PRIVATE_KEY_PREFIX.length));
    if (seed?.length !== 32) throw new Error('A whsk_ key must be the base64 of a 32-byte Ed25519 seed.');
    const key = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    signature = `v1a,${sign(null, content, key).toString('base64')}`;
  } else {
    const key = strictBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
    if (key === undefined) throw new Error('A whsec_ secret must be followed by base64.');
    signature = `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
  }
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
};
