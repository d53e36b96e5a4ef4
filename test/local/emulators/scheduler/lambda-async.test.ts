import type { InvokeOutcome } from '../../../../local/lambda/types';
import { AsyncLambdaInvoker } from '../../../../local/emulators/scheduler';
import { ManualClock } from '../../../../local/emulators/sqs';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:RelayFlow-Producer';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:RelayFlow-ProducerDeadLetterQueue';
const EVENT = {
  relayflowSchedule: { name: 'nightly', scheduledTime: '2025-06-01T09:00:00Z', type: 'report' },
};

const ok: InvokeOutcome = { result: { published: 1 }, requestId: 'req-ok', coldStart: false, durationMs: 5 };
const failed = (n: number): InvokeOutcome => ({
  kind: 'function',
  requestId: `req-${n}`,
  error: { errorType: 'InfrastructureError', errorMessage: `event store write failed (${n})` },
});
const throttled: InvokeOutcome = {
  kind: 'service',
  statusCode: 429,
  error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' },
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

const anInvoker = (outcomes: InvokeOutcome[]) => {
  const clock = new ManualClock(Date.parse('2025-06-01T09:00:00Z'));
  const invoked: unknown[] = [];
  const sent: { queueArn: string; body: string; attributes: Readonly<Record<string, string>> }[] = [];
  const invoker = new AsyncLambdaInvoker({
    clock,
    invoke: (_arn, event) => {
      invoked.push(event);
      return Promise.resolve(outcomes.shift() ?? ok);
    },
    sendMessage: (queueArn, body, attributes) => {
      sent.push({ queueArn, body, attributes });
      return Promise.resolve();
    },
  });
  /** Moves past Lambda's retry waits, one minute at a time. */
  const wait = async (minutes: number) => {
    for (let i = 0; i < minutes; i += 1) {
      clock.advance(60_000);
      await settle();
    }
  };
  return { clock, invoker, invoked, sent, wait };
};

describe("Lambda's asynchronous invocation, as Scheduler makes it", () => {
  it('accepts an event the function handles, once', async () => {
    const { invoker, invoked } = anInvoker([ok]);

    await expect(invoker.invoke(FUNCTION_ARN, EVENT)).resolves.toEqual({ accepted: true });
    expect(invoked).toEqual([EVENT]);
  });

  it('refuses the Invoke call itself when Lambda does (throttled), for Scheduler to retry', async () => {
    const { invoker } = anInvoker([throttled]);

    await expect(invoker.invoke(FUNCTION_ARN, EVENT)).resolves.toEqual({
      accepted: false,
      errorCode: 'TooManyRequestsException',
      errorMessage: 'Rate Exceeded.',
    });
  });

  it("accepts an event the function fails on, retries it after one then two minutes, then puts it in the function's dead-letter queue", async () => {
    const { invoker, invoked, sent, wait } = anInvoker([failed(1), failed(2), failed(3)]);
    invoker.configure(FUNCTION_ARN, {
      maximumRetryAttempts: 2,
      maximumEventAgeSeconds: 21_600,
      deadLetterQueue: DLQ_ARN,
    });

    await expect(invoker.invoke(FUNCTION_ARN, EVENT)).resolves.toEqual({ accepted: true });
    await wait(1);
    expect(invoked).toHaveLength(2);
    await wait(1);
    expect(invoked).toHaveLength(2);
    await wait(1);
    await invoker.drain();

    expect(invoked).toHaveLength(3);
    expect(sent).toEqual([
      {
        queueArn: DLQ_ARN,
        body: JSON.stringify(EVENT),
        attributes: { RequestID: 'req-3', ErrorCode: '200', ErrorMessage: 'event store write failed (3)' },
      },
    ]);
  });

  it('dead-letters nothing when a retry succeeds', async () => {
    const { invoker, sent, wait } = anInvoker([failed(1), ok]);
    invoker.configure(FUNCTION_ARN, {
      maximumRetryAttempts: 2,
      maximumEventAgeSeconds: 21_600,
      deadLetterQueue: DLQ_ARN,
    });

    await invoker.invoke(FUNCTION_ARN, EVENT);
    await wait(1);
    await invoker.drain();

    expect(sent).toEqual([]);
  });

  it('stops retrying when the next wait would pass the maximum event age', async () => {
    const { invoker, invoked, sent, wait } = anInvoker([failed(1), failed(2)]);
    invoker.configure(FUNCTION_ARN, {
      maximumRetryAttempts: 2,
      maximumEventAgeSeconds: 90,
      deadLetterQueue: DLQ_ARN,
    });

    await invoker.invoke(FUNCTION_ARN, EVENT);
    await wait(1);
    await invoker.drain();

    expect(invoked).toHaveLength(2);
    expect(sent).toHaveLength(1);
  });

  it('loses the event of a function without a dead-letter queue, as Lambda does', async () => {
    const { invoker, sent, wait } = anInvoker([failed(1), failed(2), failed(3)]);

    await invoker.invoke(FUNCTION_ARN, EVENT);
    await wait(3);
    await invoker.drain();

    expect(sent).toEqual([]);
    expect(invoker.lost()).toEqual([
      {
        functionArn: FUNCTION_ARN,
        event: EVENT,
        error: { errorType: 'InfrastructureError', errorMessage: 'event store write failed (3)' },
      },
    ]);
  });
});
