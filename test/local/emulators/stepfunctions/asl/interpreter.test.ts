import { scaledClock } from '../../../../../local/emulators/stepfunctions/asl/clock';
import type { JsonValue } from '../../../../../local/emulators/stepfunctions/asl/jsonpath';
import { FakeClock, FakeLambdas, fail, functionArn, ok, output, runMachine, single } from '../helpers';

const ECHO = functionArn('echo');
const echo = (): FakeLambdas => new FakeLambdas({ [ECHO]: (payload) => ok(payload) });

// Input and output processing: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html
describe('input and output processing', () => {
  it('builds Parameters from static values, paths, indexes and nested objects', async () => {
    const result = await runMachine(
      single({
        Type: 'Task',
        Resource: ECHO,
        Parameters: {
          static: 'v',
          'all.$': '$',
          'fromInput.$': '$.user.name',
          nested: { 'first.$': '$.items[0].id', list: [1, 2] },
        },
      }),
      { user: { name: 'Ada' }, items: [{ id: 'a' }, { id: 'b' }] },
      { lambdas: echo() },
    );

    expect(output(result)).toEqual({
      static: 'v',
      all: { user: { name: 'Ada' }, items: [{ id: 'a' }, { id: 'b' }] },
      fromInput: 'Ada',
      nested: { first: 'a', list: [1, 2] },
    });
  });

  it('exposes the context object through $$ paths', async () => {
    const clock = new FakeClock(Date.parse('2025-03-04T05:06:07.000Z'));

    const result = await runMachine(
      {
        StartAt: 'Ctx',
        States: {
          Ctx: {
            Type: 'Task',
            Resource: ECHO,
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
      { clock, lambdas: echo() },
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
    const lambdas = echo();

    const result = await runMachine(
      single({ Type: 'Task', Resource: ECHO, Parameters: { 'id.$': '$.missing' } }),
      { present: 1 },
      { lambdas },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.outcome).toHaveProperty(
      'cause',
      "An error occurred while executing the state 'S'. The JSONPath '$.missing' specified for the field 'id.$' could not be found in the input '{\"present\":1}'",
    );
    expect(lambdas.calls).toHaveLength(0);
  });

  it('does not let a States.ALL catcher catch a States.Runtime error', async () => {
    const result = await runMachine(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: ECHO,
            Parameters: { 'id.$': '$.missing' },
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Succeed' },
        },
      },
      {},
      { lambdas: echo() },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });
});

// Task state and Lambda: https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
describe('Lambda tasks', () => {
  it('passes the input to a function ARN resource and takes its return value as the output', async () => {
    const lambdas = new FakeLambdas({
      [functionArn('double')]: (p) => ok({ doubled: ((p as { n: number }).n ?? 0) * 2 }),
    });

    const result = await runMachine(
      single({ Type: 'Task', Resource: functionArn('double') }),
      { n: 21 },
      { lambdas },
    );

    expect(output(result)).toEqual({ doubled: 42 });
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
    expect(result.events[2]).toMatchObject({
      lambdaFunctionScheduledEventDetails: { resource: functionArn('double'), input: '{"n":21}' },
    });
  });

  it("fails with the function's errorType and the Lambda error document as the cause", async () => {
    const lambdas = new FakeLambdas({
      [ECHO]: () => ({ error: { errorType: 'ValidationError', errorMessage: 'bad input', trace: ['at x'] } }),
    });

    const result = await runMachine(single({ Type: 'Task', Resource: ECHO }), {}, { lambdas });

    expect(result.outcome).toEqual({
      status: 'FAILED',
      error: 'ValidationError',
      cause: JSON.stringify({ errorType: 'ValidationError', errorMessage: 'bad input', trace: ['at x'] }),
    });
    expect(result.types).toContain('LambdaFunctionFailed');
    expect(result.types.at(-1)).toBe('ExecutionFailed');
  });

  it('reports a rejected invoke as Lambda.ServiceException', async () => {
    const lambdas = new FakeLambdas({ [ECHO]: () => Promise.reject(new Error('connection reset')) });

    const result = await runMachine(single({ Type: 'Task', Resource: ECHO }), {}, { lambdas });

    expect(result.outcome).toEqual({
      status: 'FAILED',
      error: 'Lambda.ServiceException',
      cause: 'connection reset',
    });
  });

  it('fails with States.DataLimitExceeded when a function returns more than 256 KiB', async () => {
    const lambdas = new FakeLambdas({ [ECHO]: () => ok('x'.repeat(262_145)) });

    const result = await runMachine(single({ Type: 'Task', Resource: ECHO }), {}, { lambdas });

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
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
        Missing: { Type: 'Succeed' },
        Other: { Type: 'Succeed' },
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
    expect(notFound.events.find((e) => e.type === 'SucceedStateEntered')).toMatchObject({
      stateEnteredEventDetails: { name: 'Missing' },
    });
    expect(output(other)).toEqual({
      Error: 'Kaboom',
      Cause: JSON.stringify({ errorType: 'Kaboom', errorMessage: 'nope' }),
    });
  });

  it('tries the catchers once the retrier is exhausted', async () => {
    const lambdas = flaky(10);

    const result = await runMachine(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: functionArn('flaky'),
            Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recovered' }],
            End: true,
          },
          Recovered: { Type: 'Succeed', OutputPath: '$.keep' },
        },
      },
      { keep: true },
      { lambdas, clock: new FakeClock() },
    );

    expect(output(result)).toBe(true);
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
          Yes: { Type: 'Succeed' },
          // Step Functions refuses a state that nothing transitions to.
          ...(withDefault ? { No: { Type: 'Succeed' } } : {}),
        },
      },
      input,
    );
  /** The name of the state the Choice went to. */
  const chosen = async (rule: Record<string, JsonValue>, input: JsonValue): Promise<unknown> => {
    const entered = (await choose(rule, input)).events.find((e) => e.type === 'SucceedStateEntered');
    return (entered?.stateEnteredEventDetails as { name: string } | undefined)?.name;
  };

  it.each<[string, Record<string, JsonValue>, JsonValue, string]>([
    ['BooleanEquals', { Variable: '$.b', BooleanEquals: true }, { b: true }, 'Yes'],
    ['BooleanEquals, unequal', { Variable: '$.b', BooleanEquals: true }, { b: false }, 'No'],
    ['BooleanEquals on a string', { Variable: '$.b', BooleanEquals: true }, { b: 'true' }, 'No'],
    ['NumericLessThanPath', { Variable: '$.n', NumericLessThanPath: '$.max' }, { n: 3, max: 4 }, 'Yes'],
    ['NumericLessThanPath, equal', { Variable: '$.n', NumericLessThanPath: '$.max' }, { n: 4, max: 4 }, 'No'],
    [
      'NumericLessThanPath on a string',
      { Variable: '$.n', NumericLessThanPath: '$.max' },
      { n: '3', max: 4 },
      'No',
    ],
    [
      'And, one rule false',
      {
        And: [
          { Variable: '$.b', BooleanEquals: true },
          { Variable: '$.n', NumericLessThanPath: '$.max' },
        ],
      },
      { b: true, n: 5, max: 4 },
      'No',
    ],
    [
      'And, every rule true',
      {
        And: [
          { Variable: '$.b', BooleanEquals: true },
          { Variable: '$.n', NumericLessThanPath: '$.max' },
        ],
      },
      { b: true, n: 3, max: 4 },
      'Yes',
    ],
  ])('evaluates %s', async (_name, rule, input, expected) => {
    expect(await chosen(rule, input)).toBe(expected);
  });

  it('fails with States.NoChoiceMatched when nothing matches and there is no Default', async () => {
    const result = await choose({ Variable: '$.b', BooleanEquals: true }, { b: false }, false);

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' });
  });

  it('fails with States.Runtime when the Variable is missing', async () => {
    const result = await choose({ Variable: '$.b', BooleanEquals: true }, {});

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(JSON.stringify(result.outcome)).toContain("Invalid path '$.b'");
  });

  it('passes its input on unchanged', async () => {
    const result = await choose({ Variable: '$.b', BooleanEquals: true }, { b: false, keep: { k: 1 } });

    expect(output(result)).toEqual({ b: false, keep: { k: 1 } });
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
  it('waits for the seconds at SecondsPath and passes its input on', async () => {
    const clock = new FakeClock();

    const result = await runMachine(
      single({ Type: 'Wait', SecondsPath: '$.delay' }),
      { delay: 7 },
      { clock },
    );

    expect(output(result)).toEqual({ delay: 7 });
    expect(clock.sleeps).toEqual([7000]);
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

    await runMachine(single({ Type: 'Wait', SecondsPath: '$.s' }), { s: 20 }, { clock: scaledClock(0.01) });

    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

// Succeed and Fail states: https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html
describe('Succeed and Fail', () => {
  it('ends the execution successfully with the Succeed state output, selected by OutputPath', async () => {
    const result = await runMachine(
      { StartAt: 'S', States: { S: { Type: 'Succeed', OutputPath: '$.a.b' } } },
      {
        a: { b: 'out' },
      },
    );

    expect(output(result)).toBe('out');
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
    expect(result.types).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
  });
});

// Execution history: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
describe('execution history', () => {
  it('numbers events from 1, links each to the previous one and stamps them with the clock', async () => {
    const clock = new FakeClock(Date.parse('2025-02-02T00:00:00.000Z'));

    const result = await runMachine(
      {
        StartAt: 'W',
        States: { W: { Type: 'Wait', SecondsPath: '$.in', Next: 'S' }, S: { Type: 'Succeed' } },
      },
      { in: 5 },
      { clock },
    );

    expect(result.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.events.map((e) => e.previousEventId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(result.events[0]).toMatchObject({
      type: 'ExecutionStarted',
      timestamp: new Date('2025-02-02T00:00:00.000Z'),
      executionStartedEventDetails: {
        input: '{"in":5}',
        roleArn: 'arn:aws:iam::000000000000:role/MachineRole',
      },
    });
    expect(result.events[1]).toMatchObject({
      type: 'WaitStateEntered',
      stateEnteredEventDetails: { name: 'W', input: '{"in":5}' },
    });
    expect(result.events.at(-1)).toMatchObject({
      type: 'ExecutionSucceeded',
      timestamp: new Date('2025-02-02T00:00:05.000Z'),
      executionSucceededEventDetails: { output: '{"in":5}' },
    });
  });

  it('times the whole execution out after the machine TimeoutSeconds', async () => {
    const result = await runMachine(
      { TimeoutSeconds: 1, StartAt: 'W', States: { W: { Type: 'Wait', SecondsPath: '$.s', End: true } } },
      { s: 60 },
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
      {
        lambdas,
        signal: controller.signal,
      },
    );

    expect(result.outcome).toEqual({ status: 'ABORTED' });
    expect(result.types.at(-1)).toBe('LambdaFunctionStarted');
  });
});

// Quotas: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (25,000 history events)
describe('history quota', () => {
  it('fails a looping execution with States.Runtime once its history reaches 25,000 events', async () => {
    const result = await runMachine(
      {
        StartAt: 'Count',
        States: {
          Count: { Type: 'Task', Resource: ECHO, Next: 'Again?' },
          'Again?': {
            Type: 'Choice',
            Choices: [{ Variable: '$.n', NumericLessThanPath: '$.max', Next: 'Count' }],
            Default: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
      { n: 0, max: 1 },
      { lambdas: echo() },
    );

    expect(result.outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.events).toHaveLength(25_000);
    expect(result.types.at(-1)).toBe('ExecutionFailed');
  });
});
