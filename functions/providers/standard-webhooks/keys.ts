import { createPublicKey, type KeyObject } from 'node:crypto';

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical padded base64, or nothing: Node's decoder silently skips stray characters and
 * ignores the unused low bits of the last character, so two spellings would decode alike.
 */
export const strictBase64 = (text: string): Buffer | undefined => {
  if (text.length === 0 || !STRICT_BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
};

export const PUBLIC_KEY_PREFIX = 'whpk_';
export const PRIVATE_KEY_PREFIX = 'whsk_';
export const SECRET_PREFIX = 'whsec_';

/** A configured key: `whpk_<base64 Ed25519 public key>`, else `[whsec_]<base64 HMAC key>`. */
export type VerificationKey =
  { readonly kind: 'hmac'; readonly key: Buffer } | { readonly kind: 'ed25519'; readonly key: KeyObject };

export const parseVerificationKey = (secret: string): VerificationKey | undefined => {
  if (secret.startsWith(PUBLIC_KEY_PREFIX)) {
    const raw = strictBase64(secret.slice(PUBLIC_KEY_PREFIX.length));
    if (raw?.length !== 32) return undefined;
    try {
      return {
        kind: 'ed25519',
        key: createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
          format: 'jwk',
        }),
      };
    } catch {
      return undefined;
    }
  }
  const key = strictBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  return key === undefined ? undefined : { kind: 'hmac', key };
};
