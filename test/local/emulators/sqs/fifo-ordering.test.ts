import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SqsHarness } from './support';
import { aQueue, bodies, receive, startSqs } from './support';

describe('SQS emulator: FIFO message groups', () => {
  let sqs: SqsHarness;
  let queueUrl: string;

  beforeAll(async () => {
    sqs = await startSqs();
  });

  afterAll(async () => {
    await sqs.stop();
  });

  beforeEach(async () => {
    queueUrl = await aQueue(sqs.client, { fifo: true, attributes: { ContentBasedDeduplication: 'true' } });
  });

  async function send(groupId: string, body: string): Promise<void> {
    await sqs.client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: groupId }),
    );
  }

  /** Visibility 0, as the dead-letter queue reader releases what it peeked at. */
  async function release(receiptHandle: string | undefined): Promise<void> {
    await sqs.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [{ Id: 'only', ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }],
      }),
    );
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
  // "messages are received and processed in the exact order they were transmitted" (per group).
  it('delivers the messages of one group in the order they were sent', async () => {
    for (const body of ['a1', 'a2', 'a3', 'a4']) await send('a', body);

    const received = await receive(sqs.client, queueUrl, { max: 10 });

    expect(bodies(received)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  // https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned
  // "Inflight messages block delivery of available messages within the same message group."
  it('delivers nothing more from a group while one of its messages is in flight', async () => {
    await send('a', 'a1');
    await send('a', 'a2');
    const [first] = await receive(sqs.client, queueUrl, { max: 1 });

    const whileInFlight = await receive(sqs.client, queueUrl, { max: 10 });

    expect(first?.Body).toBe('a1');
    expect(whileInFlight).toEqual([]);
  });

  // https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned
  // "You must delete the messages in the current message group ID before you can receive more messages".
  it('delivers the next message of a group once the in-flight one is deleted', async () => {
    await send('a', 'a1');
    await send('a', 'a2');
    const [first] = await receive(sqs.client, queueUrl, { max: 1 });

    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first?.ReceiptHandle }),
    );
    const next = await receive(sqs.client, queueUrl, { max: 10 });

    expect(bodies(next)).toEqual(['a2']);
  });

  // https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned
  // "The ReceiveMessage API call can also return messages from other available message groups."
  it('keeps delivering other groups while one group is locked', async () => {
    await send('a', 'a1');
    await send('a', 'a2');
    await send('b', 'b1');
    await receive(sqs.client, queueUrl, { max: 1 });

    const others = await receive(sqs.client, queueUrl, { max: 10 });

    expect(bodies(others)).toEqual(['b1']);
  });

  // https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned
  // "SQS returns as many messages with the same message group ID as possible."
  it('fills one receive with a group in order before moving on to the next group', async () => {
    await send('a', 'a1');
    await send('b', 'b1');
    await send('a', 'a2');
    await send('b', 'b2');

    const received = await receive(sqs.client, queueUrl, { max: 3 });

    expect(bodies(received)).toEqual(['a1', 'a2', 'b1']);
  });

  // https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned
  // A group stays blocked while any of its messages is in flight, even after the head is released.
  it('keeps a group locked while a later message of it is still in flight', async () => {
    await send('a', 'a1');
    await send('a', 'a2');
    await send('a', 'a3');
    const [a1] = await receive(sqs.client, queueUrl, { max: 2 });

    await release(a1?.ReceiptHandle);
    const whileA2InFlight = await receive(sqs.client, queueUrl, { max: 10 });

    expect(whileA2InFlight).toEqual([]);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
  // In FIFO queues a message whose visibility timeout expires is delivered again before later ones.
  it('redelivers an expired message at the head of its group, before the later messages', async () => {
    await send('a', 'a1');
    await send('a', 'a2');
    await receive(sqs.client, queueUrl, { max: 1, visibilityTimeout: 30 });

    sqs.clock.advance(30_000);
    const again = await receive(sqs.client, queueUrl, { max: 10 });

    expect(bodies(again)).toEqual(['a1', 'a2']);
    expect(again[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  // A visibility timeout of 0 makes the message visible again at once, unlocking its group.
  it('releases a group at once when the in-flight message gets a visibility timeout of 0', async () => {
    await send('a', 'a1');
    await send('a', 'a2');
    const [a1] = await receive(sqs.client, queueUrl, { max: 1 });

    await release(a1?.ReceiptHandle);
    const again = await receive(sqs.client, queueUrl, { max: 1 });

    expect(bodies(again)).toEqual(['a1']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
  // Order holds across batches: a batch keeps its entries' order within each group.
  it('keeps the order of a batch send within each group', async () => {
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ['x1', 'y1', 'x2', 'y2'].map((body) => ({
          Id: body,
          MessageBody: body,
          MessageGroupId: body.charAt(0),
        })),
      }),
    );

    const received = await receive(sqs.client, queueUrl, { max: 10 });

    const bySequence = [...received].sort((a, b) =>
      BigInt(a.Attributes?.SequenceNumber ?? '0') < BigInt(b.Attributes?.SequenceNumber ?? '0') ? -1 : 1,
    );
    expect(bodies(received)).toEqual(['x1', 'x2', 'y1', 'y2']);
    expect(bodies(bySequence)).toEqual(['x1', 'y1', 'x2', 'y2']);
  });
});
