import { ProviderApiError } from '#shared/reconciliation/contract';

/** How provider calls are retried: a few tries, exponential backoff with full jitter, Retry-After honoured. */
export interface RetrySettings {
  /** Tries in all, the first included. @default 4 */
  readonly attempts?: number;
  /** @default 500 */
  readonly baseDelayMs?: number;
  /** @default 20000 */
  readonly maxDelayMs?: number;
}

export interface RetryClock {
  readonly sleep: (ms: number) => Promise<void>;
  /** [0, 1). */
  readonly random: () => number;
  /** Time left before the run must stop; a wait longer than this is not started. */
  readonly timeLeftMs?: () => number;
}

/** What to do after a failed call: wait and try again, or give up with the error. */
export type RetryDecision =
  { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'give-up' };

/**
 * The pure policy: a retryable error is tried again after `min(max, base × 2^attempt) × random`
 * (full jitter), or after the provider's Retry-After when it gives one (never sooner); anything
 * else, or the last try, gives up.
 */
export const retryDecision = (
  error: unknown,
  attempt: number,
  random: number,
  settings: RetrySettings = {},
): RetryDecision => {
  const attempts = settings.attempts ?? 4;
  if (!(error instanceof ProviderApiError) || !error.retryable || attempt + 1 >= attempts)
    return { kind: 'give-up' };
  const cap = Math.min(settings.maxDelayMs ?? 20_000, (settings.baseDelayMs ?? 500) * 2 ** attempt);
  const jittered = Math.floor(cap * random);
  const asked = error.retryAfterSeconds === undefined ? 0 : error.retryAfterSeconds * 1000;
  return { kind: 'retry', delayMs: Math.max(jittered, asked) };
};

/**
 * Runs a provider call under {@link retryDecision}. A wait that would outlast the run's time is
 * not started: the error is given up at once, and the next run continues from the checkpoint.
 * Returns how many tries it took beside the value, so the report can say so.
 */
export const withRetry = async <T>(
  call: () => Promise<T>,
  clock: RetryClock,
  settings: RetrySettings = {},
): Promise<{ value: T; tries: number }> => {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return { value: await call(), tries: attempt + 1 };
    } catch (error) {
      const decision = retryDecision(error, attempt, clock.random(), settings);
      if (decision.kind === 'give-up') throw error;
      const left = clock.timeLeftMs?.();
      if (left !== undefined && decision.delayMs >= left) throw error;
      await clock.sleep(decision.delayMs);
    }
  }
};
