import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudFormationEmulator } from '../../../../local/emulators/cloudformation';
import type { RunningEmulator } from '../../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('CloudFormation emulator through the AWS SDK v3 client', () => {
  let emulator: CloudFormationEmulator;
  let running: RunningEmulator;
  let client: CloudFormationClient;

  beforeEach(async () => {
    emulator = new CloudFormationEmulator();
    running = await emulator.start();
    client = new CloudFormationClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
  it('describes a registered stack with its outputs', async () => {
    emulator.registerStack({
      stackName: 'RelayFlow',
      outputs: {
        StripeWebhookUrl: {
          value: 'http://127.0.0.1:3000/webhooks/stripe',
          description: 'Paste into the Stripe dashboard',
        },
        EventTableName: { value: 'RelayFlow-Events' },
      },
    });

    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: 'RelayFlow' }));

    expect(Stacks).toHaveLength(1);
    expect(Stacks?.[0]).toMatchObject({
      StackName: 'RelayFlow',
      StackStatus: 'CREATE_COMPLETE',
      Outputs: [
        {
          OutputKey: 'StripeWebhookUrl',
          OutputValue: 'http://127.0.0.1:3000/webhooks/stripe',
          Description: 'Paste into the Stripe dashboard',
        },
        { OutputKey: 'EventTableName', OutputValue: 'RelayFlow-Events' },
      ],
    });
    expect(Stacks?.[0]?.CreationTime).toBeInstanceOf(Date);
  });

  // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html (StackId is the stack ARN)
  it('identifies the stack by an ARN of the real format', async () => {
    emulator.registerStack({ stackName: 'RelayFlow', outputs: {} });

    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: 'RelayFlow' }));

    expect(Stacks?.[0]?.StackId).toMatch(
      /^arn:aws:cloudformation:us-east-1:000000000000:stack\/RelayFlow\/[0-9a-f-]{36}$/,
    );
  });

  // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
  // Without StackName AWS describes every stack; the CLI always names one, so that form is refused.
  it('refuses DescribeStacks without a StackName', async () => {
    emulator.registerStack({ stackName: 'RelayFlow', outputs: {} });

    await expect(client.send(new DescribeStacksCommand({}))).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
  });

  // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html (ValidationError)
  it('answers ValidationError "Stack with id X does not exist" for a missing stack', async () => {
    const attempt = client.send(new DescribeStacksCommand({ StackName: 'Missing' }));

    await expect(attempt).rejects.toBeInstanceOf(CloudFormationServiceException);
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id Missing does not exist',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('escapes output values that contain XML characters', async () => {
    emulator.registerStack({ stackName: 'Escaped', outputs: { Url: { value: 'https://x/?a=1&b=<2>' } } });

    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: 'Escaped' }));

    expect(Stacks?.[0]?.Outputs?.[0]?.OutputValue).toBe('https://x/?a=1&b=<2>');
  });

  // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html (InvalidAction)
  it('answers an unknown action with InvalidAction instead of hanging', async () => {
    const response = await fetch(running.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListStacks&Version=2010-05-15',
    });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('counts requests by action', async () => {
    emulator.registerStack({ stackName: 'RelayFlow', outputs: {} });

    await client.send(new DescribeStacksCommand({ StackName: 'RelayFlow' }));
    await client.send(new DescribeStacksCommand({ StackName: 'RelayFlow' }));

    expect(emulator.counters()).toEqual({ DescribeStacks: 2 });
  });

  // https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (Throttling is retried)
  it.each(['throttle', 'dropResponse'] as const)(
    'fails the next call with an injected %s, which the SDK retries',
    async (kind) => {
      emulator.registerStack({ stackName: 'RelayFlow', outputs: {} });
      emulator.injectFault('DescribeStacks', { kind, times: 1 });
      const retrying = new CloudFormationClient({
        endpoint: running.endpoint,
        region: 'us-east-1',
        credentials,
        maxAttempts: 2,
      });

      const { Stacks } = await retrying.send(new DescribeStacksCommand({ StackName: 'RelayFlow' }));

      retrying.destroy();
      expect(Stacks?.[0]?.StackName).toBe('RelayFlow');
      expect(emulator.counters().DescribeStacks).toBe(2);
    },
  );

  it('fails the next call with an injected AWS error', async () => {
    emulator.registerStack({ stackName: 'RelayFlow', outputs: {} });
    emulator.injectFault('DescribeStacks', {
      kind: 'error',
      code: 'AccessDenied',
      message: 'no',
      status: 403,
      times: 1,
    });

    await expect(client.send(new DescribeStacksCommand({ StackName: 'RelayFlow' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await expect(client.send(new DescribeStacksCommand({ StackName: 'RelayFlow' }))).resolves.toMatchObject({
      Stacks: [{ StackName: 'RelayFlow' }],
    });
  });
});
