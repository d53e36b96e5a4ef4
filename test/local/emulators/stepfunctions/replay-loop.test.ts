import { StepFunctionsEmulator } from '../../../../local/emulators/stepfunctions';
import type { JsonValue } from '../../../../local/emulators/stepfunctions/asl/jsonpath';
import { FakeClock, FakeLambdas, fail, ok } from './helpers';

/**
 * A loop machine shaped like the replay workflow as CDK renders it (LambdaInvoke tasks with the
 * default Lambda retry, `Payload.$: $` and `ResultSelector`), handed over as the JSON string a
 * CloudFormation DefinitionString resolves to.
 */
const PLAN_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:RelayFlow-ReplayPlan';
const BATCH_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:RelayFlow-ReplayBatch';
const CDK_LAMBDA_RETRY = {
  ErrorEquals: [
    'Lambda.ClientExecutionTimeoutException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
};

const definition = JSON.stringify({
  StartAt: 'Plan',
  States: {
    Plan: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: PLAN_ARN, 'Payload.$': '$' },
      ResultSelector: { 'plan.$': '$.Payload' },
      OutputPath: '$.plan',
      Retry: [CDK_LAMBDA_RETRY],
      Next: 'DryRun?',
    },
    'DryRun?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.dryRun', BooleanEquals: true, Next: 'Done' }],
      Default: 'Batch',
    },
    Batch: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: BATCH_ARN,
        Payload: { 'cursor.$': '$.cursor', 'limit.$': '$.batchSize', 'executionId.$': '$$.Execution.Id' },
      },
      ResultSelector: {
        'processed.$': '$.Payload.processed',
        'remaining.$': '$.Payload.remaining',
        'cursor.$': '$.Payload.cursor',
      },
      ResultPath: '$.last',
      Retry: [CDK_LAMBDA_RETRY],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
      Next: 'Carry',
    },
    Carry: {
      Type: 'Pass',
      Parameters: {
        'dryRun.$': '$.dryRun',
        'batchSize.$': '$.batchSize',
        'rateDelaySeconds.$': '$.rateDelaySeconds',
        'cursor.$': '$.last.cursor',
        'remaining.$': '$.last.remaining',
        'replayed.$': '$.last.cursor',
      },
      Next: 'More?',
    },
    'More?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.remaining', NumericGreaterThan: 0, Next: 'Throttle' }],
      Default: 'Done',
    },
    Throttle: { Type: 'Wait', SecondsPath: '$.rateDelaySeconds', Next: 'Batch' },
    Failed: { Type: 'Fail', Error: 'ReplayFailed', CausePath: '$.error.Cause' },
    Done: { Type: 'Succeed' },
  },
});

interface Plan {
  readonly total: number;
  readonly batchSize: number;
  readonly dryRun: boolean;
}

function replayLambdas(options: { transientFailures?: number; poisonAtCursor?: number } = {}): FakeLambdas {
  let total = 0;
  return new FakeLambdas({
    [PLAN_ARN]: (payload) => {
      const plan = payload as unknown as Plan;
      total = plan.total;
      return ok({
        dryRun: plan.dryRun,
        batchSize: plan.batchSize,
        rateDelaySeconds: 3,
        cursor: 0,
        remaining: total,
        replayed: 0,
      });
    },
    [BATCH_ARN]: (payload, call) => {
      if (call <= (options.transientFailures ?? 0)) return fail('Lambda.ServiceException', 'Rate exceeded');
      const { cursor, limit } = payload as { cursor: number; limit: number };
      if (cursor === options.poisonAtCursor) return fail('StoreUnavailable', 'table throttled');
      const processed = Math.min(limit, total - cursor);
      return ok({ processed, remaining: total - cursor - processed, cursor: cursor + processed });
    },
  });
}

async function replay(input: JsonValue, lambdas: FakeLambdas, clock = new FakeClock()) {
  const emulator = new StepFunctionsEmulator({ invokeLambda: lambdas.invoke, clock });
  const { stateMachineArn } = emulator.createStateMachine({
    name: 'RelayFlowReplay',
    definition,
    roleArn: 'arn:aws:iam::000000000000:role/ReplayRole',
  });
  const { executionArn } = emulator.startExecution({
    stateMachineArn,
    name: 'replay-1',
    input: JSON.stringify(input),
  });
  const described = await emulator.waitForExecution(executionArn);
  const { events } = emulator.getExecutionHistory({ executionArn, maxResults: 1000 });
  return { described, events, clock, emulator };
}

describe('a replay-shaped loop machine', () => {
  it('plans, then runs batches separated by the planned rate delay until none remain', async () => {
    const lambdas = replayLambdas();

    const { described, events, clock, emulator } = await replay(
      { total: 7, batchSize: 3, dryRun: false },
      lambdas,
    );

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? 'null')).toEqual({
      dryRun: false,
      batchSize: 3,
      rateDelaySeconds: 3,
      cursor: 7,
      remaining: 0,
      replayed: 7,
    });
    expect(lambdas.callsOf(BATCH_ARN)).toEqual(
      [0, 3, 6].map((cursor) => ({
        cursor,
        limit: 3,
        executionId: 'arn:aws:states:us-east-1:000000000000:execution:RelayFlowReplay:replay-1',
      })),
    );
    expect(clock.sleeps).toEqual([3000, 3000]);
    expect(events.filter((e) => e.type === 'WaitStateEntered')).toHaveLength(2);
    expect(emulator.stateTransitions()).toBe(1 + 1 + 3 * 3 + 2 + 1);
  });

  it('stops after the plan on a dry run without running a batch', async () => {
    const lambdas = replayLambdas();

    const { described, events } = await replay({ total: 50, batchSize: 10, dryRun: true }, lambdas);

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? 'null')).toMatchObject({ dryRun: true, remaining: 50 });
    expect(lambdas.callsOf(BATCH_ARN)).toHaveLength(0);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('retries a transient Lambda service error with the CDK default backoff and carries on', async () => {
    const lambdas = replayLambdas({ transientFailures: 2 });

    const { described, clock } = await replay({ total: 2, batchSize: 5, dryRun: false }, lambdas);

    expect(described.status).toBe('SUCCEEDED');
    expect(clock.sleeps).toEqual([2000, 4000]);
    expect(lambdas.callsOf(BATCH_ARN)).toHaveLength(3);
  });

  it('fails the execution through its Fail state when a batch raises a non-retried error', async () => {
    const lambdas = replayLambdas({ poisonAtCursor: 4 });

    const { described, events } = await replay({ total: 9, batchSize: 4, dryRun: false }, lambdas);

    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'ReplayFailed',
      cause: JSON.stringify({ errorType: 'StoreUnavailable', errorMessage: 'table throttled' }),
    });
    expect(lambdas.callsOf(BATCH_ARN)).toHaveLength(2);
    expect(events.at(-2)?.type).toBe('FailStateEntered');
  });
});
