/**
 * Failures of our own infrastructure (table, bucket, queue, secrets). They are answered 5xx so
 * that the provider retries; nothing about them is shown to the caller.
 */
export class InfrastructureError extends Error {
  constructor(
    readonly dependency: 'event-store' | 'raw-bodies' | 'event-queue' | 'secrets',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InfrastructureError';
  }
}

/** A function's environment does not match what its construct promised. Fails the cold start. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/**
 * DynamoDB refused an item as larger than 400 KB. Permanent: retrying the same write fails the
 * same way, so the ingest quarantines the event instead of answering 5xx forever.
 */
export class ItemTooLargeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ItemTooLargeError';
  }
}
