import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { LambdaApiEmulator } from '../../../../local/emulators/lambda-api';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import type { InvokeOutcome } from '../../../../local/lambda/types';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('Lambda API emulator through the AWS SDK v3 client (REST-JSON): Invoke', () => {
  let running: RunningEmulator;
  let lambda: LambdaClient;
  const invoked: { name: string; event: unknown }[] = [];
  const outcomes = new Map<string, InvokeOutcome>();

  beforeAll(async () => {
    const emulator = new LambdaApiEmulator({
      invoke: (name, event) => {
        invoked.push({ name, event });
        return Promise.resolve(
          outcomes.get(name) ?? {
            kind: 'service',
            statusCode: 404,
            error: { errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${name}` },
          },
        );
      },
    });
    running = await emulator.start();
    lambda = new LambdaClient({ endpoint: running.endpoint, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    lambda.destroy();
    await running.stop();
  });

  const payloadOf = (bytes: Uint8Array | undefined) =>
    JSON.parse(Buffer.from(bytes ?? []).toString('utf8')) as unknown;

  // "If the function ran, the response is the function's output" (Lambda API Reference, Invoke).
  it("answers the handler's result as the payload, with the version that ran", async () => {
    outcomes.set('Reconcile', { result: { checked: 3 }, requestId: 'r', coldStart: false, durationMs: 1 });

    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: 'Reconcile',
        Payload: Buffer.from(JSON.stringify({ provider: 'stripe' })),
      }),
    );

    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBeUndefined();
    expect(answer.ExecutedVersion).toBe('$LATEST');
    expect(payloadOf(answer.Payload)).toEqual({ checked: 3 });
    expect(invoked.at(-1)).toEqual({ name: 'Reconcile', event: { provider: 'stripe' } });
  });

  // "If there is an error in the function, the response contains details about the error
  // (FunctionError): Unhandled" — with status 200, the error document as the payload.
  it('answers a function error 200 with FunctionError and the error document', async () => {
    outcomes.set('Failing', {
      kind: 'function',
      error: { errorType: 'ReconcileRequestError', errorMessage: 'shopify is not reconciled by this stack' },
    });

    const answer = await lambda.send(
      new InvokeCommand({ FunctionName: 'Failing', Payload: Buffer.from('{}') }),
    );

    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBe('Unhandled');
    expect(payloadOf(answer.Payload)).toEqual({
      errorType: 'ReconcileRequestError',
      errorMessage: 'shopify is not reconciled by this stack',
    });
  });

  // "ResourceNotFoundException: The resource specified in the request does not exist." (HTTP 404)
  it('refuses an unknown function with ResourceNotFoundException', async () => {
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'Nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('resolves a function named by its ARN', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:Reconcile';
    outcomes.set(arn, { result: null, requestId: 'r', coldStart: false, durationMs: 1 });

    const answer = await lambda.send(new InvokeCommand({ FunctionName: arn }));

    expect(answer.StatusCode).toBe(200);
    expect(invoked.at(-1)?.name).toBe(arn);
  });
});
