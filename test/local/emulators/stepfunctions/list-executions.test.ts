import {
  CreateStateMachineCommand,
  ListExecutionsCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import { StepFunctionsEmulator } from '../../../../local/emulators/stepfunctions';
import type { InvokeLambdaResult } from '../../../../local/emulators/stepfunctions/asl/interpreter';
import { FakeClock, FakeLambdas, fail, functionArn, ok } from './helpers';

const ROLE = 'arn:aws:iam::000000000000:role/StatesRole';
const ECHO = functionArn('echo');
const GATE = functionArn('gate');
const BROKEN = functionArn('broken');

const machine = (resource: string) =>
  JSON.stringify({ StartAt: 'Run', States: { Run: { Type: 'Task', Resource: resource, End: true } } });

async function rejection(promise: Promise<unknown>): Promise<SFNServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SFNServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

// https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html
describe('Step Functions emulator: ListExecutions', () => {
  let emulator: StepFunctionsEmulator;
  let running: RunningEmulator;
  let sfn: SFNClient;
  let clock: FakeClock;
  let held: ((result: InvokeLambdaResult) => void)[];

  beforeEach(async () => {
    held = [];
    clock = new FakeClock();
    const lambdas = new FakeLambdas({
      [ECHO]: (payload) => ok(payload),
      [GATE]: () => new Promise((resolve) => held.push(resolve)),
      [BROKEN]: () => fail('Boom'),
    });
    emulator = new StepFunctionsEmulator({ invokeLambda: lambdas.invoke, clock });
    running = await emulator.start();
    sfn = new SFNClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    sfn.destroy();
    for (const release of held) release(ok('released'));
    await emulator.dispose();
    await running.stop();
  });

  const create = async (name: string, resource = ECHO) =>
    (await sfn.send(new CreateStateMachineCommand({ name, definition: machine(resource), roleArn: ROLE })))
      .stateMachineArn ?? '';

  const start = async (stateMachineArn: string, name: string) => {
    const { executionArn = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name }));
    return executionArn;
  };

  it("lists a state machine's executions newest first, with status, start and stop dates, and no other machine's", async () => {
    const replay = await create('Replay');
    const other = await create('Other');
    const first = await start(replay, 'first');
    await emulator.waitForExecution(first);
    await clock.sleep(1000);
    const second = await start(replay, 'second');
    await emulator.waitForExecution(second);
    await start(other, 'elsewhere');

    const { executions = [], nextToken } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: replay }),
    );

    expect(nextToken).toBeUndefined();
    expect(executions.map((e) => [e.name, e.status, e.stateMachineArn])).toEqual([
      ['second', 'SUCCEEDED', replay],
      ['first', 'SUCCEEDED', replay],
    ]);
    expect(executions[0]?.executionArn).toBe(second);
    expect(executions[0]?.startDate?.getTime()).toBeGreaterThan(
      executions[1]?.startDate?.getTime() ?? Infinity,
    );
    expect(executions[1]?.stopDate).toBeInstanceOf(Date);
  });

  it('filters by status, and shows a running execution without a stop date', async () => {
    const gated = await create('Gated', GATE);
    const broken = await create('Broken', BROKEN);
    await start(gated, 'waiting');
    await emulator.waitForExecution(await start(broken, 'failed'));

    const runningOnes = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: gated, statusFilter: 'RUNNING' }),
    );
    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: broken, statusFilter: 'FAILED' }),
    );
    const none = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: broken, statusFilter: 'SUCCEEDED' }),
    );

    expect(runningOnes.executions?.map((e) => [e.name, e.status, e.stopDate])).toEqual([
      ['waiting', 'RUNNING', undefined],
    ]);
    expect(failed.executions?.map((e) => e.name)).toEqual(['failed']);
    expect(none.executions).toEqual([]);
  });

  it('pages by maxResults with a nextToken, unshifted by an execution started between two pages', async () => {
    const replay = await create('Paged');
    for (const name of ['a', 'b', 'c', 'd', 'e']) await emulator.waitForExecution(await start(replay, name));

    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: replay, maxResults: 2 }));
    await emulator.waitForExecution(await start(replay, 'f'));
    const second = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: replay, maxResults: 2, nextToken: first.nextToken }),
    );
    const third = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: replay, maxResults: 2, nextToken: second.nextToken }),
    );

    expect([first, second, third].map((page) => page.executions?.map((e) => e.name))).toEqual([
      ['e', 'd'],
      ['c', 'b'],
      ['a'],
    ]);
    expect(third.nextToken).toBeUndefined();
  });

  it('refuses a token not made for this machine with InvalidToken, and an unknown machine with StateMachineDoesNotExist', async () => {
    const one = await create('One');
    const two = await create('Two');
    for (const name of ['a', 'b']) await emulator.waitForExecution(await start(one, name));
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: one, maxResults: 1 }));

    const foreign = await rejection(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: two, nextToken: page.nextToken })),
    );
    const garbage = await rejection(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: one, nextToken: 'nope' })),
    );
    const missing = await rejection(
      sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Nope',
        }),
      ),
    );

    expect([foreign.name, garbage.name, missing.name]).toEqual([
      'InvalidToken',
      'InvalidToken',
      'StateMachineDoesNotExist',
    ]);
    expect(foreign.$metadata.httpStatusCode).toBe(400);
  });
});
