import type { InvokeOutcome } from '../../../../local/lambda/types';
import { invokeLambdaWith } from '../../../../local/emulators/stepfunctions/lambda';

function serviceAnswering(outcome: InvokeOutcome) {
  const calls: { name: string; event: unknown }[] = [];
  return {
    calls,
    invoke: (name: string, event: unknown): Promise<InvokeOutcome> => {
      calls.push({ name, event });
      return Promise.resolve(outcome);
    },
  };
}

// Lambda errors as Task states see them: https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
describe('adapting the local Lambda service to Task states', () => {
  it('passes the payload through and returns the function result', async () => {
    const service = serviceAnswering({
      result: { ok: true },
      requestId: 'r',
      coldStart: false,
      durationMs: 1,
    });

    const answer = await invokeLambdaWith(service)('fn', { a: 1 });

    expect(answer).toEqual({ payload: { ok: true } });
    expect(service.calls).toEqual([{ name: 'fn', event: { a: 1 } }]);
  });

  it("keeps the function's own errorType for a handler error or a function timeout", async () => {
    const handlerError = await invokeLambdaWith(
      serviceAnswering({
        kind: 'function',
        error: { errorType: 'ValidationError', errorMessage: 'bad', trace: ['at x'] },
      }),
    )('fn', {});
    const timeout = await invokeLambdaWith(
      serviceAnswering({
        kind: 'timeout',
        error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' },
      }),
    )('fn', {});

    expect(handlerError).toEqual({
      error: { errorType: 'ValidationError', errorMessage: 'bad', trace: ['at x'] },
    });
    expect(timeout).toEqual({
      error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' },
    });
  });

  it('names a refused Invoke call Lambda.<Exception>', async () => {
    const throttled = await invokeLambdaWith(
      serviceAnswering({
        kind: 'service',
        statusCode: 429,
        error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' },
      }),
    )('fn', {});

    expect(throttled).toEqual({
      error: { errorType: 'Lambda.TooManyRequestsException', errorMessage: 'Rate Exceeded.' },
    });
  });
});
