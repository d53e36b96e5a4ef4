import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SqsHarness } from './support';
import { aQueue, bodies, receive, startSqs } from './support';

describe('SQS emulator: dead-letter queues', () => {
  let sqs: SqsHarness;

  beforeAll(async () => {
    sqs = await startSqs();
  });

  afterAll(async () => {
    await sqs.stop();
  });

  async function arnOf(queueUrl: string): Promise<string> {
    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    return Attributes?.QueueArn ?? '';
  }

  async function fifoPair(maxReceiveCount: number): Promise<{ source: string; dlq: string }> {
    const dlq = await aQueue(sqs.client, { fifo: true });
    const source = await aQueue(sqs.client, {
      fifo: true,
      attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq), maxReceiveCount }),
      },
    });
    return { source, dlq };
  }

  /** Receives the head message and lets its visibility timeout run out, `times` times. */
  async function failReceives(queueUrl: string, times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      const received = await receive(sqs.client, queueUrl, { max: 1, visibilityTimeout: 10 });
      expect(received).toHaveLength(1);
      sqs.clock.advance(10_000);
    }
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
  // maxReceiveCount: messages move "after the value of maxReceiveCount is exceeded".
  it('delivers a message maxReceiveCount times and moves it to the dead-letter queue on the next receive', async () => {
    const { source, dlq } = await fifoPair(3);
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: source,
        MessageBody: 'poison',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'p',
      }),
    );
    await failReceives(source, 3);

    const fourth = await receive(sqs.client, source);
    const deadLettered = await receive(sqs.client, dlq);

    expect(fourth).toEqual([]);
    expect(bodies(deadLettered)).toEqual(['poison']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html
  // "When a message is moved from a FIFO queue to a FIFO DLQ, the original message's deduplication ID
  // will be replaced with the original message's ID." Body, attributes and group id travel with it.
  it('keeps body, attributes, group id and sent time in the FIFO dead-letter queue, with the message id as deduplication id', async () => {
    const { source, dlq } = await fifoPair(1);
    const sent = await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: source,
        MessageBody: '{"order":42}',
        MessageGroupId: 'order-42',
        MessageDeduplicationId: 'evt-1',
        MessageAttributes: { correlationId: { DataType: 'String', StringValue: 'c-1' } },
      }),
    );
    const [firstDelivery] = await receive(sqs.client, source);
    sqs.clock.advance(30_000);
    await receive(sqs.client, source);

    const [moved] = await receive(sqs.client, dlq);

    expect(moved?.MessageId).toBe(sent.MessageId);
    expect(moved?.Body).toBe('{"order":42}');
    expect(moved?.MessageAttributes).toEqual({ correlationId: { DataType: 'String', StringValue: 'c-1' } });
    expect(moved?.Attributes).toMatchObject({
      MessageGroupId: 'order-42',
      MessageDeduplicationId: sent.MessageId,
      SentTimestamp: firstDelivery?.Attributes?.SentTimestamp,
      DeadLetterQueueSourceArn: await arnOf(source),
    });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
  // The dead-letter queue counts its own receives of the moved message.
  it('starts the receive count again in the dead-letter queue', async () => {
    const { source, dlq } = await fifoPair(2);
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: source,
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'x',
      }),
    );
    await failReceives(source, 2);
    await receive(sqs.client, source);

    const [moved] = await receive(sqs.client, dlq);

    expect(moved?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
  // A poison message blocks its group only until it is moved; the group then continues in order.
  it('delivers the next message of the group in the same receive that moves the poison message', async () => {
    const { source } = await fifoPair(1);
    for (const body of ['poison', 'next']) {
      await sqs.client.send(
        new SendMessageCommand({
          QueueUrl: source,
          MessageBody: body,
          MessageGroupId: 'g',
          MessageDeduplicationId: body,
        }),
      );
    }
    await failReceives(source, 1);

    const after = await receive(sqs.client, source, { max: 1 });

    expect(bodies(after)).toEqual(['next']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html
  // "For FIFO queues, the enqueue timestamp resets when the message is moved to a dead-letter queue."
  it('restarts the retention period when a message moves to a FIFO dead-letter queue', async () => {
    const dlq = await aQueue(sqs.client, { fifo: true, attributes: { MessageRetentionPeriod: '120' } });
    const source = await aQueue(sqs.client, {
      fifo: true,
      attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq), maxReceiveCount: 1 }),
      },
    });
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: source,
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'x',
      }),
    );
    sqs.clock.advance(100_000);
    await failReceives(source, 1);
    await receive(sqs.client, source);
    sqs.clock.advance(100_000);

    expect(bodies(await receive(sqs.client, dlq))).toEqual(['x']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
  // The runtime creates every queue of the template first, then sets the redrive policies in process.
  it('takes a redrive policy set in process once both queues exist', async () => {
    const dlq = await aQueue(sqs.client, { fifo: true });
    const source = await aQueue(sqs.client, { fifo: true });
    const policy = { deadLetterTargetArn: await arnOf(dlq), maxReceiveCount: 20 };

    await sqs.emulator.setQueueAttributes({
      QueueUrl: source,
      Attributes: { RedrivePolicy: JSON.stringify(policy) },
    });
    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: source, AttributeNames: ['RedrivePolicy'] }),
    );

    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual(policy);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
  // "the dead-letter queue of a FIFO queue must also be a FIFO queue".
  it('rejects a standard dead-letter queue for a FIFO queue', async () => {
    const standardDlq = await aQueue(sqs.client);
    const fifo = await aQueue(sqs.client, { fifo: true });
    const policy = { deadLetterTargetArn: await arnOf(standardDlq), maxReceiveCount: 3 };

    await expect(
      sqs.emulator.setQueueAttributes({
        QueueUrl: fifo,
        Attributes: { RedrivePolicy: JSON.stringify(policy) },
      }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });
});
