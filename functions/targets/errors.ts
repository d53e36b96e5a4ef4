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
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'TargetError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** The receiver's own hint (Retry-After), in seconds, when it gave one. */
  readonly retryAfterSeconds: number | undefined;
}

/** Thrown by a workflow that knows its failure is final (bad data); anything else is retried. */
export class PermanentWorkflowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentWorkflowError';
  }
}
