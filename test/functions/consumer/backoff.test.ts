import {
  IdempotencyAlreadyInProgressError,
  IdempotencyPersistenceLayerError,
} from '@aws-lambda-powertools/idempotency';
import fc from 'fast-check';
import { backoffSeconds, MAX_VISIBILITY_SECONDS, retryDelaySeconds } from '#shared/consumer/backoff';
import {
  classify,
  DeadlineError,
  PoisonMessageError,
  UnprocessableEventError,
} from '#shared/consumer/errors';
import { InfrastructureError } from '#shared/errors';
import { RawBodyMissingError } from '#shared/store/raw-bodies';
import { TargetError } from '#shared/targets/errors';

const policy = { baseSeconds: 2, maxSeconds: 300 };

describe('backoff', () => {
  it('draws from 0 up to min(base·2^(n−1), max): the ceiling doubles per attempt, then caps', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffSeconds(n, policy, () => 0.999999));

    expect(ceilings).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300]);
    expect(backoffSeconds(5, policy, () => 0)).toBe(0);
  });

  it('always stays within [0, ceiling] whole seconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = backoffSeconds(attempt, policy, () => r);
          const ceiling = Math.min(2 * 2 ** (attempt - 1), 300);
          return Number.isInteger(delay) && delay >= 0 && delay <= ceiling;
        },
      ),
    );
  });

  it('waits at least as long as the receiver asked, up to the SQS visibility limit', () => {
    expect(retryDelaySeconds(1, policy, 120, () => 0)).toBe(120);
    expect(retryDelaySeconds(9, policy, 10, () => 0.999)).toBe(300);
    expect(retryDelaySeconds(1, policy, 10 ** 6, () => 0)).toBe(MAX_VISIBILITY_SECONDS);
  });
});

describe('failure classification', () => {
  it.each([
    [
      new TargetError('t', 'http-503', true, 'x', { retryAfterSeconds: 5 }),
      { kind: 'retryable', errorClass: 'http-503', retryAfterSeconds: 5 },
    ],
    [new TargetError('t', 'http-400', false, 'x'), { kind: 'permanent', errorClass: 'http-400' }],
    [new PoisonMessageError('bad body'), { kind: 'permanent', errorClass: 'poison-message' }],
    [new UnprocessableEventError('quarantined'), { kind: 'permanent', errorClass: 'unprocessable' }],
    [
      new RawBodyMissingError('raw body item RAW#x is missing'),
      { kind: 'permanent', errorClass: 'unprocessable' },
    ],
    [
      new InfrastructureError('event-store', 'down'),
      { kind: 'retryable', errorClass: 'infrastructure-event-store' },
    ],
    [new IdempotencyAlreadyInProgressError('busy'), { kind: 'busy' }],
    [new IdempotencyPersistenceLayerError('x'), { kind: 'retryable', errorClass: 'idempotency-store' }],
    [new DeadlineError(), { kind: 'deadline' }],
    [new RangeError('bug'), { kind: 'retryable', errorClass: 'internal' }],
  ])('classifies %p', (error, expected) => {
    expect(classify(error)).toMatchObject(expected);
  });
});
