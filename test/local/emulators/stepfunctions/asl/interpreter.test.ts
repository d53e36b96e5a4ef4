import { scaledClock } from '../../../../../local/emulators/stepfunctions/asl/clock';
import type { JsonValue } from '../../../../../local/emulators/stepfunctions/asl/jsonpath';
import { FakeClock, FakeLambdas, fail, functionArn, ok, output, runMachine, single } from '../helpers';

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

// Input and output processing: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html
describe('input and output processing', () => {
  it('selects the effective input with InputPath and the output with OutputPath', async () => {
    const result = await runMachine(single({ Type: 'Pass', InputPath: '$.order', OutputPath: '$.id' }), {
      order: { id: 'o-1' },
    });

    expect(output(result)).toBe('o-1');
  });

  it('treats a null InputPath and OutputPath as the empty object', async () => {
    const withNullInput = await runMachine(single({ Type: 'Pass', InputPath: null }), { a: 1 });
    const withNullOutput = await runMachine(single({ Type: 'Pass', OutputPath: null }), { a: 1 });

    expect(output(withNullInput)).toEqual({});
    expect(output(withNullOutput)).toEqual({});
  });

  it('places the result at ResultPath inside the raw input, not the InputPath selection', async () => {
    const result = await runMachine(
      single({ Type: 'Pass', InputPath: '$.a', Result: { done: true }, ResultPath: '$.status.step' }),
      { a: { x: 1 }, keep: 'me' },
    );

    expect(output(result)).toEqual({ a: { x: 1 }, keep: 'me', status: { step: { done: true } } });
  });

  it('takes a Pass state Result of null as the result rather than falling back to the input', async () => {
    const result = await runMachine(single({ Type: 'Pass', Result: null, ResultPath: '$.cleared' }), {
      a: 1,
    });

    expect(output(result)).toEqual({ a: 1, cleared: null });
  });

  it('discards the result and passes the raw input on when ResultPath is null', async () => {
    const result = await runMachine(single({ Type: 'Pass', Result: 'ignored', ResultPath: null }), { a: 1 });

    expect(output(result)).toEqual({ a: 1 });
  });

  it('builds Parameters from static values, paths and nested objects', async () => {
    const result = await runMachine(
      single({
        Type: 'Pass',
        Parameters: {
          static: 'v',
          'fromInput.$': '$.user.name',
          nested: { 'list.$': '$.items[*].id', arr: [{ 'first.$': '$.items[0].id' }] },
        },
      }),
      { user: { name: 'Ada' }, items: [{ id: 'a' }, { id: 'b' }] },
    );

    expect(output(result)).toEqual({
      static: 'v',
      fromInput: 'Ada',
      nested: { list: ['a', 'b'], arr: [{ first: 'a' }] },
    });
  });

  it('exposes the context object through $$ paths', async () => {
    const clock = new FakeClock(Date.parse('2025-03-04T05:06:07.000Z'));

    const result = await runMachine(
      {
        StartAt: 'Ctx',
        States: {
          Ctx: {
            Type: 'Pass',
            Parameters: {
              'executionId.$': '$$.Execution.Id',
              'executionName.$': '$$.Execution.Name',
              'executionInput.$': '$$.Execution.Input',
              'startTime.$': '$$.Execution.StartTime',
              'state.$': '$$.State.Name',
              'entered.$': '$$.State.EnteredTime',
              'machineId.$': '$$.StateMachine.Id',
              'machineName.$': '$$.StateMachine.Name',
            },
            End: true,
          },
        },
      },
      { x: 1 },
      { clock },
    );

    expect(output(result)).toEqual({
      executionId: 'arn:aws:states:us-east-1:000000000000:execution:Machine:run-1',
      executionName: 'run-1',
      executionInput: { x: 1 },
      startTime: '2025-03-04T05:06:07.000Z',
      state: 'Ctx',
      entered: '2025-03-04T05:06:07.000Z',
      machineId: 'arn:aws:states:us-east-1:000000000000:stateMachine:Machine',
      machineName: 'Machine',
    });
  });

  it('fails the execution with States.Runtime when a Parameters path is missing', async () => {
    const result = await runMachine(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Pass',
            Parameters: { 'id.$': '$.missing' },
            End: true,
          },
        },
      },
      { present: 1 },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.outcome).toHaveProperty(
      'cause',
      "An error occurred while executing the state 'T'. The JSONPath '$.missing' specified for the field 'id.$' could not be found in the input '{\"present\":1}'",
    );
  });

  it('does not let a States.ALL catcher catch a States.Runtime error', async () => {
    const lambdas = new FakeLambdas({ f: () => ok({}) });

    const result = await runMachine(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: functionArn('f'),
            InputPath: '$.missing',
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Succeed' },
        },
      },
      {},
      { lambdas },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(lambdas.calls).toHaveLength(0);
  });
});

// Task state and Lambda: https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
describe('Lambda tasks', () => {
  it('passes the effective input to a function ARN resource and takes its return value as the result', async () => {
    const lambdas = new FakeLambdas({
      [functionArn('double')]: (p) => ok({ doubled: ((p as { n: number }).n ?? 0) * 2 }),
    });

    const result = await runMachine(
      single({ Type: 'Task', Resource: functionArn('double'), ResultPath: '$.out' }),
      { n: 21 },
      { lambdas },
    );

    expect(output(result)).toEqual({ n: 21, out: { doubled: 42 } });
    expect(lambdas.callsOf(functionArn('double'))).toEqual([{ n: 21 }]);
    expect(result.types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('wraps the lambda:invoke result in the Invoke response so that ResultSelector can pick Payload', async () => {
    const lambdas = new FakeLambdas({ planner: () => ok({ total: 3 }) });

    const raw = await runMachine(
      single({
        Type: 'Task',
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: 'planner', 'Payload.$': '$' },
      }),
      { a: 1 },
      { lambdas },
    );
    const selected = await runMachine(
      single({
        Type: 'Task',
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: 'planner', Payload: { 'input.$': '$.a' } },
        ResultSelector: { 'total.$': '$.Payload.total', 'status.$': '$.StatusCode' },
        ResultPath: '$.plan',
      }),
      { a: 1 },
      { lambdas },
    );

    expect(output(raw)).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { total: 3 },
      SdkHttpMetadata: { HttpStatusCode: 200 },
      StatusCode: 200,
    });
    expect(output(raw)).toHaveProperty('SdkResponseMetadata.RequestId');
    expect(output(selected)).toEqual({ a: 1, plan: { total: 3, status: 200 } });
    expect(lambdas.callsOf('planner')).toEqual([{ a: 1 }, { input: 1 }]);
    expect(raw.types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(raw.events[2]).toMatchObject({
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        region: 'us-east-1',
        parameters: JSON.stringify({ FunctionName: 'planner', Payload: { a: 1 } }),
      },
    });
  });

  it("fails with the function's errorType and the Lambda error document as the cause", async () => {
    const lambdas = new FakeLambdas({
      f: () => ({ error: { errorType: 'ValidationError', errorMessage: 'bad input', trace: ['at x'] } }),
    });

    const result = await runMachine(
      single({ Type: 'Task', Resource: LAMBDA_INVOKE, Parameters: { FunctionName: 'f' } }),
      {},
      { lambdas },
    );

    expect(result.outcome).toEqual({
      status: 'FAILED',
      error: 'ValidationError',
      cause: JSON.stringify({ errorType: 'ValidationError', errorMessage: 'bad input', trace: ['at x'] }),
    });
    expect(result.types).toContain('TaskFailed');
    expect(result.types.at(-1)).toBe('ExecutionFailed');
  });

  it('reports a rejected invoke as Lambda.ServiceException', async () => {
    const lambdas = new FakeLambdas({ f: () => Promise.reject(new Error('connection reset')) });

    const result = await runMachine(
      single({ Type: 'Task', Resource: functionArn('f') }),
      {},
      {
        lambdas: new FakeLambdas({ [functionArn('f')]: () => Promise.reject(new Error('connection reset')) }),
      },
    );
    const viaInvoke = await runMachine(
      single({ Type: 'Task', Resource: LAMBDA_INVOKE, Parameters: { FunctionName: 'f' } }),
      {},
      { lambdas },
    );

    expect(result.outcome).toEqual({
      status: 'FAILED',
      error: 'Lambda.ServiceException',
      cause: 'connection reset',
    });
    expect(viaInvoke.outcome).toMatchObject({ error: 'Lambda.ServiceException' });
  });

  it('times out a task after TimeoutSeconds with States.Timeout', async () => {
    const lambdas = new FakeLambdas({ [functionArn('slow')]: () => new Promise(() => undefined) });

    const result = await runMachine(
      single({ Type: 'Task', Resource: functionArn('slow'), TimeoutSeconds: 2 }),
      {},
      { lambdas, clock: scaledClock(0.001) },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(result.types).toContain('LambdaFunctionTimedOut');
    expect(result.events.find((e) => e.type === 'LambdaFunctionScheduled')).toMatchObject({
      lambdaFunctionScheduledEventDetails: { timeoutInSeconds: 2 },
    });
  });

  it('reads the task timeout from TimeoutSecondsPath', async () => {
    const lambdas = new FakeLambdas({ slow: () => new Promise(() => undefined) });

    const result = await runMachine(
      single({
        Type: 'Task',
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: 'slow' },
        TimeoutSecondsPath: '$.limit',
      }),
      { limit: 1 },
      { lambdas, clock: scaledClock(0.001) },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(result.types).toContain('TaskTimedOut');
  });
});

// Retry and Catch: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
describe('error handling', () => {
  const flaky = (failures: number, errorType = 'Lambda.ServiceException') =>
    new FakeLambdas({
      [functionArn('flaky')]: (_p, call) => (call <= failures ? fail(errorType) : ok({ call })),
    });

  it('retries with exponential backoff until the task succeeds', async () => {
    const clock = new FakeClock();
    const lambdas = flaky(3);

    const result = await runMachine(
      single({
        Type: 'Task',
        Resource: functionArn('flaky'),
        Retry: [
          { ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 5 },
        ],
      }),
      {},
      { lambdas, clock },
    );

    expect(output(result)).toEqual({ call: 4 });
    expect(clock.sleeps).toEqual([2000, 6000, 18000]);
    expect(result.types.filter((t) => t === 'LambdaFunctionScheduled')).toHaveLength(4);
    expect(result.types.filter((t) => t === 'TaskStateEntered')).toHaveLength(1);
  });

  it('retries three times by default (IntervalSeconds 1, BackoffRate 2) before failing', async () => {
    const clock = new FakeClock();
    const lambdas = flaky(10, 'Boom');

    const result = await runMachine(
      single({ Type: 'Task', Resource: functionArn('flaky'), Retry: [{ ErrorEquals: ['States.ALL'] }] }),
      {},
      { lambdas, clock },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'Boom' });
    expect(lambdas.calls).toHaveLength(4);
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
  });

  it('caps the backoff at MaxDelaySeconds', async () => {
    const clock = new FakeClock();

    await runMachine(
      single({
        Type: 'Task',
        Resource: functionArn('flaky'),
        Retry: [
          {
            ErrorEquals: ['States.ALL'],
            IntervalSeconds: 5,
            BackoffRate: 4,
            MaxAttempts: 3,
            MaxDelaySeconds: 30,
          },
        ],
      }),
      {},
      { lambdas: flaky(10), clock },
    );

    expect(clock.sleeps).toEqual([5000, 20000, 30000]);
  });

  it('spreads a FULL jitter delay over zero to the backoff interval', async () => {
    const clock = new FakeClock();

    await runMachine(
      single({
        Type: 'Task',
        Resource: functionArn('flaky'),
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 4, MaxAttempts: 2, JitterStrategy: 'FULL' }],
      }),
      {},
      { lambdas: flaky(10), clock, random: () => 0.25 },
    );

    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('never retries when MaxAttempts is 0', async () => {
    const lambdas = flaky(1);

    const result = await runMachine(
      single({
        Type: 'Task',
        Resource: functionArn('flaky'),
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 0 }],
      }),
      {},
      { lambdas },
    );

    expect(result.outcome.status).toBe('FAILED');
    expect(lambdas.calls).toHaveLength(1);
  });

  it('uses only the first retrier whose ErrorEquals matches, with its own attempt count', async () => {
    const clock = new FakeClock();
    const lambdas = flaky(10, 'Throttled');

    await runMachine(
      single({
        Type: 'Task',
        Resource: functionArn('flaky'),
        Retry: [
          { ErrorEquals: ['Throttled'], IntervalSeconds: 1, MaxAttempts: 1 },
          { ErrorEquals: ['States.ALL'], IntervalSeconds: 7, MaxAttempts: 5 },
        ],
      }),
      {},
      { lambdas, clock },
    );

    expect(lambdas.calls).toHaveLength(2);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('counts retries in $$.State.RetryCount', async () => {
    const lambdas = flaky(2);

    await runMachine(
      single({
        Type: 'Task',
        Resource: functionArn('flaky'),
        Parameters: { 'retry.$': '$$.State.RetryCount' },
        Retry: [{ ErrorEquals: ['States.ALL'] }],
      }),
      {},
      { lambdas },
    );

    expect(lambdas.calls.map((c) => c.payload)).toEqual([{ retry: 0 }, { retry: 1 }, { retry: 2 }]);
  });

  it('does not match States.Timeout with States.TaskFailed', async () => {
    const lambdas = new FakeLambdas({ [functionArn('slow')]: () => new Promise(() => undefined) });

    const result = await runMachine(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: functionArn('slow'),
            TimeoutSeconds: 1,
            Catch: [
              { ErrorEquals: ['States.TaskFailed'], Next: 'TaskFailed' },
              { ErrorEquals: ['States.Timeout'], Next: 'TimedOut' },
            ],
            End: true,
          },
          TaskFailed: { Type: 'Pass', Result: 'task-failed', End: true },
          TimedOut: { Type: 'Pass', Result: 'timed-out', End: true },
        },
      },
      {},
      { lambdas, clock: scaledClock(0.001) },
    );

    expect(output(result)).toBe('timed-out');
  });

  it('routes each error to the first matching catcher and places {Error, Cause} at its ResultPath', async () => {
    const machine: JsonValue = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: functionArn('f'),
          Catch: [
            { ErrorEquals: ['NotFound'], Next: 'Missing', ResultPath: '$.error' },
            { ErrorEquals: ['States.TaskFailed'], Next: 'Other' },
          ],
          End: true,
        },
        Missing: { Type: 'Pass', End: true },
        Other: { Type: 'Pass', End: true },
      },
    };
    const lambdas = (errorType: string) =>
      new FakeLambdas({ [functionArn('f')]: () => fail(errorType, 'nope') });

    const notFound = await runMachine(machine, { id: 7 }, { lambdas: lambdas('NotFound') });
    const other = await runMachine(machine, { id: 7 }, { lambdas: lambdas('Kaboom') });

    expect(output(notFound)).toEqual({
      id: 7,
      error: { Error: 'NotFound', Cause: JSON.stringify({ errorType: 'NotFound', errorMessage: 'nope' }) },
    });
    expect(notFound.types).toContain('PassStateEntered');
    expect(output(other)).toEqual({
      Error: 'Kaboom',
      Cause: JSON.stringify({ errorType: 'Kaboom', errorMessage: 'nope' }),
    });
  });

  it('tries the catchers once the retrier is exhausted', async () => {
    const clock = new FakeClock();
    const lambdas = flaky(10);

    const result = await runMachine(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: functionArn('flaky'),
            Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Recovered' }],
            End: true,
          },
          Recovered: { Type: 'Succeed' },
        },
      },
      { keep: true },
      { lambdas, clock },
    );

    expect(output(result)).toEqual({ keep: true });
    expect(lambdas.calls).toHaveLength(3);
  });
});

// Choice state: https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html
describe('Choice', () => {
  const choose = (rule: Record<string, JsonValue>, input: JsonValue, withDefault = true) =>
    runMachine(
      {
        StartAt: 'C',
        States: {
          C: {
            Type: 'Choice',
            Choices: [{ ...rule, Next: 'Yes' }],
            ...(withDefault ? { Default: 'No' } : {}),
          },
          Yes: { Type: 'Pass', Result: 'yes', End: true },
          No: { Type: 'Pass', Result: 'no', End: true },
        },
      },
      input,
    );

  it.each<[string, Record<string, JsonValue>, JsonValue, string]>([
    ['StringEquals', { Variable: '$.s', StringEquals: 'abc' }, { s: 'abc' }, 'yes'],
    ['StringEquals on a number', { Variable: '$.s', StringEquals: '1' }, { s: 1 }, 'no'],
    ['StringEqualsPath', { Variable: '$.s', StringEqualsPath: '$.t' }, { s: 'x', t: 'x' }, 'yes'],
    ['StringLessThan', { Variable: '$.s', StringLessThan: 'b' }, { s: 'a' }, 'yes'],
    ['StringGreaterThanEquals', { Variable: '$.s', StringGreaterThanEquals: 'b' }, { s: 'a' }, 'no'],
    ['StringMatches', { Variable: '$.s', StringMatches: 'log-*.txt' }, { s: 'log-2025.txt' }, 'yes'],
    ['StringMatches with an escaped star', { Variable: '$.s', StringMatches: 'a\\*' }, { s: 'ab' }, 'no'],
    ['NumericEquals', { Variable: '$.n', NumericEquals: 3 }, { n: 3 }, 'yes'],
    ['NumericLessThan', { Variable: '$.n', NumericLessThan: 3 }, { n: 3 }, 'no'],
    ['NumericLessThanEquals', { Variable: '$.n', NumericLessThanEquals: 3 }, { n: 3 }, 'yes'],
    ['NumericGreaterThan', { Variable: '$.n', NumericGreaterThan: 2.5 }, { n: 3 }, 'yes'],
    [
      'NumericGreaterThanEqualsPath',
      { Variable: '$.n', NumericGreaterThanEqualsPath: '$.min' },
      { n: 3, min: 4 },
      'no',
    ],
    ['NumericEquals on a string', { Variable: '$.n', NumericEquals: 3 }, { n: '3' }, 'no'],
    ['BooleanEquals', { Variable: '$.b', BooleanEquals: true }, { b: true }, 'yes'],
    ['BooleanEqualsPath', { Variable: '$.b', BooleanEqualsPath: '$.c' }, { b: true, c: false }, 'no'],
    [
      'TimestampLessThan',
      { Variable: '$.t', TimestampLessThan: '2025-01-01T00:00:00Z' },
      { t: '2024-12-31T23:59:59Z' },
      'yes',
    ],
    [
      'TimestampGreaterThanPath',
      { Variable: '$.t', TimestampGreaterThanPath: '$.u' },
      { t: '2025-01-01T00:00:00+01:00', u: '2024-12-31T23:30:00Z' },
      'no',
    ],
    [
      'TimestampEquals across offsets',
      { Variable: '$.t', TimestampEquals: '2025-01-01T01:00:00+01:00' },
      { t: '2025-01-01T00:00:00Z' },
      'yes',
    ],
    ['IsPresent on a missing field', { Variable: '$.missing', IsPresent: false }, {}, 'yes'],
    ['IsNull', { Variable: '$.v', IsNull: true }, { v: null }, 'yes'],
    ['IsString', { Variable: '$.v', IsString: true }, { v: 1 }, 'no'],
    ['IsNumeric', { Variable: '$.v', IsNumeric: true }, { v: 1.5 }, 'yes'],
    ['IsBoolean', { Variable: '$.v', IsBoolean: false }, { v: 'true' }, 'yes'],
    ['IsTimestamp', { Variable: '$.v', IsTimestamp: true }, { v: '2025-06-01T12:00:00.123Z' }, 'yes'],
    [
      'And',
      {
        And: [
          { Variable: '$.a', NumericGreaterThan: 1 },
          { Variable: '$.b', StringEquals: 'x' },
        ],
      },
      { a: 2, b: 'y' },
      'no',
    ],
    [
      'Or',
      {
        Or: [
          { Variable: '$.a', NumericGreaterThan: 1 },
          { Variable: '$.b', StringEquals: 'x' },
        ],
      },
      { a: 0, b: 'x' },
      'yes',
    ],
    ['Not', { Not: { Variable: '$.a', IsPresent: true } }, {}, 'yes'],
    ['a context variable', { Variable: '$$.State.Name', StringEquals: 'C' }, {}, 'yes'],
  ])('evaluates %s', async (_name, rule, input, expected) => {
    expect(output(await choose(rule, input))).toBe(expected);
  });

  it('fails with States.NoChoiceMatched when nothing matches and there is no Default', async () => {
    const result = await choose({ Variable: '$.n', NumericEquals: 1 }, { n: 2 }, false);

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' });
  });

  it('fails with States.Runtime when the Variable is missing', async () => {
    const result = await choose({ Variable: '$.n', NumericEquals: 1 }, {});

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(JSON.stringify(result.outcome)).toContain("Invalid path '$.n'");
  });

  it('passes its input on unchanged, filtered by InputPath and OutputPath', async () => {
    const result = await runMachine(
      {
        StartAt: 'C',
        States: {
          C: {
            Type: 'Choice',
            InputPath: '$.inner',
            OutputPath: '$.keep',
            Choices: [{ Variable: '$.go', BooleanEquals: true, Next: 'Done' }],
          },
          Done: { Type: 'Succeed' },
        },
      },
      { inner: { go: true, keep: { k: 1 } } },
    );

    expect(output(result)).toEqual({ k: 1 });
    expect(result.types).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

// Wait state: https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
describe('Wait', () => {
  it.each<[string, Record<string, JsonValue>, JsonValue, number]>([
    ['Seconds', { Seconds: 10 }, {}, 10_000],
    ['SecondsPath', { SecondsPath: '$.delay' }, { delay: 7 }, 7_000],
    ['Timestamp', { Timestamp: '2025-01-01T00:01:00Z' }, {}, 60_000],
    ['TimestampPath', { TimestampPath: '$.until' }, { until: '2025-01-01T00:00:30.500Z' }, 30_500],
    ['a Timestamp in the past', { Timestamp: '2024-01-01T00:00:00Z' }, {}, 0],
  ])('waits for %s', async (_name, wait, input, expectedMs) => {
    const clock = new FakeClock(Date.parse('2025-01-01T00:00:00.000Z'));

    const result = await runMachine(single({ Type: 'Wait', ...wait }), input, { clock });

    expect(output(result)).toEqual(input);
    expect(clock.sleeps).toEqual([expectedMs]);
    expect(result.types).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('fails with States.Runtime when SecondsPath does not hold a non-negative integer', async () => {
    const result = await runMachine(single({ Type: 'Wait', SecondsPath: '$.delay' }), { delay: 'soon' });

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('waits in real time scaled by the clock time scale', async () => {
    const started = Date.now();

    await runMachine(single({ Type: 'Wait', Seconds: 20 }), {}, { clock: scaledClock(0.01) });

    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

// Succeed and Fail states: https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html
describe('Succeed and Fail', () => {
  it('ends the execution successfully with the Succeed state output', async () => {
    const result = await runMachine(
      { StartAt: 'S', States: { S: { Type: 'Succeed', InputPath: '$.a', OutputPath: '$.b' } } },
      { a: { b: 'out' } },
    );

    expect(output(result)).toBe('out');
  });

  it('fails the execution with the static Error and Cause', async () => {
    const result = await runMachine(
      { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Rejected', Cause: 'Limit reached' } } },
      {},
    );

    expect(result.outcome).toEqual({ status: 'FAILED', error: 'Rejected', cause: 'Limit reached' });
    expect(result.types).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('reads the Error and Cause from ErrorPath and CausePath', async () => {
    const result = await runMachine(
      {
        StartAt: 'F',
        States: { F: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' } },
      },
      { error: { Error: 'OrderFailed', Cause: 'order 9 failed' } },
    );

    expect(result.outcome).toEqual({ status: 'FAILED', error: 'OrderFailed', cause: 'order 9 failed' });
  });
});

// Execution history: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
describe('execution history', () => {
  it('numbers events from 1, links each to the previous one and stamps them with the clock', async () => {
    const clock = new FakeClock(Date.parse('2025-02-02T00:00:00.000Z'));

    const result = await runMachine(
      {
        StartAt: 'A',
        States: { A: { Type: 'Pass', Next: 'W' }, W: { Type: 'Wait', Seconds: 5, End: true } },
      },
      { in: 1 },
      { clock },
    );

    expect(result.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.events.map((e) => e.previousEventId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(result.events[0]).toMatchObject({
      type: 'ExecutionStarted',
      timestamp: new Date('2025-02-02T00:00:00.000Z'),
      executionStartedEventDetails: {
        input: '{"in":1}',
        roleArn: 'arn:aws:iam::000000000000:role/MachineRole',
      },
    });
    expect(result.events[1]).toMatchObject({
      type: 'PassStateEntered',
      stateEnteredEventDetails: { name: 'A', input: '{"in":1}' },
    });
    expect(result.events.at(-1)).toMatchObject({
      type: 'ExecutionSucceeded',
      timestamp: new Date('2025-02-02T00:00:05.000Z'),
      executionSucceededEventDetails: { output: '{"in":1}' },
    });
  });

  it('times the whole execution out after the machine TimeoutSeconds', async () => {
    const result = await runMachine(
      { TimeoutSeconds: 1, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } },
      {},
      { clock: scaledClock(0.001) },
    );

    expect(result.outcome).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(result.types.at(-1)).toBe('ExecutionTimedOut');
  });

  it('stops without further events when the run is aborted', async () => {
    const controller = new AbortController();
    const lambdas = new FakeLambdas({
      [functionArn('hang')]: () => {
        controller.abort(new Error('stopped'));
        return new Promise(() => undefined);
      },
    });

    const result = await runMachine(
      single({ Type: 'Task', Resource: functionArn('hang') }),
      {},
      { lambdas, signal: controller.signal },
    );

    expect(result.outcome).toEqual({ status: 'ABORTED' });
    expect(result.types.at(-1)).toBe('LambdaFunctionStarted');
  });

  it('fails with States.DataLimitExceeded when a state output exceeds 256 KiB', async () => {
    const result = await runMachine(single({ Type: 'Pass', Result: 'x'.repeat(262_145) }), {});

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });
});

// Quotas: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (25,000 history events)
describe('history quota', () => {
  it('fails a looping execution with States.Runtime once its history reaches 25,000 events', async () => {
    const result = await runMachine(
      {
        StartAt: 'Count',
        States: {
          Count: { Type: 'Pass', Next: 'Again?' },
          'Again?': {
            Type: 'Choice',
            Choices: [{ Variable: '$.n', NumericLessThan: 1, Next: 'Count' }],
            Default: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
      { n: 0 },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.events).toHaveLength(25_000);
    expect(result.types.at(-1)).toBe('ExecutionFailed');
  });
});
