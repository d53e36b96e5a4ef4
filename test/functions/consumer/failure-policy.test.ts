import fc from 'fast-check';
import { MAX_VISIBILITY_SECONDS } from '#shared/consumer/backoff';
import type { Failure } from '#shared/consumer/errors';
import {
  decideFailure,
  decideHeldBack,
  effectivePolicy,
  type FailureDecision,
} from '#shared/consumer/failure-policy';

const SETTINGS = { maxAttempts: 3, maxReceiveCount: 12, backoff: { baseSeconds: 2, maxSeconds: 60 } };
/** The top of every jitter range: the delay is then the ceiling itself. */
const highest = () => 0.999_999;

const retryable: Failure = { kind: 'retryable', errorClass: 'http-503', message: 'receiver down' };
const permanent: Failure = {
  kind: 'permanent',
  errorClass: 'http-400',
  message: 'receiver refused the event',
};

describe('failure policy', () => {
  it.each<[string, Failure, { attempt: number; receiveCount: number }, FailureDecision]>([
    [
      'releases a record started too late at once, as no attempt',
      { kind: 'deadline' },
      { attempt: 1, receiveCount: 1 },
      { kind: 'release', delaySeconds: 0, because: 'deadline' },
    ],
    [
      'releases a record another invocation holds after backoff, as no attempt',
      { kind: 'busy' },
      { attempt: 2, receiveCount: 2 },
      { kind: 'release', delaySeconds: 4, because: 'busy' },
    ],
    [
      'retries a retryable failure with attempts left after backoff',
      retryable,
      { attempt: 1, receiveCount: 1 },
      { kind: 'retry', delaySeconds: 2, reason: 'http-503: receiver down' },
    ],
    [
      'waits at least as long as the receiver asked',
      { ...retryable, retryAfterSeconds: 30 },
      { attempt: 1, receiveCount: 1 },
      { kind: 'retry', delaySeconds: 30, reason: 'http-503: receiver down' },
    ],
    [
      'dead-letters a retryable failure on the last of its attempts, recording the count',
      retryable,
      { attempt: 3, receiveCount: 3 },
      {
        kind: 'dead-letter',
        because: 'last-attempt',
        reason: 'http-503: receiver down',
        detail: 'attempt 3 of 3, the last: http-503: receiver down',
        attempts: 3,
        send: true,
      },
    ],
    [
      'dead-letters a retryable failure whose message has spent its receives, whatever its own count',
      retryable,
      { attempt: 1, receiveCount: 12 },
      {
        kind: 'dead-letter',
        because: 'last-attempt',
        reason: 'http-503: receiver down',
        detail: 'attempt 1 of 3, the last: http-503: receiver down',
        attempts: 1,
        send: true,
      },
    ],
    [
      'dead-letters a permanent failure on its first attempt, without counting it',
      permanent,
      { attempt: 1, receiveCount: 1 },
      {
        kind: 'dead-letter',
        because: 'permanent',
        reason: 'http-400: receiver refused the event',
        detail: 'attempt 1: http-400: receiver refused the event',
        send: true,
      },
    ],
  ])('%s', (_name, failure, attempts, expected) => {
    expect(decideFailure(failure, attempts, SETTINGS, highest)).toEqual(expected);
  });

  it('keeps every retry and busy delay within the jitter ceiling or the asked wait, and within the SQS limit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Failure>({ kind: 'busy' }, retryable),
        fc.integer({ min: 1, max: 1000 }),
        fc.option(fc.integer({ min: 0, max: 10 ** 6 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (base, attempt, retryAfterSeconds, r) => {
          const failure = base.kind === 'retryable' ? { ...base, retryAfterSeconds } : base;
          const settings = {
            ...SETTINGS,
            maxAttempts: Number.MAX_SAFE_INTEGER,
            maxReceiveCount: Number.MAX_SAFE_INTEGER,
          };
          const decision = decideFailure(failure, { attempt, receiveCount: attempt }, settings, () => r);
          if (decision.kind !== 'retry' && decision.kind !== 'release') return false;
          const ceiling = Math.min(2 * 2 ** (attempt - 1), 60);
          const floor =
            failure.kind === 'retryable'
              ? Math.min(failure.retryAfterSeconds ?? 0, MAX_VISIBILITY_SECONDS)
              : 0;
          const delay = decision.delaySeconds;
          return (
            Number.isInteger(delay) &&
            delay >= floor &&
            delay <= Math.max(ceiling, floor) &&
            delay <= MAX_VISIBILITY_SECONDS
          );
        },
      ),
    );
  });

  it('releases a held-back record whose message has receives left, recording nothing', () => {
    expect(decideHeldBack(11, SETTINGS)).toEqual({ kind: 'release', delaySeconds: 0, because: 'held-back' });
  });

  it('marks a held-back record whose receives are spent, leaving the move to the redrive', () => {
    expect(decideHeldBack(12, SETTINGS)).toEqual({
      kind: 'dead-letter',
      because: 'held-back',
      reason: 'held-back: an earlier event of the same entity kept failing',
      detail: 'held back behind a failing event of its entity until its attempts ran out',
      send: false,
    });
  });
});

describe('retry policy per route and target', () => {
  const route = {
    retry: { maxAttempts: 7, backoffBaseSeconds: 5, retryOn: ['timeout'] },
    targets: [
      { id: 'own', retry: { maxAttempts: 2, backoffMaxSeconds: 10, retryOn: ['http-5xx'] } },
      { id: 'plain' },
    ],
  };

  it('takes each field from the target, else the route, else the default', () => {
    expect(effectivePolicy(SETTINGS, route, 'own')).toEqual({
      maxAttempts: 2,
      maxReceiveCount: 12,
      backoff: { baseSeconds: 5, maxSeconds: 10 },
      retryOn: ['http-5xx'],
    });
    expect(effectivePolicy(SETTINGS, route, 'plain')).toEqual({
      maxAttempts: 7,
      maxReceiveCount: 12,
      backoff: { baseSeconds: 5, maxSeconds: 60 },
      retryOn: ['timeout'],
    });
    expect(effectivePolicy(SETTINGS, undefined, undefined)).toEqual(SETTINGS);
  });

  it('judges by retryOn only the failures of a target', () => {
    expect(effectivePolicy(SETTINGS, route, undefined)).not.toHaveProperty('retryOn');
  });

  it('dead-letters at once a retryable class retryOn does not cover, and retries one it does', () => {
    const policy = { ...SETTINGS, retryOn: ['http-5xx', 'eventbridge-*'] };

    expect(decideFailure(retryable, { attempt: 1, receiveCount: 1 }, policy, highest).kind).toBe('retry');
    expect(
      decideFailure(
        { kind: 'retryable', errorClass: 'eventbridge-entry-ThrottlingException', message: 'slow down' },
        { attempt: 1, receiveCount: 1 },
        policy,
        highest,
      ).kind,
    ).toBe('retry');
    expect(
      decideFailure(
        { kind: 'retryable', errorClass: 'timeout', message: 'no answer' },
        { attempt: 1, receiveCount: 1 },
        policy,
        highest,
      ),
    ).toEqual({
      kind: 'dead-letter',
      because: 'permanent',
      reason: 'timeout: no answer (not retried: timeout is not in retryOn)',
      detail: 'attempt 1: timeout: no answer (not retried: timeout is not in retryOn)',
      send: true,
    });
  });

  it('never retries a permanent failure, whatever retryOn names', () => {
    expect(
      decideFailure(
        permanent,
        { attempt: 1, receiveCount: 1 },
        { ...SETTINGS, retryOn: ['http-400'] },
        highest,
      ).kind,
    ).toBe('dead-letter');
  });

  it('keeps the backoff within the bounds of the policy it is given', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (attempt, r) => {
          const policy = effectivePolicy(
            SETTINGS,
            { retry: { backoffMaxSeconds: 10 }, targets: [{ id: 't', retry: { maxAttempts: 50 } }] },
            't',
          );
          const decision = decideFailure(retryable, { attempt, receiveCount: 1 }, policy, () => r);
          expect(decision.kind).toBe('retry');
          expect(decision.kind === 'retry' ? decision.delaySeconds : -1).toBeLessThanOrEqual(10);
        },
      ),
    );
  });
});
