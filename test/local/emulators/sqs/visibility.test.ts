import {
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchCommandOutput,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiptHandleIsInvalid,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SqsHarness } from './support';
import { aQueue, bodies, receive, startSqs } from './support';

describe('SQS emulator: visibility, receive counts and receipt handles', () => {
  let sqs: SqsHarness;

  beforeAll(async () => {
    sqs = await startSqs();
  });

  afterAll(async () => {
    await sqs.stop();
  });

  async function queueWith(body: string, fifo = false): Promise<string> {
    const queueUrl = await aQueue(sqs.client, { fifo, attributes: { VisibilityTimeout: '30' } });
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        ...(fifo ? { MessageGroupId: 'g', MessageDeduplicationId: body } : {}),
      }),
    );
    return queueUrl;
  }

  /** ChangeMessageVisibilityBatch with one entry, as the consumer and the CLI change visibility. */
  function changeVisibility(
    queueUrl: string,
    receiptHandle: string | undefined,
    seconds: number,
  ): Promise<ChangeMessageVisibilityBatchCommandOutput> {
    return sqs.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [{ Id: 'only', ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }],
      }),
    );
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
  // "If the message isn't deleted before the visibility timeout expires, it becomes visible again".
  it('hides a received message for the queue visibility timeout and then delivers it again', async () => {
    const queueUrl = await queueWith('m');
    await receive(sqs.client, queueUrl);

    sqs.clock.advance(29_999);
    const beforeExpiry = await receive(sqs.client, queueUrl);
    sqs.clock.advance(1);
    const afterExpiry = await receive(sqs.client, queueUrl);

    expect(beforeExpiry).toEqual([]);
    expect(bodies(afterExpiry)).toEqual(['m']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  // VisibilityTimeout: "The duration (in seconds) that the received messages are hidden".
  it('uses the visibility timeout given on the receive instead of the queue default', async () => {
    const queueUrl = await queueWith('m');
    await receive(sqs.client, queueUrl, { visibilityTimeout: 5 });

    sqs.clock.advance(5_000);

    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['m']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  // ApproximateReceiveCount, ApproximateFirstReceiveTimestamp (epoch ms), SentTimestamp (epoch ms).
  it('counts receives and keeps the first receive timestamp across redeliveries', async () => {
    const sentAt = sqs.clock.now();
    const queueUrl = await queueWith('m');
    sqs.clock.advance(1_000);
    const [first] = await receive(sqs.client, queueUrl);
    sqs.clock.advance(30_000);

    const [second] = await receive(sqs.client, queueUrl);

    expect(first?.Attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(sentAt),
      ApproximateFirstReceiveTimestamp: String(sentAt + 1_000),
    });
    expect(second?.Attributes).toMatchObject({
      ApproximateReceiveCount: '2',
      ApproximateFirstReceiveTimestamp: String(sentAt + 1_000),
      SenderId: expect.any(String) as unknown,
    });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  // The new timeout counts from the time of the call.
  it('extends the visibility of an in-flight message from the moment of the change', async () => {
    const queueUrl = await queueWith('m');
    const [message] = await receive(sqs.client, queueUrl);
    sqs.clock.advance(20_000);

    const changed = await changeVisibility(queueUrl, message?.ReceiptHandle, 60);
    sqs.clock.advance(59_000);
    const stillHidden = await receive(sqs.client, queueUrl);
    sqs.clock.advance(1_000);

    expect(changed.Successful).toEqual([{ Id: 'only' }]);
    expect(stillHidden).toEqual([]);
    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['m']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibilityBatch.html
  it('changes visibility per batch entry and reports a bad receipt handle as a failed entry', async () => {
    const queueUrl = await queueWith('m');
    const [message] = await receive(sqs.client, queueUrl);

    const result = await sqs.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'ok', ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'bad', ReceiptHandle: 'not-a-handle', VisibilityTimeout: 0 },
        ],
      }),
    );

    expect(result.Successful).toEqual([{ Id: 'ok' }]);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['m']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  // Errors: MessageNotInflight "The specified message isn't in flight."
  it('refuses to change the visibility of a message that is no longer in flight', async () => {
    const queueUrl = await queueWith('m');
    const [message] = await receive(sqs.client, queueUrl);
    sqs.clock.advance(30_000);

    const { Failed } = await changeVisibility(queueUrl, message?.ReceiptHandle, 10);

    expect(Failed).toEqual([expect.objectContaining({ Code: 'MessageNotInflight', SenderFault: true })]);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  // "the visibility timeout for a message can't exceed 12 hours" from when it was received.
  it('refuses to extend visibility past 12 hours from the receive', async () => {
    const queueUrl = await queueWith('m');
    const [message] = await receive(sqs.client, queueUrl);
    sqs.clock.advance(10_000);

    const { Failed } = await changeVisibility(queueUrl, message?.ReceiptHandle, 43_200);

    expect(Failed).toEqual([expect.objectContaining({ Code: 'InvalidParameterValue' })]);
  });

  // https://repost.aws/knowledge-center/sqs-receipt-handle-error
  // A receipt handle that SQS did not issue is "not a valid receipt handle".
  it('rejects a malformed receipt handle with ReceiptHandleIsInvalid', async () => {
    const queueUrl = await queueWith('m');

    await expect(
      sqs.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'garbage' })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  // https://repost.aws/knowledge-center/sqs-receipt-handle-error
  // "The receipt handle ... isn't valid for this queue" when it comes from another queue.
  it('rejects a receipt handle from another queue', async () => {
    const first = await queueWith('m');
    const other = await queueWith('n');
    const [message] = await receive(sqs.client, first);

    await expect(
      sqs.client.send(new DeleteMessageCommand({ QueueUrl: other, ReceiptHandle: message?.ReceiptHandle })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  // A receipt handle stops working once its message is deleted.
  it('rejects a visibility change through the receipt handle of a deleted message', async () => {
    const queueUrl = await queueWith('m');
    const [message] = await receive(sqs.client, queueUrl);
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );

    const { Failed } = await changeVisibility(queueUrl, message?.ReceiptHandle, 5);

    expect(Failed).toEqual([expect.objectContaining({ Code: 'ReceiptHandleIsInvalid' })]);
  });

  // https://repost.aws/knowledge-center/sqs-receipt-handle-error
  // FIFO: "Value ... for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
  it('rejects deleting a FIFO message with the handle of an earlier receive', async () => {
    const queueUrl = await queueWith('m', true);
    const [first] = await receive(sqs.client, queueUrl);
    sqs.clock.advance(30_000);
    await receive(sqs.client, queueUrl);

    await expect(
      sqs.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first?.ReceiptHandle })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('expired') as unknown,
    });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
  // "you must provide the most recently received ReceiptHandle for the message (otherwise, the request
  // succeeds, but the message will not be deleted)".
  it('leaves a standard message in place when deleted with the handle of an earlier receive', async () => {
    const queueUrl = await queueWith('m');
    const [first] = await receive(sqs.client, queueUrl);
    sqs.clock.advance(30_000);
    await receive(sqs.client, queueUrl);

    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first?.ReceiptHandle }),
    );
    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );

    expect(Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1');
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
  // Deleting twice with the same handle succeeds, which is what makes a retried delete safe.
  it('accepts a second delete of the same message', async () => {
    const queueUrl = await queueWith('m');
    const [message] = await receive(sqs.client, queueUrl);
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );

    await expect(
      sqs.client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
      ),
    ).resolves.toBeDefined();
  });
});
