import {
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LambdaApiEmulator } from '../../../../local/emulators/lambda-api';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import { SqsEmulator, type RunningServer } from '../../../../local/emulators/sqs';
import { SqsEventSourceMapping } from '../../../../local/event-source';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:events';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:RelayFlow-Consumer';
const UUID = '6d2c5b1e-4a3f-4e8b-9f1d-2c7a8b9e0f1a';

const eventually = async (condition: () => boolean | Promise<boolean>, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('Lambda API emulator through the AWS SDK v3 client (REST-JSON): event source mappings', () => {
  let sqsEmulator: SqsEmulator;
  let sqsServer: RunningServer;
  let sqs: SQSClient;
  let emulator: LambdaApiEmulator;
  let running: RunningEmulator;
  let lambda: LambdaClient;
  let poller: SqsEventSourceMapping;
  let queueUrl: string;
  let invoked: number;
  const now = new Date('2026-03-01T10:00:00Z');

  beforeEach(async () => {
    sqsEmulator = new SqsEmulator();
    sqsServer = await sqsEmulator.start();
    sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'events' }))).QueueUrl ?? '';
    invoked = 0;
    poller = new SqsEventSourceMapping({
      sqs,
      queueUrl,
      queueArn: QUEUE_ARN,
      reportBatchItemFailures: true,
      waitTimeSeconds: 0,
      invoke: () => {
        invoked += 1;
        return Promise.resolve({ result: null });
      },
    });
    poller.start();
    emulator = new LambdaApiEmulator({ now: () => now });
    emulator.registerEventSourceMapping({
      uuid: UUID,
      functionName: 'RelayFlow-Consumer',
      functionArn: FUNCTION_ARN,
      eventSourceArn: QUEUE_ARN,
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      maximumConcurrency: 5,
      functionResponseTypes: ['ReportBatchItemFailures'],
      poller,
    });
    running = await emulator.start();
    lambda = new LambdaClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    lambda.destroy();
    await running.stop();
    await poller.stop();
    sqs.destroy();
    sqsEmulator.close();
    await sqsServer.stop();
  });

  const visible = async () =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    );

  // https://docs.aws.amazon.com/lambda/latest/api/API_GetEventSourceMapping.html
  it('describes a mapping by its UUID, Enabled while its poller runs', async () => {
    const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID }));

    expect(mapping).toMatchObject({
      UUID,
      EventSourceArn: QUEUE_ARN,
      FunctionArn: FUNCTION_ARN,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
      State: 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      LastModified: now,
    });
  });

  // https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html
  it('lists the mappings of a function, by name or ARN, and of an event source', async () => {
    const byName = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: 'RelayFlow-Consumer' }),
    );
    const byArn = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: FUNCTION_ARN }));
    const bySource = await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: QUEUE_ARN }));
    const other = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'RelayFlow-Replay' }));

    for (const listed of [byName, byArn, bySource])
      expect(listed.EventSourceMappings?.map((m) => m.UUID)).toEqual([UUID]);
    expect(other.EventSourceMappings).toEqual([]);
  });

  // https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html (Enabled: "When true,
  // the event source mapping is active. When false, Lambda pauses polling and invocation.")
  it('really stops polling when disabled, and polls again when enabled', async () => {
    const disabled = await lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: false }));
    await eventually(
      async () => (await lambda.send(new GetEventSourceMappingCommand({ UUID }))).State === 'Disabled',
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"n":1}' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whileDisabled = { invoked, visible: await visible() };

    const enabled = await lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: true }));
    await eventually(() => invoked === 1);

    expect(disabled.State).toBe('Disabling');
    expect(whileDisabled).toEqual({ invoked: 0, visible: 1 });
    expect(enabled.State).toBe('Enabled');
    await eventually(async () => (await visible()) === 0);
  });

  // UpdateEventSourceMapping: only Enabled is served; the template fixes every other setting for the run.
  it('refuses to change any setting but Enabled', async () => {
    await expect(
      lambda.send(new UpdateEventSourceMappingCommand({ UUID, BatchSize: 5 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } });
  });

  // GetEventSourceMapping errors: ResourceNotFoundException (404).
  it('answers ResourceNotFoundException for a UUID it does not know', async () => {
    const attempt = lambda.send(new GetEventSourceMappingCommand({ UUID: 'f00d' }));

    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('counts requests by action and lets a test throttle the next one', async () => {
    emulator.injectFault('GetEventSourceMapping', { kind: 'throttle' });

    await expect(lambda.send(new GetEventSourceMappingCommand({ UUID }))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    });
    await expect(lambda.send(new GetEventSourceMappingCommand({ UUID }))).resolves.toMatchObject({ UUID });
    expect(emulator.counters()).toEqual({ GetEventSourceMapping: 2 });
  });
});
