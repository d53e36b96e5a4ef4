/**
 * Readers for the digests that signature headers spell out. Each accepts one spelling of the
 * digest's length and nothing else, and decodes it once, so that the comparison runs on the
 * bytes rather than on text converted back and forth.
 */

/** The bytes of `bytes`-long hex, in either case; undefined for any other text. */
export const decodeHexDigest = (text: string, bytes: number): Buffer | undefined => {
  if (text.length !== bytes * 2) return undefined;
  // Node stops decoding at the first character that is not hex: a short result means there was one.
  const decoded = Buffer.from(text, 'hex');
  return decoded.length === bytes ? decoded : undefined;
};

/**
 * Canonical padded base64 of a SHA-1 (20-byte) or SHA-256 (32-byte) digest. Both lengths leave
 * two unused bits in the last character before the `=`, which must be zero (one of 16
 * characters): Node's decoder ignores them, so other spellings would decode to the same bytes.
 */
const CANONICAL_BASE64: Readonly<Record<20 | 32, RegExp>> = {
  20: /^[A-Za-z0-9+/]{26}[AEIMQUYcgkosw048]=$/,
  32: /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/,
};

/** The bytes of the canonical base64 of a `bytes`-long digest; undefined for any other text. */
export const decodeBase64Digest = (text: string, bytes: 20 | 32): Buffer | undefined =>
  CANONICAL_BASE64[bytes].test(text) ? Buffer.from(text, 'base64') : undefined;
