import { retryDelaySeconds } from '#shared/consumer/backoff';
import type { Failure } from '#shared/consumer/errors';
import { retryOnCovers } from '#shared/routing/retry-classes';
import type { RetryPolicy } from '#shared/routing/routes';

export interface FailurePolicySettings {
  /** Attempts at an event, counted by the consumer on the event, before it is dead-lettered. */
  readonly maxAttempts: number;
  /**
   * SQS maxReceiveCount of the main queue, a backstop above maxAttempts: receives also count
   * while a record waits untried behind a failing one of its group.
   */
  readonly maxReceiveCount: number;
  readonly backoff: { readonly baseSeconds: number; readonly maxSeconds: number };
  /**
   * The retryable error classes that are retried (issue 18); any other is final. Absent: every
   * retryable failure is retried. Only a target's failure is judged by it.
   */
  readonly retryOn?: readonly string[];
}

/**
 * The policy a failure is decided by: the top-level settings, overridden field by field by the
 * route's `retry`, then by the failed target's. `retryOn` applies only to a target's failure: a
 * throttled table is not the target's doing, and is retried whatever the route says.
 */
export const effectivePolicy = (
  settings: FailurePolicySettings,
  route:
    | { readonly retry?: RetryPolicy; readonly targets: readonly { id: string; retry?: RetryPolicy }[] }
    | undefined,
  targetId: string | undefined,
): FailurePolicySettings => {
  const target = targetId === undefined ? undefined : route?.targets.find((t) => t.id === targetId);
  const layers = [route?.retry, target?.retry];
  const pick = <K extends keyof RetryPolicy>(key: K, fallback: NonNullable<RetryPolicy[K]>) =>
    layers.reduce<NonNullable<RetryPolicy[K]>>((value, layer) => layer?.[key] ?? value, fallback);
  const retryOn = layers.reduce<readonly string[] | undefined>(
    (value, layer) => layer?.retryOn ?? value,
    undefined,
  );
  return {
    maxAttempts: pick('maxAttempts', settings.maxAttempts),
    maxReceiveCount: settings.maxReceiveCount,
    backoff: {
      baseSeconds: pick('backoffBaseSeconds', settings.backoff.baseSeconds),
      maxSeconds: pick('backoffMaxSeconds', settings.backoff.maxSeconds),
    },
    ...(targetId !== undefined && retryOn ? { retryOn } : {}),
  };
};

/** How often an event and its message were tried, the failed attempt included. */
export interface Attempts {
  /** The consumer's own count in the event's current run (the receive count when the event is unknown). */
  readonly attempt: number;
  /** SQS ApproximateReceiveCount of the message. */
  readonly receiveCount: number;
}

/** The record was not an attempt at its event: it is shown again after the delay, and nothing is recorded. */
export interface Release {
  readonly kind: 'release';
  readonly delaySeconds: number;
  /**
   * `deadline`: too little time was left to start it; `busy`: another invocation holds the event;
   * `held-back`: it waited untried behind a failed record of its group; `quota`: its tenant is
   * over a quota (issue 18).
   */
  readonly because: 'deadline' | 'busy' | 'held-back' | 'quota';
}

/** A failed attempt with attempts left: the event is marked RETRYING and its message shown again after the delay. */
export interface Retry {
  readonly kind: 'retry';
  readonly delaySeconds: number;
  /** `<error class>: <message>`, the event's last error. */
  readonly reason: string;
}

/** The event is done with: marked DEAD_LETTERED, and its message moved to the dead-letter queue. */
export interface DeadLetter {
  readonly kind: 'dead-letter';
  readonly because: 'permanent' | 'last-attempt' | 'held-back';
  /** The event's last error and the message's `deadLetterReason`. */
  readonly reason: string;
  /** The audit entry's detail. */
  readonly detail: string;
  /** The attempt count to record on the event, when this decision counts one. */
  readonly attempts?: number;
  /**
   * Whether the consumer sends the message to the DLQ itself. It does for a record it reports
   * done; a held-back record is reported failed and goes there with the queue's redrive.
   */
  readonly send: boolean;
}

/**
 * A workflow's step failed for good, and steps it completed can be undone (decision 0049): the
 * decision is recorded on the saga (its compensation marker), the event is marked RETRYING with
 * a fresh count of attempts for the compensation, and the record is released at once; the next
 * attempt compensates.
 */
export interface Compensate {
  readonly kind: 'compensate';
  /** The saga's records (the workflow target's downstream key). */
  readonly key: string;
  /** What failed, kept as the saga's reason and the event's last error. */
  readonly reason: string;
  /** The audit entry's detail. */
  readonly detail: string;
}

/**
 * A saga's compensation failed for good, or ran out of attempts: the event ends
 * COMPENSATION_FAILED, alarmed, and its message goes to the dead-letter queue, from which a replay
 * resumes the compensation where its records say it stopped.
 */
export interface CompensationFailed {
  readonly kind: 'compensation-failed';
  readonly because: 'permanent' | 'last-attempt';
  readonly reason: string;
  readonly detail: string;
  readonly attempts?: number;
}

export type FailureDecision = Release | Retry | DeadLetter | Compensate | CompensationFailed;

/**
 * What happens to a record whose processing failed (docs/decisions/0012-retry-and-dead-letter.md).
 * A retryable failure is dead-lettered once the consumer's own attempts or the message's receives
 * run out, and moved by the consumer rather than left to the redrive: the later records of its
 * group in the batch were received as often as it was, and would otherwise be held back once more
 * and redriven untried.
 */
export const decideFailure = (
  failure: Failure,
  attempts: Attempts,
  settings: FailurePolicySettings,
  random: () => number,
): FailureDecision => {
  const { attempt } = attempts;
  switch (failure.kind) {
    case 'deadline':
      return { kind: 'release', delaySeconds: 0, because: 'deadline' };
    case 'delayed':
      return { kind: 'release', delaySeconds: failure.seconds, because: 'quota' };
    case 'busy':
      return {
        kind: 'release',
        delaySeconds: retryDelaySeconds(attempt, settings.backoff, undefined, random),
        because: 'busy',
      };
    case 'permanent': {
      const reason = `${failure.errorClass}: ${failure.message}`;
      return (
        endOfSaga(failure, reason, `attempt ${attempt}: ${reason}`, 'permanent') ?? {
          kind: 'dead-letter',
          because: 'permanent',
          reason,
          detail: `attempt ${attempt}: ${reason}`,
          send: true,
        }
      );
    }
    case 'retryable': {
      if (settings.retryOn && !settings.retryOn.some((entry) => retryOnCovers(entry, failure.errorClass)))
        return decideFailure(
          {
            kind: 'permanent',
            errorClass: failure.errorClass,
            message: `${failure.message} (not retried: ${failure.errorClass} is not in retryOn)`,
            ...(failure.saga ? { saga: failure.saga } : {}),
          },
          attempts,
          settings,
          random,
        );
      const reason = `${failure.errorClass}: ${failure.message}`;
      if (attempt >= settings.maxAttempts || attempts.receiveCount >= settings.maxReceiveCount) {
        const detail = `attempt ${attempt} of ${settings.maxAttempts}, the last: ${reason}`;
        return (
          endOfSaga(failure, reason, detail, 'last-attempt', attempt) ?? {
            kind: 'dead-letter',
            because: 'last-attempt',
            reason,
            detail,
            attempts: attempt,
            send: true,
          }
        );
      }
      return {
        kind: 'retry',
        delaySeconds: retryDelaySeconds(attempt, settings.backoff, failure.retryAfterSeconds, random),
        reason,
      };
    }
  }
};

/**
 * What a final failure means inside a saga: compensate when a forward step failed with completed
 * steps to undo, give up when a compensation failed. Undefined outside a saga, and for a failed
 * step with nothing to undo: the event is dead-lettered as any other, and a replay resumes it.
 */
const endOfSaga = (
  failure: Extract<Failure, { kind: 'permanent' | 'retryable' }>,
  reason: string,
  detail: string,
  because: 'permanent' | 'last-attempt',
  attempt?: number,
): Compensate | CompensationFailed | undefined => {
  const { saga } = failure;
  if (saga?.phase === 'compensation')
    return {
      kind: 'compensation-failed',
      because,
      reason,
      detail,
      ...(attempt === undefined ? {} : { attempts: attempt }),
    };
  if (saga?.phase === 'forward' && saga.undoable > 0) {
    const steps = saga.undoable === 1 ? '1 completed step' : `${saga.undoable} completed steps`;
    return { kind: 'compensate', key: saga.key, reason, detail: `${detail}; undoing ${steps}` };
  }
  return undefined;
};

/**
 * What happens to a record held back untried behind a failed record of its group. It is released
 * at once (FIFO keeps it behind its predecessor anyway); once its receives are spent the redrive
 * moves it untried, so the event is marked for the operator to replay.
 */
export const decideHeldBack = (
  receiveCount: number,
  settings: Pick<FailurePolicySettings, 'maxReceiveCount'>,
): Release | DeadLetter =>
  receiveCount < settings.maxReceiveCount
    ? { kind: 'release', delaySeconds: 0, because: 'held-back' }
    : {
        kind: 'dead-letter',
        because: 'held-back',
        reason: 'held-back: an earlier event of the same entity kept failing',
        detail: 'held back behind a failing event of its entity until its attempts ran out',
        send: false,
      };
