import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './verify';

const privateKeyOf = (secret: string): KeyObject => {
  const trimmed = secret.trim();
  return trimmed.includes('-----BEGIN')
    ? createPrivateKey(trimmed)
    : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
};

/**
 * Signs a request the way SendGrid does, for developer tooling. Unlike the verifier's secrets
 * (public keys), `secret` here is the P-256 PRIVATE key, as a PEM or base64 PKCS#8 DER: only
 * a test or local setup that generated its own key pair has one. Throws on an unusable key.
 */
export const signSendgridRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  now: Date,
): Record<string, string> => {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = sign(
    'sha256',
    Buffer.concat([Buffer.from(timestamp, 'utf8'), req.body]),
    privateKeyOf(secret),
  );
  return { [SIGNATURE_HEADER]: signature.toString('base64'), [TIMESTAMP_HEADER]: timestamp };
};
