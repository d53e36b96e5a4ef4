/** SQS refuses a visibility timeout beyond 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Full-jitter exponential backoff: a uniform draw from 0 to min(base · 2^(attempt−1), max)
 * seconds, whole seconds because that is what ChangeMessageVisibility takes. Full jitter
 * spreads a burst of failures (a target down for everyone) instead of retrying it in step.
 */
export const backoffSeconds = (
  attempt: number,
  policy: { readonly baseSeconds: number; readonly maxSeconds: number },
  random: () => number = Math.random,
): number => {
  const ceiling = Math.min(
    policy.baseSeconds * 2 ** Math.max(0, attempt - 1),
    policy.maxSeconds,
    MAX_VISIBILITY_SECONDS,
  );
  return Math.min(Math.floor(random() * (ceiling + 1)), ceiling);
};

/** The delay before the next attempt: the jittered backoff, or longer when the receiver asked for it. */
export const retryDelaySeconds = (
  attempt: number,
  policy: { readonly baseSeconds: number; readonly maxSeconds: number },
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number =>
  Math.min(Math.max(backoffSeconds(attempt, policy, random), retryAfterSeconds ?? 0), MAX_VISIBILITY_SECONDS);
