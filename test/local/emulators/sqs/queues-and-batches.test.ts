import {
  BatchEntryIdsNotDistinct,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  InvalidBatchEntryId,
  QueueNameExists,
  SendMessageBatchCommand,
  SendMessageCommand,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import type { SqsHarness } from './support';
import { aQueue, bodies, receive, startSqs } from './support';

describe('SQS emulator: queues and batches', () => {
  let sqs: SqsHarness;

  beforeAll(async () => {
    sqs = await startSqs();
  });

  afterAll(async () => {
    await sqs.stop();
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
  // "If you provide the name of an existing queue along with the exact names and values of all the
  // queue's attributes, CreateQueue returns the queue URL for the existing queue."
  it('returns the existing queue for a repeated CreateQueue with the same attributes', async () => {
    const input = { QueueName: 'idempotent', Attributes: { VisibilityTimeout: '45' } };
    const first = await sqs.client.send(new CreateQueueCommand(input));

    const second = await sqs.client.send(new CreateQueueCommand(input));

    expect(second.QueueUrl).toBe(first.QueueUrl);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
  // "If the queue name, attribute names, or attribute values don't match an existing queue, CreateQueue returns an error."
  it('refuses to create a queue whose name exists with a different attribute value', async () => {
    await sqs.client.send(
      new CreateQueueCommand({ QueueName: 'taken', Attributes: { VisibilityTimeout: '45' } }),
    );

    await expect(
      sqs.client.send(
        new CreateQueueCommand({ QueueName: 'taken', Attributes: { VisibilityTimeout: '46' } }),
      ),
    ).rejects.toBeInstanceOf(QueueNameExists);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
  // "A FIFO queue name must end with the .fifo suffix." FifoQueue "If you don't specify this attribute,
  // Amazon SQS creates a standard queue. You can't change it for an existing queue."
  it('requires the FifoQueue attribute and the .fifo suffix together', async () => {
    await expect(
      sqs.client.send(new CreateQueueCommand({ QueueName: 'no-attribute.fifo' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(
      sqs.client.send(new CreateQueueCommand({ QueueName: 'no-suffix', Attributes: { FifoQueue: 'true' } })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
  it('reports the attributes of a FIFO queue, including its ARN and redrive policy', async () => {
    const dlq = await aQueue(sqs.client, { fifo: true });
    const dlqArn = (
      await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const queueUrl = await aQueue(sqs.client, {
      fifo: true,
      attributes: {
        ContentBasedDeduplication: 'true',
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        VisibilityTimeout: '120',
        MessageRetentionPeriod: '1209600',
        SqsManagedSseEnabled: 'true',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '5' }),
      },
    });

    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );

    expect(dlqArn).toMatch(/^arn:aws:sqs:us-east-1:000000000000:queue-\d+\.fifo$/);
    expect(Attributes).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: '120',
      MessageRetentionPeriod: '1209600',
      SqsManagedSseEnabled: 'true',
      ApproximateNumberOfMessages: '0',
    });
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 5,
    });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
  // Attribute values within their documented ranges; FIFO attributes only on FIFO queues. Attributes
  // the template does not set (KmsMasterKeyId, Policy, DelaySeconds, …) are not emulated, hence unknown.
  it('validates attribute names and values against the queue type and the documented ranges', async () => {
    const create = (name: string, attributes: Record<string, string>) =>
      sqs.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));

    await expect(create('too-visible', { VisibilityTimeout: '43201' })).rejects.toBeInstanceOf(
      InvalidAttributeValue,
    );
    await expect(create('not-fifo', { ContentBasedDeduplication: 'true' })).rejects.toBeInstanceOf(
      InvalidAttributeName,
    );
    for (const unknown of ['KmsMasterKeyId', 'Policy', 'DelaySeconds', 'MaximumMessageSize']) {
      await expect(create('not-emulated', { [unknown]: '1' })).rejects.toBeInstanceOf(InvalidAttributeName);
    }
    await expect(
      sqs.client.send(
        new GetQueueAttributesCommand({ QueueUrl: await aQueue(sqs.client), AttributeNames: ['Policy'] }),
      ),
    ).rejects.toBeInstanceOf(InvalidAttributeName);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
  // "The result of sending each message is reported individually in the response."
  it('reports each batch entry on its own: valid entries are sent, invalid ones fail with a code', async () => {
    const queueUrl = await aQueue(sqs.client);

    const result = await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'ok-1', MessageBody: 'first' },
          { Id: 'bad-body', MessageBody: 'bell \u0007' },
          {
            Id: 'bad-attribute',
            MessageBody: 'y',
            MessageAttributes: { n: { DataType: 'Number', StringValue: 'NaN?' } },
          },
          {
            Id: 'ok-2',
            MessageBody: 'second',
            MessageAttributes: { n: { DataType: 'Number', StringValue: '-1.5e3' } },
          },
        ],
      }),
    );

    expect(result.Successful?.map((entry) => entry.Id)).toEqual(['ok-1', 'ok-2']);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'bad-body', Code: 'InvalidMessageContents', SenderFault: true }),
      expect.objectContaining({ Id: 'bad-attribute', Code: 'InvalidParameterValue', SenderFault: true }),
    ]);
    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['first', 'second']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
  // Errors: EmptyBatchRequest, TooManyEntriesInBatchRequest, BatchEntryIdsNotDistinct, InvalidBatchEntryId.
  it('rejects a malformed batch as a whole', async () => {
    const queueUrl = await aQueue(sqs.client);
    const batch = (entries: { Id: string; MessageBody: string }[]) =>
      sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }));

    await expect(batch([])).rejects.toBeInstanceOf(EmptyBatchRequest);
    await expect(batch(eleven)).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(
      batch([
        { Id: 'same', MessageBody: 'a' },
        { Id: 'same', MessageBody: 'b' },
      ]),
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    await expect(batch([{ Id: 'not valid!', MessageBody: 'a' }])).rejects.toBeInstanceOf(InvalidBatchEntryId);
    expect(await receive(sqs.client, queueUrl)).toEqual([]);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
  // "The result of the action on each message is reported individually in the response."
  it('deletes the valid entries of a batch and reports the invalid receipt handle', async () => {
    const queueUrl = await aQueue(sqs.client);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a' }));
    const [message] = await receive(sqs.client, queueUrl);

    const result = await sqs.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'good', ReceiptHandle: message?.ReceiptHandle },
          { Id: 'bad', ReceiptHandle: 'nonsense' },
        ],
      }),
    );
    sqs.clock.advance(30_000);

    expect(result.Successful).toEqual([{ Id: 'good' }]);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect(await receive(sqs.client, queueUrl)).toEqual([]);
  });
});
