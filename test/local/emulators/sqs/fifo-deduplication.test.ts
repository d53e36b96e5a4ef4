import type { SendMessageCommandOutput } from '@aws-sdk/client-sqs';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import type { SqsHarness } from './support';
import { aQueue, bodies, receive, startSqs } from './support';

const FIVE_MINUTES = 5 * 60 * 1000;

describe('SQS emulator: FIFO deduplication', () => {
  let sqs: SqsHarness;

  beforeAll(async () => {
    sqs = await startSqs();
  });

  afterAll(async () => {
    await sqs.stop();
  });

  afterEach(() => {
    sqs.emulator.clearFaults();
  });

  function send(
    queueUrl: string,
    body: string,
    groupId = 'g',
    deduplicationId?: string,
  ): Promise<SendMessageCommandOutput> {
    return sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: groupId,
        MessageDeduplicationId: deduplicationId,
      }),
    );
  }

  async function visibleCount(queueUrl: string): Promise<string | undefined> {
    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Attributes?.ApproximateNumberOfMessages;
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // "any messages sent with the same MessageDeduplicationId are accepted successfully but aren't delivered"
  it('accepts a duplicate send with the original message id and sequence number and enqueues nothing', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });
    const original = await send(queueUrl, 'first', 'g', 'dedup-1');

    const duplicate = await send(queueUrl, 'second', 'g', 'dedup-1');

    expect(duplicate.MessageId).toBe(original.MessageId);
    expect(duplicate.SequenceNumber).toBe(original.SequenceNumber);
    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['first']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html
  // "Amazon SQS continues tracking the deduplication ID even after the message has been received and deleted."
  it('still drops a duplicate after the original was received and deleted', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });
    await send(queueUrl, 'first', 'g', 'dedup-1');
    const [message] = await receive(sqs.client, queueUrl);
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );
    sqs.clock.advance(FIVE_MINUTES - 1000);

    await send(queueUrl, 'again', 'g', 'dedup-1');

    expect(await receive(sqs.client, queueUrl)).toEqual([]);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html
  // Duplicates are only recognised "within a 5 minute deduplication interval".
  it('enqueues a message with a reused deduplication id once five minutes have passed', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });
    const original = await send(queueUrl, 'first', 'g', 'dedup-1');
    sqs.clock.advance(FIVE_MINUTES);

    const later = await send(queueUrl, 'second', 'g', 'dedup-1');

    expect(later.MessageId).not.toBe(original.MessageId);
    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['first', 'second']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // ContentBasedDeduplication: "Amazon SQS uses a SHA-256 hash to generate the MessageDeduplicationId using the body".
  it('deduplicates identical bodies by their SHA-256 when content-based deduplication is on', async () => {
    const queueUrl = await aQueue(sqs.client, {
      fifo: true,
      attributes: { ContentBasedDeduplication: 'true' },
    });
    await send(queueUrl, 'same body');
    await send(queueUrl, 'same body');
    await send(queueUrl, 'other body');

    const received = await receive(sqs.client, queueUrl);

    expect(bodies(received)).toEqual(['same body', 'other body']);
    expect(received[0]?.Attributes?.MessageDeduplicationId).toBe(
      createHash('sha256').update('same body').digest('hex'),
    );
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // "If the queue has ContentBasedDeduplication set, your MessageDeduplicationId overrides the generated one."
  it('lets an explicit deduplication id override the content hash', async () => {
    const queueUrl = await aQueue(sqs.client, {
      fifo: true,
      attributes: { ContentBasedDeduplication: 'true' },
    });
    await send(queueUrl, 'same body', 'g', 'one');
    await send(queueUrl, 'same body', 'g', 'two');

    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['same body', 'same body']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/high-throughput-fifo.html
  // DeduplicationScope messageGroup: "deduplication occurs at the message group level".
  it('treats the same deduplication id in two groups as distinct when the scope is messageGroup', async () => {
    const queueUrl = await aQueue(sqs.client, {
      fifo: true,
      attributes: { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' },
    });
    await send(queueUrl, 'in a', 'a', 'dedup-1');
    await send(queueUrl, 'in b', 'b', 'dedup-1');
    await send(queueUrl, 'again in a', 'a', 'dedup-1');

    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['in a', 'in b']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html
  // With the default queue scope a deduplication id collides across groups.
  it('treats the same deduplication id in two groups as a duplicate when the scope is queue', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });
    await send(queueUrl, 'in a', 'a', 'dedup-1');
    await send(queueUrl, 'in b', 'b', 'dedup-1');

    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['in a']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
  // Batch entries are deduplicated like single sends, against earlier sends and each other.
  it('deduplicates batch entries against earlier sends and against each other', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });
    const earlier = await send(queueUrl, 'earlier', 'g', 'd1');

    const batch = await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'e1', MessageBody: 'dup of earlier', MessageGroupId: 'g', MessageDeduplicationId: 'd1' },
          { Id: 'e2', MessageBody: 'new', MessageGroupId: 'g', MessageDeduplicationId: 'd2' },
          { Id: 'e3', MessageBody: 'dup of new', MessageGroupId: 'g', MessageDeduplicationId: 'd2' },
        ],
      }),
    );

    const ids = new Map((batch.Successful ?? []).map((entry) => [entry.Id, entry.MessageId] as const));
    expect(ids.get('e1')).toBe(earlier.MessageId);
    expect(ids.get('e3')).toBe(ids.get('e2'));
    expect(await visibleCount(queueUrl)).toBe('2');
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/single-producer-single-consumer.html
  // "You can retry send or receive requests because they don't interfere with the ordering of messages".
  it('collapses the SDK retry of a send whose response was lost into one message', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });
    sqs.emulator.injectFault('SendMessage', { kind: 'dropResponse' });
    const before = sqs.emulator.counters()['SendMessage'] ?? 0;

    const sent = await send(queueUrl, 'once', 'g', 'retry-me');

    expect(sent.$metadata.attempts).toBe(2);
    expect((sqs.emulator.counters()['SendMessage'] ?? 0) - before).toBe(2);
    const received = await receive(sqs.client, queueUrl);
    expect(received.map((m) => m.MessageId)).toEqual([sent.MessageId]);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  // ReceiveRequestAttemptId: a retry "with an identical ReceiveRequestAttemptId" retrieves "the same set
  // of messages, even if their visibility timeout has not yet expired".
  it('gives the SDK retry of a receive whose response was lost the same messages and receipt handles', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });
    await send(queueUrl, 'only once', 'g', 'd1');
    sqs.emulator.injectFault('ReceiveMessage', { kind: 'dropResponse' });
    const input = {
      QueueUrl: queueUrl,
      ReceiveRequestAttemptId: 'attempt-1',
      MessageSystemAttributeNames: ['All' as const],
    };

    const retried = await sqs.client.send(new ReceiveMessageCommand(input));
    const repeated = await sqs.client.send(new ReceiveMessageCommand(input));

    expect(retried.$metadata.attempts).toBe(2);
    expect(bodies(retried.Messages ?? [])).toEqual(['only once']);
    expect(retried.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(repeated.Messages?.[0]?.ReceiptHandle).toBe(retried.Messages?.[0]?.ReceiptHandle);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  // "It is possible to retry ... if none of the messages have been modified (deleted or had their visibility changes)."
  it('treats a reused receive attempt id as a new receive once its messages were deleted', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });
    await send(queueUrl, 'first', 'g', 'd1');
    await send(queueUrl, 'second', 'g', 'd2');
    const input = { QueueUrl: queueUrl, ReceiveRequestAttemptId: 'attempt-2' };
    const first = await sqs.client.send(new ReceiveMessageCommand(input));
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }),
    );

    const next = await sqs.client.send(new ReceiveMessageCommand(input));

    expect(bodies(next.Messages ?? [])).toEqual(['second']);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // "If you don't provide a MessageDeduplicationId and the queue doesn't have ContentBasedDeduplication set, the action fails".
  it('rejects a send without deduplication id to a queue without content-based deduplication', async () => {
    const queueUrl = await aQueue(sqs.client, { fifo: true });

    await expect(send(queueUrl, 'body')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // MessageGroupId: "This parameter applies only to FIFO queues ... required".
  it('rejects a FIFO send without a message group id as a missing parameter', async () => {
    const queueUrl = await aQueue(sqs.client, {
      fifo: true,
      attributes: { ContentBasedDeduplication: 'true' },
    });

    await expect(
      sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'no group' })),
    ).rejects.toMatchObject({ name: 'MissingParameter', $metadata: { httpStatusCode: 400 } });
  });
});
