import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  UnsupportedOperation,
} from '@aws-sdk/client-sqs';
import { ResponseDroppedError, SqsEmulator } from '../../../../local/emulators/sqs';
import { md5OfMessageAttributes } from '../../../../local/emulators/sqs/md5';
import type { SqsHarness } from './support';
import { aQueue, bodies, receive, startSqs } from './support';

// Known-answer vectors published with the npm package aws-md5-of-message-attributes (computed against SQS).
const STRING_ATTRIBUTE = { attribName1: { DataType: 'String', StringValue: 'attribValue 1' } };
const NUMBER_ATTRIBUTE = {
  customNumberTypeAttrib: { DataType: 'Number.float', StringValue: '4563442423554324324264524243.32543234' },
};
const BINARY_ATTRIBUTE = {
  binaryAttribute: { DataType: 'Binary', BinaryValue: new Uint8Array(Buffer.from('Hello binary world!')) },
};
const ALL_THREE: Record<string, MessageAttributeValue> = {
  ...STRING_ATTRIBUTE,
  ...NUMBER_ATTRIBUTE,
  ...BINARY_ATTRIBUTE,
};

describe('SQS emulator: wire protocol', () => {
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

  async function rawCall(target: string, body: unknown): Promise<Response> {
    return fetch(`${sqs.server.endpoint}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
      body: JSON.stringify(body),
    });
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html
  // Error: x-amzn-query-error "AWS.SimpleQueueService.NonExistentQueue;Sender", body __type + message.
  it('answers a missing queue with the documented JSON error shape and query error header', async () => {
    const response = await rawCall('AmazonSQS.GetQueueAttributes', {
      QueueUrl: `${sqs.server.endpoint}/000000000000/missing`,
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(response.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(await response.json()).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
  // Errors: QueueDoesNotExist, which the SDK raises as its QueueDoesNotExist class.
  it('makes the SDK raise QueueDoesNotExist for a queue that does not exist', async () => {
    const missingUrl = `${sqs.server.endpoint}/000000000000/missing`;

    await expect(
      sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: missingUrl })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(
      sqs.client.send(new SendMessageCommand({ QueueUrl: missingUrl, MessageBody: 'x' })),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist', Code: 'AWS.SimpleQueueService.NonExistentQueue' });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
  // InvalidAction: "The action or operation requested is invalid." So are the actions nothing here calls.
  it.each(['FlyToTheMoon', 'GetQueueUrl', 'SetQueueAttributes', 'ChangeMessageVisibility', 'PurgeQueue'])(
    'answers the action %s, which it does not serve, with InvalidAction instead of hanging',
    async (action) => {
      const response = await rawCall(`AmazonSQS.${action}`, {});

      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-query-error')).toBe('InvalidAction;Sender');
      expect(await response.json()).toMatchObject({ __type: 'com.amazonaws.sqs#InvalidAction' });
    },
  );

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // DelaySeconds and MessageSystemAttributes exist on AWS; nothing here sends them, so they are
  // refused rather than ignored.
  it('refuses a request parameter it does not emulate', async () => {
    const queueUrl = await aQueue(sqs.client);

    await expect(
      sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', DelaySeconds: 5 })),
    ).rejects.toBeInstanceOf(UnsupportedOperation);
    await expect(
      sqs.client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: 'x',
          MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-0-0' } },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'UnsupportedOperation',
      message: expect.stringContaining('MessageSystemAttributes') as unknown,
    });
    expect(await receive(sqs.client, queueUrl)).toEqual([]);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
  // "Calculating the MD5 message digest for message attributes".
  it('computes the attribute digest SQS publishes for String, custom Number and Binary attributes', () => {
    expect(md5OfMessageAttributes(STRING_ATTRIBUTE)).toBe('19e27d4e946b072f3f58da80d94fd778');
    expect(md5OfMessageAttributes(NUMBER_ATTRIBUTE)).toBe('9fe1b90bbd9965bdf77bac517c7d2495');
    expect(md5OfMessageAttributes(BINARY_ATTRIBUTE)).toBe('31a92b15d92f8db860eda32aceb656c3');
    expect(md5OfMessageAttributes(ALL_THREE)).toBe('c932db14a896c663f83c260297d594ff');
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // MD5OfMessageBody / MD5OfMessageAttributes; the SDK checks the body digest of sends and receives.
  it('returns digests the SDK accepts on send and receive, over the attributes actually returned', async () => {
    const queueUrl = await aQueue(sqs.client);

    const sent = await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'héllo wörld ✓',
        MessageAttributes: ALL_THREE,
      }),
    );
    const { Messages } = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['attribName1'] }),
    );

    expect(sent.MD5OfMessageAttributes).toBe('c932db14a896c663f83c260297d594ff');
    expect(Messages?.[0]?.Body).toBe('héllo wörld ✓');
    expect(Messages?.[0]?.MD5OfMessageAttributes).toBe('19e27d4e946b072f3f58da80d94fd778');
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  // MessageAttributeNames: "All" or exact names (the prefix forms are not emulated; nothing asks for them).
  it('returns the message attributes a receive asks for, by name or All', async () => {
    const queueUrl = await aQueue(sqs.client);
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'x',
        MessageAttributes: {
          'trace.id': { DataType: 'String', StringValue: 't' },
          'trace.span': { DataType: 'String', StringValue: 's' },
          tenant: { DataType: 'String', StringValue: 'acme' },
          size: { DataType: 'Number', StringValue: '12' },
        },
      }),
    );

    const byName = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageAttributeNames: ['trace.id', 'size'],
        VisibilityTimeout: 0,
      }),
    );
    const all = await receive(sqs.client, queueUrl);

    expect(Object.keys(byName.Messages?.[0]?.MessageAttributes ?? {}).sort()).toEqual(['size', 'trace.id']);
    expect(Object.keys(all[0]?.MessageAttributes ?? {}).sort()).toEqual([
      'size',
      'tenant',
      'trace.id',
      'trace.span',
    ]);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // MessageBody: only #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
  it('rejects a body with characters outside the allowed Unicode ranges', async () => {
    const queueUrl = await aQueue(sqs.client);

    await expect(
      sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'bell \u0007' })),
    ).rejects.toMatchObject({ name: 'InvalidMessageContents' });
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
  // MaximumMessageSize (body plus attributes) defaults to 1,048,576 bytes; the template keeps the default.
  it('rejects a message larger than the default maximum message size', async () => {
    const queueUrl = await aQueue(sqs.client);
    // 8 bytes: name, data type and value.
    const attribute = { a: { DataType: 'String', StringValue: 'x' } };

    await expect(
      sqs.client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: 'x'.repeat(1_048_576),
          MessageAttributes: attribute,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'x'.repeat(1_048_568),
        MessageAttributes: attribute,
      }),
    );
  });

  it('fails the next calls of an action with an injected error, then recovers', async () => {
    const queueUrl = await aQueue(sqs.client);
    sqs.emulator.injectFault('SendMessage', {
      kind: 'error',
      code: 'InvalidParameterValue',
      message: 'injected',
      times: 2,
    });

    const first = sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a' }));
    await expect(first).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'injected' });
    await expect(
      sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'b' })),
    ).rejects.toThrow();
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'c' }));

    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['c']);
  });

  it('lets the SDK retry a server error fault transparently', async () => {
    const queueUrl = await aQueue(sqs.client);
    sqs.emulator.injectFault('SendMessage', { kind: 'error', code: 'InternalError' });

    const sent = await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a' }));

    expect(sent.$metadata.attempts).toBe(2);
  });

  it('delays a call by an injected delay', async () => {
    const queueUrl = await aQueue(sqs.client);
    sqs.emulator.injectFault('GetQueueAttributes', { kind: 'delay', ms: 150 });
    const startedAt = Date.now();

    await sqs.emulator.getQueueAttributes({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] });

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
  });

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
  // A delete whose response was lost is retried by the SDK; the second delete succeeds.
  it('applies a call whose response is dropped, so the SDK retry of a delete succeeds', async () => {
    const queueUrl = await aQueue(sqs.client);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a' }));
    const [message] = await receive(sqs.client, queueUrl);
    sqs.emulator.injectFault('DeleteMessage', { kind: 'dropResponse' });

    const deleted = await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );
    sqs.clock.advance(30_000);

    expect(deleted.$metadata.attempts).toBe(2);
    expect(await receive(sqs.client, queueUrl)).toEqual([]);
  });

  it('throws ResponseDroppedError in process after the dropped call took effect', async () => {
    const queueUrl = await aQueue(sqs.client);
    sqs.emulator.injectFault('SendMessage', { kind: 'dropResponse' });

    await expect(
      sqs.emulator.sendMessage({ QueueUrl: queueUrl, MessageBody: 'landed' }),
    ).rejects.toBeInstanceOf(ResponseDroppedError);
    expect(bodies(await receive(sqs.client, queueUrl))).toEqual(['landed']);
  });

  it('counts calls by action across HTTP and the in-process API', async () => {
    const emulator = new SqsEmulator();
    const { QueueUrl } = await emulator.createQueue({ QueueName: 'counted' });
    const server = await emulator.start();
    const client = new SQSClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const url = (await client.send(new CreateQueueCommand({ QueueName: 'counted' }))).QueueUrl;
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
      await emulator.receiveMessage({ QueueUrl: QueueUrl });

      expect(url).toBe(`${server.endpoint}/000000000000/counted`);
      expect(emulator.counters()).toEqual({ CreateQueue: 2, SendMessage: 1, ReceiveMessage: 1 });
    } finally {
      client.destroy();
      await server.stop();
    }
  });

  it('closes kept-alive connections on stop and serves again on a second start', async () => {
    const emulator = new SqsEmulator();
    const first = await emulator.start();
    const client = new SQSClient({
      endpoint: first.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await emulator.createQueue({ QueueName: 'survives' });
    await client.send(new CreateQueueCommand({ QueueName: 'survives' }));
    const stopping = Date.now();
    await first.stop();
    const stopMs = Date.now() - stopping;
    client.destroy();

    const second = await emulator.start();
    const again = new SQSClient({
      endpoint: second.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const { QueueUrl } = await again.send(new CreateQueueCommand({ QueueName: 'survives' }));
      expect(stopMs).toBeLessThan(1000);
      expect(QueueUrl).toBe(`${second.endpoint}/000000000000/survives`);
    } finally {
      again.destroy();
      await second.stop();
    }
  });

  it('ends an in-process long poll with no messages when its signal aborts', async () => {
    const queueUrl = await aQueue(sqs.client);
    const controller = new AbortController();
    const waiting = sqs.emulator.receiveMessage(
      { QueueUrl: queueUrl, WaitTimeSeconds: 20 },
      { signal: controller.signal },
    );

    controller.abort();

    await expect(waiting).resolves.toEqual({});
    expect(sqs.emulator.waitingReceives()).toBe(0);
  });
});
