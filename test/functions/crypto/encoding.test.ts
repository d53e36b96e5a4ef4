import fc from 'fast-check';
import { decodeBase64Digest, decodeHexDigest } from '#shared/crypto/encoding';

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';

describe('decodeHexDigest', () => {
  it('reads hex of the digest length in either case, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        fc.string(),
        (bytes, at, text) => {
          const digest = Buffer.from(bytes);
          const hex = digest.toString('hex');
          const spliced = `${hex.slice(0, at % 64)}${text}${hex.slice(at % 64)}`;

          expect([decodeHexDigest(hex, 32), decodeHexDigest(hex.toUpperCase(), 32)]).toEqual([
            digest,
            digest,
          ]);
          expect(decodeHexDigest(spliced, 32)).toEqual(
            /^[0-9a-fA-F]{64}$/.test(spliced) ? digest : undefined,
          );
          expect([decodeHexDigest(hex.slice(2), 32), decodeHexDigest(hex, 20)]).toEqual([
            undefined,
            undefined,
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decodeBase64Digest', () => {
  it.each([20, 32] as const)(
    'reads the canonical base64 of a %i-byte digest, and no other spelling of any bytes',
    (length) => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: length, maxLength: length }),
          fc.nat(),
          fc.constantFrom(...BASE64_ALPHABET),
          (bytes, at, character) => {
            const digest = Buffer.from(bytes);
            const canonical = digest.toString('base64');
            const index = at % canonical.length;
            const changed = `${canonical.slice(0, index)}${character}${canonical.slice(index + 1)}`;

            // Canonical means: what Node decodes it to encodes back to it, and is a digest's length.
            const decoded = Buffer.from(changed, 'base64');
            const canonicalChange = decoded.length === length && decoded.toString('base64') === changed;

            expect(decodeBase64Digest(canonical, length)).toEqual(digest);
            expect(decodeBase64Digest(changed, length)).toEqual(canonicalChange ? decoded : undefined);
            expect(decodeBase64Digest(canonical.replace(/=$/, ''), length)).toBeUndefined();
            // The character before the padding carries two unused bits: set, they spell the same bytes.
            const last = canonical.length - 2;
            const value = BASE64_ALPHABET.indexOf(canonical.charAt(last));
            const sameBytes = [1, 2, 3].map(
              (bits) => `${canonical.slice(0, last)}${BASE64_ALPHABET.charAt(value + bits)}=`,
            );

            expect(sameBytes.map((spelling) => Buffer.from(spelling, 'base64'))).toEqual([
              digest,
              digest,
              digest,
            ]);
            expect(sameBytes.map((spelling) => decodeBase64Digest(spelling, length))).toEqual([
              undefined,
              undefined,
              undefined,
            ]);
          },
        ),
        { numRuns: 500 },
      );
    },
  );
});
