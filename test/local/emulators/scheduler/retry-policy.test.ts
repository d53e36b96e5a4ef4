import {
  LAMBDA_ASYNC_DEFAULTS,
  lambdaAsyncRetry,
  schedulerRetry,
} from '../../../../local/emulators/scheduler/retry-policy';

describe("Scheduler's retry policy", () => {
  const policy = { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 };

  it('retries after 1 s, doubling', () => {
    expect([0, 1, 2].map((retriesDone) => schedulerRetry(policy, { retriesDone, ageMs: 0 }))).toEqual([
      { kind: 'retry', afterMs: 1000 },
      { kind: 'retry', afterMs: 2000 },
      { kind: 'retry', afterMs: 4000 },
    ]);
  });

  it('waits at most a minute between retries', () => {
    expect(schedulerRetry({ ...policy, maximumRetryAttempts: 185 }, { retriesDone: 10, ageMs: 0 })).toEqual({
      kind: 'retry',
      afterMs: 60_000,
    });
  });

  it('gives up once its retries are spent, naming the limit', () => {
    expect(schedulerRetry(policy, { retriesDone: 3, ageMs: 0 })).toEqual({
      kind: 'give-up',
      condition: 'MaximumRetryAttempts',
    });
  });

  it('gives up when the next wait would pass the maximum event age', () => {
    expect(schedulerRetry(policy, { retriesDone: 1, ageMs: 3599_000 })).toEqual({
      kind: 'give-up',
      condition: 'MaximumEventAgeInSeconds',
    });
  });
});

describe("Lambda's asynchronous retries", () => {
  it('wait one minute, then two', () => {
    expect(lambdaAsyncRetry(LAMBDA_ASYNC_DEFAULTS, { retriesDone: 0, ageMs: 0 })).toEqual({
      kind: 'retry',
      afterMs: 60_000,
    });
    expect(lambdaAsyncRetry(LAMBDA_ASYNC_DEFAULTS, { retriesDone: 1, ageMs: 60_000 })).toEqual({
      kind: 'retry',
      afterMs: 120_000,
    });
  });

  it('stop after the configured retries, or before the event grows too old', () => {
    expect(lambdaAsyncRetry(LAMBDA_ASYNC_DEFAULTS, { retriesDone: 2, ageMs: 180_000 })).toEqual({
      kind: 'give-up',
      condition: 'RetriesExhausted',
    });
    expect(
      lambdaAsyncRetry(
        { maximumRetryAttempts: 2, maximumEventAgeSeconds: 120 },
        { retriesDone: 1, ageMs: 60_000 },
      ),
    ).toEqual({ kind: 'give-up', condition: 'EventAgeExceeded' });
  });
});
