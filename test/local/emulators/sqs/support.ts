import type { Message, MessageSystemAttributeName } from '@aws-sdk/client-sqs';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { RunningServer } from '../../../../local/emulators/sqs';
import { ManualClock, SqsEmulator } from '../../../../local/emulators/sqs';

export interface SqsHarness {
  readonly emulator: SqsEmulator;
  readonly clock: ManualClock;
  readonly client: SQSClient;
  readonly server: RunningServer;
  stop(): Promise<void>;
}

/** An emulator on a free loopback port, a manual clock, and a real SDK client pointed at it. */
export async function startSqs(): Promise<SqsHarness> {
  const clock = new ManualClock();
  const emulator = new SqsEmulator({ clock });
  const server = await emulator.start();
  const client = new SQSClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    emulator,
    clock,
    client,
    server,
    stop: async () => {
      client.destroy();
      emulator.close();
      await server.stop();
    },
  };
}

let queueCounter = 0;

/** A uniquely named queue; FIFO when `fifo` is set (the `.fifo` suffix and attribute are added). */
export async function aQueue(
  client: SQSClient,
  options: { fifo?: boolean; attributes?: Record<string, string> } = {},
): Promise<string> {
  queueCounter += 1;
  const fifo = options.fifo ?? false;
  const name = `queue-${queueCounter}${fifo ? '.fifo' : ''}`;
  const attributes = { ...(fifo ? { FifoQueue: 'true' } : {}), ...options.attributes };
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (QueueUrl === undefined) throw new Error('CreateQueue returned no QueueUrl');
  return QueueUrl;
}

export async function receive(
  client: SQSClient,
  queueUrl: string,
  options: { max?: number; visibilityTimeout?: number; wait?: number } = {},
): Promise<Message[]> {
  const { Messages } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      VisibilityTimeout: options.visibilityTimeout,
      WaitTimeSeconds: options.wait ?? 0,
      MessageSystemAttributeNames: ['All' satisfies MessageSystemAttributeName],
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages ?? [];
}

export const bodies = (messages: readonly Message[]): (string | undefined)[] => messages.map((m) => m.Body);

/** Resolves once the emulator holds exactly `count` long polls, so a test can act while they wait. */
export async function untilWaiting(emulator: SqsEmulator, count = 1): Promise<void> {
  const deadline = Date.now() + 5000;
  while (emulator.waitingReceives() !== count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} waiting receive(s)`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
