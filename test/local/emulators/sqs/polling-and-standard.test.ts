import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SqsHarness } from './support';
import { aQueue, bodies, receive, startSqs, untilWaiting } from './support';

describe('SQS emulator: long polling, standard queues and retention', () => {
  let sqs: SqsHarness;

  beforeAll(async () => {
    sqs = await startSqs();
  });

  afterAll(async () => {
    await sqs.stop();
  });

  async function send(
    queueUrl: string,
    body: string,
    extra: { MessageGroupId?: string } = {},
  ): Promise<void> {
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, ...extra }));
  }

  async function counts(queueUrl: string): Promise<Record<string, string> | undefined> {
    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Attributes;
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
  // Long polling "returns messages as soon as they become available".
  it('answers a waiting long poll as soon as a message is sent', async () => {
    const queueUrl = await aQueue(sqs.client);
    const waiting = receive(sqs.client, queueUrl, { wait: 20 });
    await untilWaiting(sqs.emulator);
    const startedAt = sqs.clock.now();

    await send(queueUrl, 'arrived');

    expect(bodies(await waiting)).toEqual(['arrived']);
    expect(sqs.clock.now()).toBe(startedAt);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
  // "returns an empty response only if the polling wait time expires".
  it('answers an empty long poll when its wait time runs out, and not before', async () => {
    const queueUrl = await aQueue(sqs.client);
    const waiting = receive(sqs.client, queueUrl, { wait: 5 });
    await untilWaiting(sqs.emulator);

    sqs.clock.advance(4_999);
    const stillWaiting = sqs.emulator.waitingReceives();
    sqs.clock.advance(1);

    expect(stillWaiting).toBe(1);
    expect(await waiting).toEqual([]);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
  // A message whose visibility timeout ends during the wait becomes available to the waiting poll.
  it('answers a waiting long poll when an in-flight message becomes visible again', async () => {
    const queueUrl = await aQueue(sqs.client);
    await send(queueUrl, 'retry me');
    await receive(sqs.client, queueUrl, { visibilityTimeout: 10 });
    const waiting = receive(sqs.client, queueUrl, { wait: 20 });
    await untilWaiting(sqs.emulator);

    sqs.clock.advance(10_000);

    expect(bodies(await waiting)).toEqual(['retry me']);
  });

  // https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned
  // Deleting the in-flight message unlocks its group; a waiting poll then gets the next one.
  it('answers a waiting long poll on a FIFO queue when the blocking message is deleted', async () => {
    const queueUrl = await aQueue(sqs.client, {
      fifo: true,
      attributes: { ContentBasedDeduplication: 'true' },
    });
    await send(queueUrl, 'first', { MessageGroupId: 'g' });
    await send(queueUrl, 'second', { MessageGroupId: 'g' });
    const [first] = await receive(sqs.client, queueUrl, { max: 1 });
    const waiting = receive(sqs.client, queueUrl, { wait: 20 });
    await untilWaiting(sqs.emulator);

    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first?.ReceiptHandle }),
    );

    expect(bodies(await waiting)).toEqual(['second']);
  });

  // The emulator waits on timers rather than polling its own state (no busy spin).
  it('holds one deadline timer and nothing else while a long poll waits on an empty queue', async () => {
    const queueUrl = await aQueue(sqs.client);
    const waiting = receive(sqs.client, queueUrl, { wait: 20 });
    await untilWaiting(sqs.emulator);

    const timers = sqs.clock.pendingTimers();
    sqs.clock.advance(20_000);

    expect(timers).toBe(1);
    expect(await waiting).toEqual([]);
    expect(sqs.clock.pendingTimers()).toBe(0);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
  // A poll whose caller went away must not take a message with it.
  it('does not consume a message for a long poll the client abandoned', async () => {
    const queueUrl = await aQueue(sqs.client);
    const abandon = new AbortController();
    const waiting = sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20 }), {
      abortSignal: abandon.signal,
    });
    await untilWaiting(sqs.emulator);

    abandon.abort();
    await expect(waiting).rejects.toThrow();
    await untilWaiting(sqs.emulator, 0);
    await send(queueUrl, 'kept');

    const [message] = await receive(sqs.client, queueUrl);
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html
  // Standard queues have no message group lock: other messages stay available while one is in flight.
  it('keeps delivering other messages of a standard queue while one is in flight', async () => {
    const queueUrl = await aQueue(sqs.client);
    await send(queueUrl, 'one', { MessageGroupId: 'tenant-a' });
    await send(queueUrl, 'two', { MessageGroupId: 'tenant-a' });
    await receive(sqs.client, queueUrl, { max: 1 });

    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['two']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
  // ApproximateNumberOfMessages / NotVisible (in flight) / Delayed (none: nothing delays a message here).
  it('reports visible, in-flight and delayed message counts', async () => {
    const queueUrl = await aQueue(sqs.client);
    await send(queueUrl, 'in flight');
    await receive(sqs.client, queueUrl, { max: 1 });
    await send(queueUrl, 'visible');

    expect(await counts(queueUrl)).toEqual({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '0',
    });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
  // MessageRetentionPeriod: how long SQS keeps a message; after it, the message is deleted.
  it('drops messages older than the retention period, in flight or not', async () => {
    const queueUrl = await aQueue(sqs.client, { attributes: { MessageRetentionPeriod: '60' } });
    await send(queueUrl, 'old');
    await send(queueUrl, 'old in flight');
    await receive(sqs.client, queueUrl, { max: 1, visibilityTimeout: 120 });
    sqs.clock.advance(30_000);
    await send(queueUrl, 'young');

    sqs.clock.advance(30_000);

    expect(await counts(queueUrl)).toEqual({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });
    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['young']);
  });
});
