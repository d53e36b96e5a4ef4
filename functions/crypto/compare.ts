import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte strings in time independent of where they differ. Different lengths
 * return false at once: the length of a signature is not a secret.
 */
export const constantTimeEqual = (a: Buffer, b: Buffer): boolean =>
  a.length === b.length && timingSafeEqual(a, b);

/** The secret that verified a request and the signature bytes it produced. */
export interface SecretMatch {
  readonly index: number;
  /**
   * The expected signature of the secret that matched: the bytes we computed rather than the
   * header's spelling of them, so that two spellings of one signature (hex case, entry order)
   * name the same signature.
   */
  readonly signature: Buffer;
}

/** Finds the first secret whose expected signature matches any of the candidates. */
export const matchSecret = (
  secrets: readonly string[],
  candidates: readonly Buffer[],
  expectedFor: (secret: string) => Buffer,
): SecretMatch | undefined => {
  for (const [index, secret] of secrets.entries()) {
    const expected = expectedFor(secret);
    // Compare against every candidate without an early exit so that timing reveals nothing.
    let matched = false;
    for (const candidate of candidates) matched = constantTimeEqual(expected, candidate) || matched;
    if (matched) return { index, signature: expected };
  }
  return undefined;
};

/** The index of the first secret whose expected signature matches any of the candidates, else -1. */
export const firstMatchingSecret = (
  secrets: readonly string[],
  candidates: readonly Buffer[],
  expectedFor: (secret: string) => Buffer,
): number => matchSecret(secrets, candidates, expectedFor)?.index ?? -1;
