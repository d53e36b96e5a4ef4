/**
 * What to do with a tick whose attempt failed, as the two layers of a schedule's delivery decide
 * it. Pure: the emulator carries the decision out.
 */
export type RetryDecision<Condition extends string> =
  | { readonly kind: 'retry'; readonly afterMs: number }
  | { readonly kind: 'give-up'; readonly condition: Condition };

export interface SchedulerRetryPolicy {
  /** Scheduler's `MaximumRetryAttempts` (0–185, default 185). */
  readonly maximumRetryAttempts: number;
  /** Scheduler's `MaximumEventAgeInSeconds` (60–86,400, default 86,400). */
  readonly maximumEventAgeSeconds: number;
}

/** Scheduler's own defaults, when a target sets no retry policy. */
export const SCHEDULER_DEFAULT_RETRY: SchedulerRetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeSeconds: 86_400,
};

/** The local Scheduler's backoff: 1 s doubling to a minute (Scheduler documents only "exponential backoff"). */
const schedulerBackoffMs = (retriesDone: number) => Math.min(60_000, 1000 * 2 ** retriesDone);

/**
 * Scheduler retries a tick its target did not take (the invocation was refused) until either
 * limit of the retry policy is reached; the dead-letter event then names the limit that ended it
 * (`EXHAUSTED_RETRY_CONDITION`).
 */
export const schedulerRetry = (
  policy: SchedulerRetryPolicy,
  attempt: { readonly retriesDone: number; readonly ageMs: number },
): RetryDecision<'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds'> => {
  if (attempt.retriesDone >= policy.maximumRetryAttempts)
    return { kind: 'give-up', condition: 'MaximumRetryAttempts' };
  const afterMs = schedulerBackoffMs(attempt.retriesDone);
  if (attempt.ageMs + afterMs > policy.maximumEventAgeSeconds * 1000)
    return { kind: 'give-up', condition: 'MaximumEventAgeInSeconds' };
  return { kind: 'retry', afterMs };
};

export interface AsyncInvokeConfig {
  /** `MaximumRetryAttempts` of the function's EventInvokeConfig (0–2, default 2). */
  readonly maximumRetryAttempts: number;
  /** `MaximumEventAgeInSeconds` (60–21,600, default 21,600). */
  readonly maximumEventAgeSeconds: number;
  /** The ARN of the function's dead-letter queue (`DeadLetterConfig.TargetArn`), if any. */
  readonly deadLetterQueue?: string;
}

/** Lambda's defaults for an asynchronous invocation without an EventInvokeConfig. */
export const LAMBDA_ASYNC_DEFAULTS: AsyncInvokeConfig = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 21_600,
};

/** "one minute between the first two attempts, and two minutes between the second and third" (Lambda's guide). */
const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];

/** Lambda retries an asynchronous invocation whose function failed (threw, timed out) up to twice. */
export const lambdaAsyncRetry = (
  config: AsyncInvokeConfig,
  attempt: { readonly retriesDone: number; readonly ageMs: number },
): RetryDecision<'RetriesExhausted' | 'EventAgeExceeded'> => {
  if (attempt.retriesDone >= config.maximumRetryAttempts)
    return { kind: 'give-up', condition: 'RetriesExhausted' };
  const afterMs = LAMBDA_RETRY_DELAYS_MS[attempt.retriesDone] ?? 120_000;
  if (attempt.ageMs + afterMs > config.maximumEventAgeSeconds * 1000)
    return { kind: 'give-up', condition: 'EventAgeExceeded' };
  return { kind: 'retry', afterMs };
};
