import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { StepFunctionsEmulator } from '../../../../local/emulators/stepfunctions';
import type { JsonValue } from '../../../../local/emulators/stepfunctions/asl/jsonpath';
import { Replay } from '../../../../lib/constructs/replay';
import { FakeClock, FakeLambdas, fail, ok } from './helpers';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:RelayFlow-Replay';
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:Replay:replay-1';
/** The replay machine's TimeoutSeconds (3 days): the first sleep of every execution. */
const EXECUTION_TIMEOUT_MS = 259_200_000;

/**
 * The definition exactly as lib/constructs/replay.ts renders it into the template (an Fn::Join of
 * strings, `Ref AWS::Partition` and `Fn::GetAtt <fn>.Arn`), resolved as the local runtime does:
 * the interpreter must run every state, field and comparison of it.
 */
function replayDefinition(): string {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const replay = new Replay(stack, 'Replay', {
    providers: [],
    table: new Table(stack, 'Events', { partitionKey: { name: 'PK', type: AttributeType.STRING } }),
    rawBucket: new Bucket(stack, 'Raw'),
    queue: new Queue(stack, 'Main', { fifo: true }),
    deadLetterQueue: new Queue(stack, 'Dlq', { fifo: true }),
    retentionDays: 30,
    logLevel: 'INFO',
    logRetention: RetentionDays.ONE_DAY,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const functionId = stack.getLogicalId(replay.function.node.defaultChild as CfnFunction);
  const [machine] = Object.values(
    Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'),
  ) as {
    Properties: { DefinitionString: { 'Fn::Join': [string, JsonValue[]] } };
  }[];
  const [separator, parts] = machine?.Properties.DefinitionString['Fn::Join'] ?? ['', []];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (JSON.stringify(part) === JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] })) return FUNCTION_ARN;
      if (JSON.stringify(part) === JSON.stringify({ Ref: 'AWS::Partition' })) return 'aws';
      throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
    })
    .join(separator);
}

const definition = replayDefinition();

/** The state the replay function hands from task to task (type aliases, so that it is JSON). */
type ReplayRequest = { dryRun: boolean; limit: number; total: number };
type ReplayState = {
  request: ReplayRequest;
  plan: { waitSeconds: number; batchSize: number };
  summary: { handled: number };
  more: boolean;
};

/** The replay function, reduced to its contract with the state machine: plan, then batches. */
function replayFunction(options: { failures?: readonly (string | undefined)[] } = {}): FakeLambdas {
  let batchCalls = 0;
  return new FakeLambdas({
    [FUNCTION_ARN]: (payload) => {
      const task = payload as unknown as { action: string; input?: ReplayRequest; state?: ReplayState };
      if (task.action === 'plan' && task.input) {
        const request = task.input;
        return ok({
          request,
          plan: { waitSeconds: 3, batchSize: 3 },
          summary: { handled: 0 },
          more: request.total > 0,
        });
      }
      const failure = options.failures?.[batchCalls];
      batchCalls += 1;
      if (failure) return fail(failure, 'batch failed');
      const state = task.state as ReplayState;
      const handled = Math.min(state.request.total, state.summary.handled + state.plan.batchSize);
      return ok({ ...state, summary: { handled }, more: handled < state.request.total });
    },
  });
}

async function replay(request: ReplayRequest, lambdas: FakeLambdas, random = () => 0.5) {
  const clock = new FakeClock();
  const emulator = new StepFunctionsEmulator({ invokeLambda: lambdas.invoke, clock, random });
  const { stateMachineArn } = emulator.createStateMachine({
    name: 'Replay',
    definition,
    roleArn: 'arn:aws:iam::000000000000:role/ReplayRole',
  });
  const { executionArn } = emulator.startExecution({
    stateMachineArn,
    name: 'replay-1',
    input: JSON.stringify(request),
  });
  const described = await emulator.waitForExecution(executionArn);
  const { events } = emulator.getExecutionHistory({ executionArn, maxResults: 1000 });
  return { described, events, clock, emulator, calls: lambdas.callsOf(FUNCTION_ARN) };
}

describe('the replay state machine as lib/constructs/replay.ts renders it', () => {
  it('plans, then replays batches with the planned wait between them until none remain', async () => {
    const { described, clock, emulator, calls } = await replay(
      { dryRun: false, limit: 100, total: 7 },
      replayFunction(),
    );

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? 'null')).toEqual({ handled: 7 });
    expect(calls.map((c) => (c as { action: string }).action)).toEqual(['plan', 'batch', 'batch', 'batch']);
    expect(calls[0]).toEqual({
      action: 'plan',
      input: { dryRun: false, limit: 100, total: 7 },
      executionId: EXECUTION_ARN,
    });
    expect(clock.sleeps).toEqual([EXECUTION_TIMEOUT_MS, 3000, 3000]);
    // Plan, DryRun?, then 3 × (ReplayBatch, MoreToReplay?), 2 waits and Replayed.
    expect(emulator.stateTransitions()).toBe(2 + 3 * 2 + 2 + 1);
  });

  it('stops once the handled count reaches the limit, though events remain', async () => {
    const { described, calls } = await replay({ dryRun: false, limit: 4, total: 50 }, replayFunction());

    expect(JSON.parse(described.output ?? 'null')).toEqual({ handled: 6 });
    expect(calls).toHaveLength(3);
  });

  it('ends a dry run with the plan, without replaying a batch', async () => {
    const { described, events, calls } = await replay(
      { dryRun: true, limit: 100, total: 50 },
      replayFunction(),
    );

    expect(JSON.parse(described.output ?? 'null')).toEqual({ waitSeconds: 3, batchSize: 3 });
    expect(calls).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('retries Lambda service errors with full jitter and InfrastructureError with its own backoff', async () => {
    const lambdas = replayFunction({
      failures: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'InfrastructureError'],
    });

    const { described, clock } = await replay({ dryRun: false, limit: 100, total: 2 }, lambdas, () => 0.5);

    expect(described.status).toBe('SUCCEEDED');
    // 2 s × 2^n × 0.5 jitter for the service errors, then 5 s for the first InfrastructureError.
    expect(clock.sleeps).toEqual([EXECUTION_TIMEOUT_MS, 1000, 2000, 5000]);
  });

  it('fails through ReplayFailed with the error and cause of a batch error it does not retry', async () => {
    const { described, events } = await replay(
      { dryRun: false, limit: 100, total: 9 },
      replayFunction({ failures: [undefined, 'ValidationError'] }),
    );

    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'ValidationError',
      cause: JSON.stringify({ errorType: 'ValidationError', errorMessage: 'batch failed' }),
    });
    expect(events.at(-2)?.type).toBe('FailStateEntered');
  });
});
