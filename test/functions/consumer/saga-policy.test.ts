import type { Failure } from '#shared/consumer/errors';
import { decideFailure, type FailureDecision } from '#shared/consumer/failure-policy';

const SETTINGS = { maxAttempts: 3, maxReceiveCount: 12, backoff: { baseSeconds: 2, maxSeconds: 60 } };
const highest = () => 0.999_999;

const step = (kind: 'retryable' | 'permanent', undoable: number): Failure => ({
  kind,
  errorClass: kind === 'permanent' ? 'workflow-rejected' : 'workflow-failed',
  message: 'workflow trip step send-ticket failed: no seats',
  saga: { phase: 'forward', key: 'rf_trip', step: 'send-ticket', undoable },
});
const compensation = (kind: 'retryable' | 'permanent'): Failure => ({
  kind,
  errorClass: kind === 'permanent' ? 'compensation-rejected' : 'compensation-failed',
  message: 'compensating step hold-seat of workflow trip failed: store down',
  saga: { phase: 'compensation', key: 'rf_trip', step: 'hold-seat' },
});

describe('failure policy in a saga', () => {
  it.each<[string, Failure, number, Partial<FailureDecision>]>([
    [
      'compensates a step that fails for good after others completed',
      step('permanent', 2),
      1,
      {
        kind: 'compensate',
        key: 'rf_trip',
        detail:
          'attempt 1: workflow-rejected: workflow trip step send-ticket failed: no seats; undoing 2 completed steps',
      },
    ],
    [
      'retries a step with attempts left, whatever completed before it',
      step('retryable', 2),
      2,
      { kind: 'retry' },
    ],
    [
      'compensates once a failing step’s last attempt is spent',
      step('retryable', 1),
      3,
      {
        kind: 'compensate',
        detail:
          'attempt 3 of 3, the last: workflow-failed: workflow trip step send-ticket failed: no seats; undoing 1 completed step',
      },
    ],
    [
      'dead-letters a step that fails for good with nothing to undo, for a replay to resume',
      step('permanent', 0),
      1,
      { kind: 'dead-letter', because: 'permanent' },
    ],
    ['retries a failed compensation with attempts left', compensation('retryable'), 1, { kind: 'retry' }],
    [
      'gives up on a compensation that fails for good',
      compensation('permanent'),
      1,
      { kind: 'compensation-failed', because: 'permanent' },
    ],
    [
      'gives up on a compensation whose attempts are spent, counting them',
      compensation('retryable'),
      3,
      { kind: 'compensation-failed', because: 'last-attempt', attempts: 3 },
    ],
  ])('%s', (_name, failure, attempt, expected) => {
    expect(decideFailure(failure, { attempt, receiveCount: attempt }, SETTINGS, highest)).toMatchObject(
      expected,
    );
  });
});
