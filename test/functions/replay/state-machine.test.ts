import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { scaledClock, StepFunctionsEmulator } from '../../../local/emulators/stepfunctions';
import type { JsonValue } from '../../../local/emulators/stepfunctions/asl/jsonpath';
import { Replay } from '../../../lib/constructs/replay';
import { DEFAULT_SETTINGS } from '#shared/replay/replay';
import { runReplayTask } from '#shared/replay/task';
import {
  eventIdsOf,
  receiveAll,
  startReplayHarness,
  tableSnapshot,
  type ReplayHarness,
} from '../../helpers/replay';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Replay';

/** The definition exactly as the Replay construct renders it, with its tokens resolved as the local runtime does. */
const replayDefinition = (): string => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ReplayRun');
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
  const machine = Object.values(
    Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'),
  )[0] as {
    Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } };
  };
  const [separator, parts] = machine.Properties.DefinitionString['Fn::Join'];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt?.[0] === functionId) return FUNCTION_ARN;
      if ((part as { Ref?: string }).Ref === 'AWS::Partition') return 'aws';
      throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
    })
    .join(separator);
};

let h: ReplayHarness;
let emulator: StepFunctionsEmulator;
let stateMachineArn: string;

beforeAll(() => {
  const definition = replayDefinition();
  emulator = new StepFunctionsEmulator({
    // Waits of seconds become a fraction of a millisecond; the 3-day execution timeout stays longer than any test.
    clock: scaledClock(1e-4),
    // The replay function's task runner, in process, against the harness's table and queues.
    invokeLambda: async (arn, payload) => {
      if (arn !== FUNCTION_ARN) throw new Error(`unknown function ${arn}`);
      try {
        return {
          payload: JSON.parse(
            JSON.stringify(await runReplayTask(h.deps, DEFAULT_SETTINGS, payload)),
          ) as JsonValue,
        };
      } catch (error) {
        const e = error as Error;
        return { error: { errorType: e.name, errorMessage: e.message } };
      }
    },
  });
  stateMachineArn = emulator.createStateMachine({
    name: 'Replay',
    definition,
    roleArn: 'arn:aws:iam::000000000000:role/Replay',
  }).stateMachineArn;
});

afterAll(async () => {
  await emulator.dispose();
});

beforeEach(async () => {
  h = await startReplayHarness();
});

afterEach(async () => {
  await h.stop();
});

const execute = async (input: unknown) => {
  const { executionArn } = emulator.startExecution({ stateMachineArn, input: JSON.stringify(input) });
  return emulator.waitForExecution(executionArn);
};

const deadLettered = async (count: number) => {
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1)
    ids.push(await h.ingest({ id: `sm_${n}`, type: 'invoice.paid', customer: 'cus_sm' }));
  await h.deadLetterAll();
  for (const id of ids) await h.mark(id, 'DEAD_LETTERED');
  return ids;
};

describe('the rendered replay state machine', () => {
  it('replays in paced batches and ends with the summary', async () => {
    const ids = await deadLettered(5);

    const result = await execute({ reason: 'state machine run', dryRun: false, ratePerSecond: 2 });

    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '{}')).toMatchObject({
      replayed: 5,
      skipped: 0,
      failed: 0,
      handled: 5,
      batches: 3,
    });
    expect(eventIdsOf(await receiveAll(h.sqsClient, h.mainQueueUrl))).toEqual(ids);
    expect((await h.store.getState(ids[0] ?? ''))?.audit.at(-1)?.detail).toContain(
      result.executionArn ?? 'no execution arn',
    );
  });

  it('ends a dry run with the plan and changes nothing', async () => {
    await deadLettered(2);
    const before = await tableSnapshot(h.table);

    const result = await execute({ reason: 'state machine dry run' });

    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '{}')).toMatchObject({
      source: 'dlq',
      matching: 2,
      selected: 2,
      batchSize: 10,
      waitSeconds: 1,
    });
    expect(await tableSnapshot(h.table)).toEqual(before);
    expect(await receiveAll(h.sqsClient, h.mainQueueUrl)).toEqual([]);
  });

  it('fails an invalid input with a cause that names every problem', async () => {
    const result = await execute({ reason: 'no', limit: 20_000, dryrun: false });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ReplayInputError');
    expect(result.cause).toContain('limit');
    expect(result.cause).toContain('reason: is required');
    expect(result.cause).toContain('dryrun');
  });
});
