import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { buildSync } from 'esbuild';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SqsEmulator } from '../../../local/emulators/sqs';
import type { RunningServer } from '../../../local/emulators/sqs';
import { SqsEventSourceMapping } from '../../../local/event-source';
import { LambdaService } from '../../../local/lambda';
import { aBundleRoot, aFunctionConfig } from '../lambda/builders';

// A consumer written the way functions/ writes them: Powertools FIFO partial processor, a poison
// record skips the rest of its group. Bundled with esbuild like the deployed code.
const CONSUMER_SOURCE = `
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
const processor = new SqsFifoPartialProcessorAsync();
const recordHandler = async (record) => {
  if (record.body.startsWith('poison')) throw new Error('cannot process ' + record.body);
  process.stdout.write(JSON.stringify({ processed: record.body }) + '\\n');
};
export const handler = async (event, context) => processPartialResponse(event, recordHandler, processor, { context, skipGroupOnError: true });
`;

describe('SQS event source mapping driving a Lambda bundle', () => {
  let root: ReturnType<typeof aBundleRoot>;
  let emulator: SqsEmulator;
  let server: RunningServer;
  let sqs: SQSClient;
  let lambda: LambdaService;

  beforeAll(async () => {
    root = aBundleRoot();
    emulator = new SqsEmulator();
    server = await emulator.start();
    sqs = new SQSClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    lambda = new LambdaService({ logSink: () => undefined });
  });

  afterAll(async () => {
    await lambda.stop();
    sqs.destroy();
    emulator.close();
    await server.stop();
    root.cleanup();
  });

  it('deletes the processed records and leaves a poison record with the rest of its group in the queue', async () => {
    const entry = path.join(root.dir, 'consumer.mjs');
    writeFileSync(entry, CONSUMER_SOURCE);
    const bundleDir = path.join(root.dir, 'consumer');
    buildSync({
      entryPoints: [entry],
      outfile: path.join(bundleDir, 'index.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      nodePaths: [path.resolve('node_modules')],
      logLevel: 'silent',
    });
    lambda.register(aFunctionConfig('consumer', bundleDir));
    const { QueueUrl = '' } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'main.fifo',
        Attributes: { FifoQueue: 'true', VisibilityTimeout: '30' },
      }),
    );
    for (const [group, body] of [
      ['order-a', 'a1'],
      ['order-b', 'b1'],
      ['order-a', 'poison-a2'],
      ['order-a', 'a3'],
      ['order-b', 'b2'],
    ] as const) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: body,
        }),
      );
    }
    const mapping = new SqsEventSourceMapping({
      sqs,
      queueUrl: QueueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:main.fifo',
      reportBatchItemFailures: true,
      maximumConcurrency: 2,
      invoke: (event) => lambda.invoke('consumer', event),
    });

    mapping.start();
    const deadline = Date.now() + 8_000;
    while (mapping.counters().deletedRecords < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    await mapping.stop();

    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(lambda.jsonLogs('consumer').map((line) => line.processed)).toEqual(
      expect.arrayContaining(['a1', 'b1', 'b2']),
    );
    expect(lambda.jsonLogs('consumer').map((line) => line.processed)).not.toContain('a3');
    expect(mapping.counters()).toMatchObject({ deletedRecords: 3, failedRecords: 2 });
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '2',
    });
  });
});
