import {
  IdempotencyAlreadyInProgressError,
  IdempotencyUnknownError,
} from '@aws-lambda-powertools/idempotency';
import { InfrastructureError } from '#shared/errors';
import { RawBodyMissingError } from '#shared/store/raw-bodies';
import { TargetError, type SagaFailure } from '#shared/targets/errors';

/** A message that can never be processed: its body is not a claim check, or names no event we hold. */
export class PoisonMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

/** The event exists but holds nothing a target could take (quarantined, payload missing). */
export class UnprocessableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessableEventError';
  }
}

/** Too little time is left in the invocation to start this record safely. */
export class DeadlineError extends Error {
  constructor() {
    super('too little time left in this invocation to start the record');
    this.name = 'DeadlineError';
  }
}

/** A tenant's quota says not yet (issue 18): the record is shown again later, no attempt counted. */
export class QuotaDelayError extends Error {
  constructor(
    readonly seconds: number,
    readonly quota: 'rate' | 'concurrency',
  ) {
    super(`tenant over its ${quota} quota; trying again in ${seconds} s`);
    this.name = 'QuotaDelayError';
  }
}

export type Failure =
  | {
      readonly kind: 'retryable';
      readonly errorClass: string;
      readonly message: string;
      readonly retryAfterSeconds?: number;
      /** Set when a workflow step or compensation failed (decision 0049). */
      readonly saga?: SagaFailure;
    }
  | {
      readonly kind: 'permanent';
      readonly errorClass: string;
      readonly message: string;
      readonly saga?: SagaFailure;
    }
  /** Another invocation holds the event (Powertools INPROGRESS): not a failure of the event. */
  | { readonly kind: 'busy' }
  /** Not started for lack of time: released at once, nothing recorded. */
  | { readonly kind: 'deadline' }
  /** Not started because its tenant is over a quota: released after `seconds`, nothing recorded. */
  | { readonly kind: 'delayed'; readonly seconds: number };

/** Decides what a failure means for the event (docs/decisions/0012-retry-and-dead-letter.md). */
export const classify = (error: unknown): Failure => {
  if (error instanceof TargetError) {
    const saga = error.saga ? { saga: error.saga } : {};
    return error.retryable
      ? {
          kind: 'retryable',
          errorClass: error.errorClass,
          message: error.message,
          retryAfterSeconds: error.retryAfterSeconds,
          ...saga,
        }
      : { kind: 'permanent', errorClass: error.errorClass, message: error.message, ...saga };
  }
  if (error instanceof PoisonMessageError)
    return { kind: 'permanent', errorClass: 'poison-message', message: error.message };
  if (error instanceof UnprocessableEventError || error instanceof RawBodyMissingError) {
    return { kind: 'permanent', errorClass: 'unprocessable', message: error.message };
  }
  if (error instanceof DeadlineError) return { kind: 'deadline' };
  if (error instanceof QuotaDelayError) return { kind: 'delayed', seconds: error.seconds };
  if (error instanceof IdempotencyAlreadyInProgressError) return { kind: 'busy' };
  if (error instanceof InfrastructureError) {
    return { kind: 'retryable', errorClass: `infrastructure-${error.dependency}`, message: error.message };
  }
  // Every other Powertools idempotency error derives from this one: its store failed or disagreed.
  if (error instanceof IdempotencyUnknownError) {
    return { kind: 'retryable', errorClass: 'idempotency-store', message: error.message };
  }
  return {
    kind: 'retryable',
    errorClass: 'internal',
    message: error instanceof Error ? error.message : String(error),
  };
};

/** Error text kept in the state item, short so the item stays near 1 KB (ARCHITECTURE 13). */
export const brief = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The innermost cause of an error, as `name: message`, short: what a warning line needs to say
 * why (a throttled table, a refused connection) without the whole chain and its stacks.
 */
export const rootCause = (error: unknown): string => {
  let current = error;
  for (let depth = 0; depth < 10 && current instanceof Error && current.cause !== undefined; depth += 1)
    current = current.cause;
  return brief(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
};
