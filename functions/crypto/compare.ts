import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte strings in time independent of where they differ. Different lengths
 * return false at once: the length of a signature is not a secret.
 */
export const constantTimeEqual = (a: Buffer, b: Buffer): boolean =>
  a.length === b.length && timingSafeEqual(a, b);

/** Finds the first secret whose expected signature matches any of the candidates. */
export const firstMatchingSecret = (
  secrets: readonly string[],
  candidates: readonly Buffer[],
  expectedFor: (secret: string) => Buffer,
): number => {
  for (const [index, secret] of secrets.entries()) {
    const expected = expectedFor(secret);
    // Compare against every candidate without an early exit so that timing reveals nothing.
    let matched = false;
    for (const candidate of candidates) matched = constantTimeEqual(expected, candidate) || matched;
    if (matched) return index;
  }
  return -1;
};
