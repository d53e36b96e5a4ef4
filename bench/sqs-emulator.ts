/**
 * Throughput of the SQS emulator through the real SDK: each worker sends a message, receives one and
 * deletes it, over HTTP on loopback. Run: `npx tsx bench/sqs-emulator.ts`
 * (BENCH_MESSAGES, BENCH_CONCURRENCY override the defaults).
 */
import type { Message } from '@aws-sdk/client-sqs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsEmulator } from '../local/emulators/sqs';

const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 3000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);

interface Scenario {
  readonly name: string;
  readonly fifo: boolean;
  readonly batch: boolean;
}

async function receiveSome(client: SQSClient, queueUrl: string, max: number): Promise<Message[]> {
  for (;;) {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max }),
    );
    if (Messages !== undefined && Messages.length > 0) return Messages;
  }
}

async function cycle(
  client: SQSClient,
  queueUrl: string,
  scenario: Scenario,
  worker: number,
  n: number,
): Promise<number> {
  const group = scenario.fifo ? { MessageGroupId: `group-${worker}` } : {};
  if (!scenario.batch) {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: `message ${worker}-${n}`,
        ...group,
        ...(scenario.fifo ? { MessageDeduplicationId: `${worker}-${n}` } : {}),
      }),
    );
    const [message] = await receiveSome(client, queueUrl, 1);
    await client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );
    return 1;
  }
  await client.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: Array.from({ length: 10 }, (_, i) => ({
        Id: `e${i}`,
        MessageBody: `message ${worker}-${n}-${i}`,
        ...group,
        ...(scenario.fifo ? { MessageDeduplicationId: `${worker}-${n}-${i}` } : {}),
      })),
    }),
  );
  let deleted = 0;
  while (deleted < 10) {
    const messages = await receiveSome(client, queueUrl, 10 - deleted);
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    deleted += messages.length;
  }
  return 10;
}

async function run(client: SQSClient, emulator: SqsEmulator, scenario: Scenario): Promise<void> {
  const name = `bench-${scenario.name.replace(/[^a-z]+/g, '-')}${scenario.fifo ? '.fifo' : ''}`;
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: scenario.fifo
        ? { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' }
        : {},
    }),
  );
  if (QueueUrl === undefined) throw new Error('no queue url');
  const before = emulator.counters();
  const perCycle = scenario.batch ? 10 : 1;
  let claimed = 0;
  let done = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      let n = 0;
      while (claimed < MESSAGES) {
        claimed += perCycle;
        const completed = await cycle(client, QueueUrl, scenario, worker, n);
        done += completed;
        n += 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = emulator.counters();
  const calls = Object.entries(after).reduce(
    (sum, [action, count]) => sum + count - (before[action] ?? 0),
    0,
  );
  console.log(
    `${scenario.name.padEnd(28)} ${String(done).padStart(6)} msgs in ${seconds.toFixed(2)}s  ` +
      `${(done / seconds).toFixed(0).padStart(6)} send+receive+delete/s  ${(calls / seconds).toFixed(0).padStart(6)} API calls/s`,
  );
}

/** The emulator's own cost, without HTTP and SDK: what the local event source mapping pays. */
async function runInProcess(): Promise<void> {
  const emulator = new SqsEmulator();
  const { QueueUrl } = await emulator.createQueue({ QueueName: 'bench-in-process' });
  const started = process.hrtime.bigint();
  for (let n = 0; n < MESSAGES * 10; n += 1) {
    await emulator.sendMessage({ QueueUrl, MessageBody: `message ${n}` });
    const { Messages } = await emulator.receiveMessage({ QueueUrl });
    await emulator.deleteMessage({ QueueUrl, ReceiptHandle: Messages?.[0]?.ReceiptHandle });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const done = MESSAGES * 10;
  console.log(
    `${'in-process API, no HTTP'.padEnd(28)} ${String(done).padStart(6)} msgs in ${seconds.toFixed(2)}s  ` +
      `${(done / seconds).toFixed(0).padStart(6)} send+receive+delete/s`,
  );
}

async function main(): Promise<void> {
  const emulator = new SqsEmulator();
  const server = await emulator.start();
  const client = new SQSClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  console.log(
    `SQS emulator benchmark: ${MESSAGES} messages per scenario, ${CONCURRENCY} concurrent SDK workers`,
  );
  try {
    const warmUp = await client.send(new CreateQueueCommand({ QueueName: 'bench-warm-up' }));
    for (let n = 0; n < 300; n += 1) {
      await cycle(client, warmUp.QueueUrl ?? '', { name: 'warm-up', fifo: false, batch: false }, 0, n);
    }
    for (const scenario of [
      { name: 'standard, single calls', fifo: false, batch: false },
      { name: 'fifo, single calls', fifo: true, batch: false },
      { name: 'standard, batches of 10', fifo: false, batch: true },
      { name: 'fifo, batches of 10', fifo: true, batch: true },
    ]) {
      await run(client, emulator, scenario);
    }
    await runInProcess();
  } finally {
    client.destroy();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
