import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import { StepFunctionsEmulator } from '../../../../local/emulators/stepfunctions';
import { FakeClock, FakeLambdas } from './helpers';

const ROLE = 'arn:aws:iam::000000000000:role/StatesRole';
const DEFINITION = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });

describe('Step Functions emulator: DescribeStateMachine (relayflow doctor checks the replay machine by it)', () => {
  let emulator: StepFunctionsEmulator;
  let running: RunningEmulator;
  let client: SFNClient;
  const clock = new FakeClock();

  beforeEach(async () => {
    emulator = new StepFunctionsEmulator({ invokeLambda: new FakeLambdas().invoke, clock });
    running = await emulator.start();
    client = new SFNClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
    await emulator.dispose();
  });

  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html
  it('describes a state machine the runtime created: ACTIVE, with its definition and role', async () => {
    const { stateMachineArn } = emulator.createStateMachine({
      name: 'Replay',
      definition: DEFINITION,
      roleArn: ROLE,
    });

    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));

    expect(described).toMatchObject({
      stateMachineArn,
      name: 'Replay',
      status: 'ACTIVE',
      definition: DEFINITION,
      roleArn: ROLE,
      type: 'STANDARD',
      creationDate: clock.now(),
    });
  });

  // DescribeStateMachine errors: StateMachineDoesNotExist.
  it('answers StateMachineDoesNotExist for a machine that was never created', async () => {
    await expect(
      client.send(
        new DescribeStateMachineCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Missing',
        }),
      ),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist', $metadata: { httpStatusCode: 400 } });
  });
});
