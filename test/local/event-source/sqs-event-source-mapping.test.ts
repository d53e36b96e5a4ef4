import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { SqsEmulator } from '../../../local/emulators/sqs';
import type { RunningServer } from '../../../local/emulators/sqs';
import { SqsEventSourceMapping } from '../../../local/event-source';
import type { InvokeOutcome, SqsEventSourceMappingOptions } from '../../../local/event-source';

const ACCOUNT = '000000000000';

async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SqsEventSourceMapping against the SQS emulator', () => {
  let emulator: SqsEmulator;
  let server: RunningServer;
  let sqs: SQSClient;
  let mapping: SqsEventSourceMapping | undefined;
  let queueCount = 0;

  beforeEach(async () => {
    emulator = new SqsEmulator();
    server = await emulator.start();
    sqs = new SQSClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterEach(async () => {
    await mapping?.stop();
    mapping = undefined;
    sqs.destroy();
    emulator.close();
    await server.stop();
  });

  async function aQueue(fifo = false): Promise<{ url: string; arn: string }> {
    queueCount += 1;
    const name = `events-${queueCount}${fifo ? '.fifo' : ''}`;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { VisibilityTimeout: '30', ...(fifo ? { FifoQueue: 'true' } : {}) },
      }),
    );
    return { url: QueueUrl ?? '', arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}` };
  }

  async function sendBodies(queueUrl: string, bodies: readonly string[]): Promise<string[]> {
    const { Successful = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    return Successful.map((entry) => entry.MessageId ?? '');
  }

  async function queueDepth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    };
  }

  function startMapping(
    queue: { url: string; arn: string },
    invoke: (event: SQSEvent) => Promise<InvokeOutcome>,
    overrides: Partial<SqsEventSourceMappingOptions> = {},
  ): SqsEventSourceMapping {
    mapping = new SqsEventSourceMapping({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      reportBatchItemFailures: true,
      invoke,
      ...overrides,
    });
    mapping.start();
    return mapping;
  }

  // https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (example standard queue message event)
  it('builds each record as Lambda does, with system and message attributes', async () => {
    const queue = await aQueue();
    const events: SQSEvent[] = [];
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"hello":"wörld"}',
        MessageAttributes: {
          correlationId: { DataType: 'String', StringValue: 'c-42' },
          attempt: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );

    const running = startMapping(queue, (event) => {
      events.push(event);
      return Promise.resolve({ result: null });
    });
    await eventually(() => running.counters().deletedRecords === 1);

    const { receiptHandle, attributes, ...record } = events[0]?.Records[0] as SQSRecord;
    expect(receiptHandle.length).toBeGreaterThan(0);
    expect(Object.keys(attributes).sort()).toEqual([
      'ApproximateFirstReceiveTimestamp',
      'ApproximateReceiveCount',
      'SenderId',
      'SentTimestamp',
    ]);
    expect(attributes.ApproximateReceiveCount).toBe('1');
    expect(attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(record).toEqual({
      messageId: sent.MessageId,
      body: '{"hello":"wörld"}',
      messageAttributes: {
        correlationId: {
          stringValue: 'c-42',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
        attempt: { stringValue: '3', stringListValues: [], binaryListValues: [], dataType: 'Number' },
        blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfMessageAttributes: sent.MD5OfMessageAttributes,
      md5OfBody: sent.MD5OfMessageBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (example FIFO queue message event)
  it('adds the FIFO attributes to records from a FIFO queue', async () => {
    const queue = await aQueue(true);
    const events: SQSEvent[] = [];
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: 'x',
        MessageGroupId: 'order-1',
        MessageDeduplicationId: 'dedup-1',
      }),
    );

    const running = startMapping(queue, (event) => {
      events.push(event);
      return Promise.resolve({ result: null });
    });
    await eventually(() => running.counters().deletedRecords === 1);

    const attributes = events[0]?.Records[0]?.attributes;
    expect(attributes?.MessageGroupId).toBe('order-1');
    expect(attributes?.MessageDeduplicationId).toBe('dedup-1');
    expect(attributes?.SequenceNumber).toMatch(/^\d+$/);
  });

  it('deletes the whole batch after a successful invocation when partial responses are off', async () => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['a', 'b', 'c']);

    const running = startMapping(
      queue,
      () => Promise.resolve({ result: { batchItemFailures: [{ itemIdentifier: 'ignored' }] } }),
      {
        reportBatchItemFailures: false,
      },
    );
    await eventually(() => running.counters().deletedRecords === 3);

    expect(await queueDepth(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
  it('deletes only the successes of a partial batch response and leaves the failures in flight', async () => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['ok-1', 'fail-1', 'ok-2', 'fail-2']);
    const failedBodies: string[] = [];

    const running = startMapping(queue, (event) => {
      const failed = event.Records.filter((record) => record.body.startsWith('fail'));
      failedBodies.push(...failed.map((record) => record.body));
      return Promise.resolve({
        result: { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) },
      });
    });
    await eventually(() => running.counters().records === 4);
    await running.stop();

    expect(failedBodies.sort()).toEqual(['fail-1', 'fail-2']);
    expect(running.counters()).toMatchObject({ deletedRecords: 2, failedRecords: 2 });
    expect(await queueDepth(queue.url)).toEqual({ visible: 0, inFlight: 2 });
  });

  it.each([
    [
      'reports a function error or timeout',
      () =>
        Promise.resolve({
          error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' },
        }),
    ],
    ['throws', () => Promise.reject(new Error('invoke failed'))],
  ])('deletes nothing when the invocation %s', async (_label, invoke: () => Promise<InvokeOutcome>) => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['a', 'b', 'c']);

    const running = startMapping(queue, invoke);
    await eventually(() => running.counters().records === 3);
    await running.stop();

    expect(running.counters()).toMatchObject({ failedRecords: 3, deletedRecords: 0 });
    expect(await queueDepth(queue.url)).toEqual({ visible: 0, inFlight: 3 });
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['an itemIdentifier under a wrong key', { batchItemFailures: [{ itemId: 'x' }] }],
    [
      'an itemIdentifier that is not in the batch',
      { batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] },
    ],
    ['batchItemFailures that is not a list', { batchItemFailures: 'oops' }],
    ['a response that is not an object', 'done'],
  ])('fails the whole batch for a malformed partial response: %s', async (_label, result) => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['a', 'b']);

    const running = startMapping(queue, () => Promise.resolve({ result }));
    await eventually(() => running.counters().records === 2);
    await running.stop();

    expect(running.counters()).toMatchObject({ failedBatches: 1, deletedRecords: 0 });
    expect(await queueDepth(queue.url)).toEqual({ visible: 0, inFlight: 2 });
  });

  it('treats an empty or null batchItemFailures as complete success', async () => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['a', 'b']);

    const responses = [{ batchItemFailures: [] }, { batchItemFailures: null }, {}, null];
    const running = startMapping(queue, () => Promise.resolve({ result: responses.shift() ?? null }), {
      batchSize: 1,
    });
    await eventually(() => running.counters().deletedRecords === 2);

    expect(await queueDepth(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('never gives one FIFO message group to two invocations at once and keeps each group in order', async () => {
    const queue = await aQueue(true);
    const groups = ['g1', 'g2', 'g3'];
    for (let index = 0; index < 5; index += 1) {
      for (const group of groups) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queue.url,
            MessageBody: `${group}-${index}`,
            MessageGroupId: group,
            MessageDeduplicationId: `${group}-${index}`,
          }),
        );
      }
    }
    const active = new Set<string>();
    const overlaps: string[] = [];
    const seen = new Map<string, string[]>();
    let maxConcurrentBatches = 0;
    let concurrentBatches = 0;

    const running = startMapping(
      queue,
      async (event) => {
        concurrentBatches += 1;
        maxConcurrentBatches = Math.max(maxConcurrentBatches, concurrentBatches);
        const batchGroups = new Set(event.Records.map((record) => record.attributes.MessageGroupId ?? ''));
        for (const group of batchGroups) {
          if (active.has(group)) overlaps.push(group);
          active.add(group);
        }
        for (const record of event.Records) {
          const group = record.attributes.MessageGroupId ?? '';
          seen.set(group, [...(seen.get(group) ?? []), record.body]);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
        for (const group of batchGroups) active.delete(group);
        concurrentBatches -= 1;
        return { result: { batchItemFailures: [] } };
      },
      { batchSize: 2, maximumConcurrency: 4 },
    );
    await eventually(() => running.counters().deletedRecords === 15, 10_000);

    expect(overlaps).toEqual([]);
    for (const group of groups)
      expect(seen.get(group)).toEqual([0, 1, 2, 3, 4].map((index) => `${group}-${index}`));
    expect(maxConcurrentBatches).toBeGreaterThan(1);
  });

  it('holds no more batches than its maximum concurrency while the function is busy', async () => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    await sendBodies(queue.url, ['11', '12', '13', '14', '15', '16', '17', '18', '19', '20']);
    const release: { open?: () => void } = {};
    const gate = new Promise<void>((resolve) => {
      release.open = resolve;
    });

    const running = startMapping(
      queue,
      async () => {
        await gate;
        return { result: null };
      },
      { batchSize: 3, maximumConcurrency: 2 },
    );
    await eventually(() => running.counters().batches === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const whileBusy = await queueDepth(queue.url);
    release.open?.();
    await eventually(() => running.counters().deletedRecords === 20);

    expect(whileBusy).toEqual({ visible: 14, inFlight: 6 });
  });

  it('waits for the batch in flight when stopped, then deletes it', async () => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['slow']);
    let finished = false;

    const running = startMapping(queue, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = true;
      return { result: null };
    });
    await eventually(() => running.counters().batches === 1);
    await running.stop();

    expect(finished).toBe(true);
    expect(await queueDepth(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html (throttled invocations are retried)
  it('retries a throttled invocation instead of failing its batch', async () => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['a']);
    let calls = 0;

    const running = startMapping(queue, () => {
      calls += 1;
      return Promise.resolve(
        calls <= 2
          ? { error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' } }
          : { result: null },
      );
    });
    await eventually(() => running.counters().deletedRecords === 1);

    expect(running.counters()).toMatchObject({ batches: 1, throttles: 2, failedRecords: 0 });
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html (MaximumBatchingWindowInSeconds)
  it('with a batching window, waits for the window to close before invoking a batch that is not full', async () => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['1', '2']);
    const invocations: { size: number; atMs: number }[] = [];
    const startedAt = Date.now();

    const running = startMapping(
      queue,
      (event) => {
        invocations.push({ size: event.Records.length, atMs: Date.now() - startedAt });
        return Promise.resolve({ result: null });
      },
      { batchSize: 5, maximumBatchingWindowSeconds: 1, waitTimeSeconds: 1 },
    );
    await eventually(() => running.counters().deletedRecords === 2);

    expect(invocations.map((invocation) => invocation.size)).toEqual([2]);
    expect(invocations[0]?.atMs).toBeGreaterThanOrEqual(950);
  });

  it('with a batching window, invokes as soon as the batch is full', async () => {
    const queue = await aQueue();
    await sendBodies(queue.url, ['1', '2', '3']);
    const startedAt = Date.now();

    const running = startMapping(queue, () => Promise.resolve({ result: null }), {
      batchSize: 3,
      maximumBatchingWindowSeconds: 5,
    });
    await eventually(() => running.counters().deletedRecords === 3);

    expect(running.counters().batches).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('rejects a FIFO mapping with a batching window, as Lambda does', async () => {
    const queue = await aQueue(true);

    expect(
      () =>
        new SqsEventSourceMapping({
          sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          reportBatchItemFailures: true,
          maximumBatchingWindowSeconds: 5,
          invoke: () => Promise.resolve({ result: null }),
        }),
    ).toThrow(/batching window is not supported for FIFO queues/);
  });
});
