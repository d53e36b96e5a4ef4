/** The tenant events are published for is not configured: the producer API answers 404. */
export class UnknownTenantError extends Error {
  constructor(readonly tenant: string) {
    super(`Unknown tenant ${tenant}.`);
    this.name = 'UnknownTenantError';
  }
}

/**
 * More events than one publish takes, or a body above the stack's maxBodyBytes: nothing of it is
 * stored, and the producer API answers 413. Permanent for the same batch: split it.
 */
export class BatchTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchTooLargeError';
  }
}

/**
 * An EventBridge event or a schedule tick whose domain event was refused (invalid, or for an
 * unknown tenant). The invocation fails, so that after Lambda's retries the original input is
 * kept in the producer's dead-letter queue for an operator rather than dropped.
 */
export class RefusedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedEventError';
  }
}

/** The producer function was invoked with something it does not take. */
export class UnknownInvocationError extends Error {
  constructor() {
    super('Not an HTTP API request, an event source delivery or a schedule tick.');
    this.name = 'UnknownInvocationError';
  }
}
