/**
 * Where in a saga a failure happened (decision 0049), for the failure policy to decide between a
 * retry, a compensation and the end. `key` names the saga's records: the target's downstream key,
 * one per run of the event and target.
 */
export type SagaFailure =
  | {
      readonly phase: 'forward';
      readonly key: string;
      readonly step: string;
      /** Completed steps that can be undone, should this failure be the last. */
      readonly undoable: number;
    }
  | { readonly phase: 'compensation'; readonly key: string; readonly step: string };

/**
 * A target did not take the event. `retryable` decides between backing off (the next attempt
 * may succeed: timeouts, 429, 5xx, throttling) and dead-lettering at once (it never will: a 4xx
 * the receiver means, a missing workflow). `errorClass` is a short stable name for audit and logs.
 */
export class TargetError extends Error {
  constructor(
    readonly targetId: string,
    readonly errorClass: string,
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; saga?: SagaFailure },
  ) {
    super(message, options);
    this.name = 'TargetError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.saga = options?.saga;
  }

  /** The receiver's own hint (Retry-After), in seconds, when it gave one. */
  readonly retryAfterSeconds: number | undefined;
  /** Set when a workflow's step (or its compensation) failed. */
  readonly saga: SagaFailure | undefined;
}

/** Thrown by a workflow that knows its failure is final (bad data); anything else is retried. */
export class PermanentWorkflowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentWorkflowError';
  }
}
