import { firstMatchingSecret } from '#shared/crypto/compare';

/** The secret that verified a request and the signature bytes it produced. */
export interface SecretMatch {
  readonly index: number;
  readonly signature: Buffer;
}

/**
 * `firstMatchingSecret`, also returning the expected signature of the secret that matched: the
 * bytes we computed rather than the header's spelling of them, so that two spellings of one
 * signature (hex case, entry order) name the same signature.
 */
export const matchSecret = (
  secrets: readonly string[],
  candidates: readonly Buffer[],
  expectedFor: (secret: string) => Buffer,
): SecretMatch | undefined => {
  const expected = new Map<string, Buffer>();
  const index = firstMatchingSecret(secrets, candidates, (secret) => {
    const signature = expectedFor(secret);
    expected.set(secret, signature);
    return signature;
  });
  const signature = index < 0 ? undefined : expected.get(secrets[index] ?? '');
  return signature === undefined ? undefined : { index, signature };
};
