import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import { StepFunctionsEmulator } from '../../../../local/emulators/stepfunctions';
import type { InvokeLambdaResult } from '../../../../local/emulators/stepfunctions/asl/interpreter';
import { FakeClock, FakeLambdas, fail, functionArn, ok } from './helpers';
import { rawRequest } from './raw-request';

const ROLE = 'arn:aws:iam::000000000000:role/StatesRole';
const ECHO = functionArn('echo');
const GATE = functionArn('gate');
const BROKEN = functionArn('broken');

const echoMachine = JSON.stringify({
  StartAt: 'Echo',
  States: { Echo: { Type: 'Task', Resource: ECHO, End: true } },
});
const gatedMachine = JSON.stringify({
  StartAt: 'Gate',
  States: { Gate: { Type: 'Task', Resource: GATE, Next: 'Done' }, Done: { Type: 'Succeed' } },
});
const brokenMachine = JSON.stringify({
  StartAt: 'Broken',
  States: { Broken: { Type: 'Task', Resource: BROKEN, End: true } },
});

/** Holds every `gate` invocation until released. */
class Gate {
  private waiting: ((result: InvokeLambdaResult) => void)[] = [];

  hold(): Promise<InvokeLambdaResult> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    for (const resolve of this.waiting) resolve(ok('released'));
    this.waiting = [];
  }
}

async function rejection(promise: Promise<unknown>): Promise<SFNServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SFNServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function client(endpoint: string, maxAttempts = 3): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });
}

describe('Step Functions emulator over the AWS JSON 1.0 protocol', () => {
  let emulator: StepFunctionsEmulator;
  let running: RunningEmulator;
  let sfn: SFNClient;
  let gate: Gate;

  beforeEach(async () => {
    gate = new Gate();
    const lambdas = new FakeLambdas({
      [ECHO]: (payload) => ok(payload),
      [GATE]: () => gate.hold(),
      [BROKEN]: () => fail('PaymentDeclined', 'card expired'),
    });
    emulator = new StepFunctionsEmulator({ invokeLambda: lambdas.invoke, clock: new FakeClock() });
    running = await emulator.start();
    sfn = client(running.endpoint);
  });

  afterEach(async () => {
    sfn.destroy();
    gate.release();
    await emulator.dispose();
    await running.stop();
  });

  async function create(name: string, definition = echoMachine): Promise<string> {
    return (await sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE })))
      .stateMachineArn!;
  }

  async function finished(executionArn: string | undefined) {
    await emulator.waitForExecution(executionArn!);
    return sfn.send(new DescribeExecutionCommand({ executionArn }));
  }

  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
  describe('CreateStateMachine', () => {
    it('returns the state machine ARN in the real format with its creation date', async () => {
      const output = await sfn.send(
        new CreateStateMachineCommand({ name: 'Orders', definition: echoMachine, roleArn: ROLE }),
      );

      expect(output.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:Orders');
      expect(output.creationDate).toBeInstanceOf(Date);
    });

    it('refuses an invalid definition with InvalidDefinition naming the state', async () => {
      const definition = JSON.stringify({
        StartAt: 'Hold',
        States: { Hold: { Type: 'Activity', End: true } },
      });

      const error = await rejection(
        sfn.send(new CreateStateMachineCommand({ name: 'Bad', definition, roleArn: ROLE })),
      );

      expect(error.name).toBe('InvalidDefinition');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toContain('Type "Activity" is not supported by the local interpreter');
      expect(error.message).toContain('at /States/Hold/Type');
    });

    it('is idempotent for an identical request and refuses a different definition under the same name', async () => {
      const first = await create('Same');

      const again = await create('Same');
      const error = await rejection(create('Same', gatedMachine));

      expect(again).toBe(first);
      expect(error.name).toBe('StateMachineAlreadyExists');
    });

    it('refuses a name with forbidden characters with ValidationException', async () => {
      const error = await rejection(
        sfn.send(
          new CreateStateMachineCommand({ name: 'has space', definition: echoMachine, roleArn: ROLE }),
        ),
      );

      expect(error.name).toBe('ValidationException');
    });
  });

  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html
  describe('StartExecution and DescribeExecution', () => {
    it('runs an execution to SUCCEEDED with its output, start and stop dates', async () => {
      const arn = await create('Echo');

      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'first', input: '{"hello":"world"}' }),
      );
      const described = await finished(started.executionArn);

      expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Echo:first');
      expect(started.startDate).toBeInstanceOf(Date);
      expect(described).toMatchObject({
        executionArn: started.executionArn,
        stateMachineArn: arn,
        name: 'first',
        status: 'SUCCEEDED',
        input: '{"hello":"world"}',
        output: '{"hello":"world"}',
      });
      expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    });

    it('encodes dates as epoch seconds on the wire', async () => {
      const arn = await create('Wire');
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));

      const answer = await rawRequest(
        running.endpoint,
        'DescribeExecution',
        JSON.stringify({ executionArn }),
      );

      expect(answer.headers.get('content-type')).toBe('application/x-amz-json-1.0');
      expect(typeof (JSON.parse(answer.text) as { startDate: unknown }).startDate).toBe('number');
    });

    it('names an execution with a UUID and uses {} as input when neither is given', async () => {
      const arn = await create('Defaults');

      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
      const described = await finished(executionArn);

      expect(described.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(described.input).toBe('{}');
    });

    it('reports RUNNING while a task is in flight', async () => {
      const arn = await create('Gated', gatedMachine);

      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
      const whileRunning = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      gate.release();
      const afterwards = await finished(executionArn);

      expect(whileRunning.status).toBe('RUNNING');
      expect(whileRunning.stopDate).toBeUndefined();
      expect(afterwards.status).toBe('SUCCEEDED');
    });

    it('reports FAILED with the error and cause of the failing task', async () => {
      const arn = await create('Broken', brokenMachine);

      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
      const described = await finished(executionArn);

      expect(described).toMatchObject({
        status: 'FAILED',
        error: 'PaymentDeclined',
        cause: JSON.stringify({ errorType: 'PaymentDeclined', errorMessage: 'card expired' }),
      });
      expect(described.output).toBeUndefined();
    });

    it('refuses input that is not JSON with InvalidExecutionInput', async () => {
      const arn = await create('BadInput');

      const error = await rejection(
        sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{nope' })),
      );

      expect(error.name).toBe('InvalidExecutionInput');
    });

    it('answers a repeated start of a running execution with the same name and input with the original execution', async () => {
      const arn = await create('Repeat', gatedMachine);

      const first = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'once', input: '{"a":1}' }),
      );
      const again = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'once', input: '{"a":1}' }),
      );
      const different = await rejection(
        sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'once', input: '{"a":2}' })),
      );

      expect(again.executionArn).toBe(first.executionArn);
      expect(again.startDate).toEqual(first.startDate);
      expect(different.name).toBe('ExecutionAlreadyExists');
    });

    it('refuses to reuse the name of a closed execution', async () => {
      const arn = await create('Closed');
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'done' }),
      );
      await finished(executionArn);

      const error = await rejection(
        sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'done' })),
      );

      expect(error.name).toBe('ExecutionAlreadyExists');
    });

    it('answers ExecutionDoesNotExist for an unknown execution and StateMachineDoesNotExist for an unknown machine', async () => {
      const missingExecution = await rejection(
        sfn.send(
          new DescribeExecutionCommand({
            executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Nope:nope',
          }),
        ),
      );
      const missingMachine = await rejection(
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Nope',
          }),
        ),
      );

      expect(missingExecution.name).toBe('ExecutionDoesNotExist');
      expect(missingMachine.name).toBe('StateMachineDoesNotExist');
    });
  });

  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
  describe('GetExecutionHistory', () => {
    it('returns the events with their ids, types, details and timestamps', async () => {
      const arn = await create('History');
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, input: '{"n":1}' }),
      );
      await finished(executionArn);

      const { events, nextToken } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));

      expect(nextToken).toBeUndefined();
      expect(events!.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      expect(events![2]).toMatchObject({
        id: 3,
        previousEventId: 2,
        lambdaFunctionScheduledEventDetails: { resource: ECHO, input: '{"n":1}' },
      });
      expect(events![0]?.timestamp).toBeInstanceOf(Date);
    });

    it('returns the first maxResults events, in either order', async () => {
      const arn = await create('Paged');
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
      await finished(executionArn);

      const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4 }));
      const reversed = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 2, reverseOrder: true }),
      );

      expect(first.events!.map((e) => e.id)).toEqual([1, 2, 3, 4]);
      expect(reversed.events!.map((e) => e.type)).toEqual(['ExecutionSucceeded', 'TaskStateExited']);
    });

    it('leaves input and output out when includeExecutionData is false', async () => {
      const arn = await create('NoData');
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, input: '{"secret":1}' }),
      );
      await finished(executionArn);

      const { events } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
      );

      expect(JSON.stringify(events)).not.toContain('secret');
      expect(events![0]).toHaveProperty('executionStartedEventDetails.roleArn', ROLE);
    });
  });

  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html
  describe('StopExecution', () => {
    it('aborts a running execution, recording ExecutionAborted with the given error and cause', async () => {
      const arn = await create('Stoppable', gatedMachine);
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));

      const stopped = await sfn.send(
        new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'replay cancelled' }),
      );
      gate.release();
      const described = await finished(executionArn);
      const { events } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }),
      );

      expect(stopped.stopDate).toBeInstanceOf(Date);
      expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'replay cancelled' });
      expect(events![0]).toMatchObject({
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { error: 'Operator', cause: 'replay cancelled' },
      });
    });
  });

  describe('protocol errors and test hooks', () => {
    it('answers an unknown action with UnknownOperationException rather than hanging', async () => {
      const answer = await rawRequest(running.endpoint, 'DeleteEverything', '{}');

      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({
        __type: expect.stringMatching(/#UnknownOperationException$/) as unknown,
      });
    });

    it('fails a call with an injected error that the SDK sees as that AWS error', async () => {
      emulator.injectFault('CreateStateMachine', {
        kind: 'error',
        code: 'ServiceQuotaExceededException',
        message: 'quota',
      });
      const once = client(running.endpoint, 1);

      const error = await rejection(
        once.send(new CreateStateMachineCommand({ name: 'Quota', definition: echoMachine, roleArn: ROLE })),
      );
      const next = await once.send(
        new CreateStateMachineCommand({ name: 'Quota', definition: echoMachine, roleArn: ROLE }),
      );
      once.destroy();

      expect(error.name).toBe('ServiceQuotaExceededException');
      expect(error.message).toBe('quota');
      expect(next.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:Quota');
    });

    // The SDK retries throttling errors: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
    it('lets the SDK retry injected throttling until the call goes through', async () => {
      emulator.injectFault('CreateStateMachine', { kind: 'throttle', times: 2 });

      const created = await create('Throttled');

      expect(created).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:Throttled');
      expect(emulator.counters()).toMatchObject({ CreateStateMachine: 3 });
    });

    // Same name and input while RUNNING returns the original execution: API_StartExecution.html (Idempotency).
    it('answers the SDK retry of a StartExecution whose response was dropped with the execution it already started', async () => {
      const arn = await create('Dropped', gatedMachine);
      emulator.injectFault('StartExecution', { kind: 'dropResponse' });

      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'lost-answer', input: '{"id":1}' }),
      );
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));

      expect(started.executionArn).toBe(
        'arn:aws:states:us-east-1:000000000000:execution:Dropped:lost-answer',
      );
      expect(described).toMatchObject({ name: 'lost-answer', status: 'RUNNING' });
      expect(emulator.counters()).toMatchObject({ StartExecution: 2 });
    });

    it('loses the answer of a dropped call without retries, though the call took effect', async () => {
      const arn = await create('DroppedOnce');
      emulator.injectFault('StartExecution', { kind: 'dropResponse' });
      const once = client(running.endpoint, 1);

      await expect(
        once.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'lost' })),
      ).rejects.toThrow();
      once.destroy();
      const described = await sfn.send(
        new DescribeExecutionCommand({
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:DroppedOnce:lost',
        }),
      );

      expect(described.name).toBe('lost');
    });

    it('counts requests by action', async () => {
      const arn = await create('Counted');
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
      await sfn.send(new DescribeExecutionCommand({ executionArn }));
      await sfn.send(new DescribeExecutionCommand({ executionArn }));

      expect(emulator.counters()).toEqual({ CreateStateMachine: 1, StartExecution: 1, DescribeExecution: 2 });
    });

    it('closes kept-alive connections on stop so that it can start again', async () => {
      await create('BeforeStop');

      await running.stop();
      running = await emulator.start();
      const again = client(running.endpoint);
      const created = await again.send(
        new CreateStateMachineCommand({ name: 'AfterStop', definition: echoMachine, roleArn: ROLE }),
      );
      again.destroy();

      expect(created.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:AfterStop');
    });
  });
});
