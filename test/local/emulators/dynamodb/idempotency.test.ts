import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDbEmulator } from '../../../../local/emulators/dynamodb';
import type { RunningEmulator } from '../../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function aLambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'consumer',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/consumer',
    logStreamName: '2026/11/22/[$LATEST]abc',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Keyed on our event id, as the consumer does, with the invocation's remaining time registered. */
function byEventId(): IdempotencyConfig {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'eventId' });
  config.registerLambdaContext(aLambdaContext());
  return config;
}

/** The idempotency table as Powertools documents it: `id` partition key, `expiration` TTL, on demand. */
const idempotencyTableProperties = {
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  BillingMode: 'PAY_PER_REQUEST',
  TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
};

// https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/
describe('Powertools idempotency (DynamoDBPersistenceLayer) against the DynamoDB emulator', () => {
  let emulator: DynamoDbEmulator;
  let running: RunningEmulator;
  let client: DynamoDBClient;
  let persistenceStore: DynamoDBPersistenceLayer;

  beforeEach(async () => {
    emulator = new DynamoDbEmulator();
    running = await emulator.start();
    await emulator.createTables([{ tableName: 'Idempotency', properties: idempotencyTableProperties }]);
    client = new DynamoDBClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    persistenceStore = new DynamoDBPersistenceLayer({ tableName: 'Idempotency', awsSdkV3Client: client });
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  it('returns the stored result for a repeated key and repeats no side effect', async () => {
    const sideEffects: string[] = [];
    const process = makeIdempotent(
      (record: { eventId: string; amount: number }) => {
        sideEffects.push(record.eventId);
        return Promise.resolve({ charged: record.amount });
      },
      { persistenceStore, config: byEventId() },
    );

    const first = await process({ eventId: 'evt_1', amount: 2000 });
    const second = await process({ eventId: 'evt_1', amount: 2000 });

    expect(first).toEqual({ charged: 2000 });
    expect(second).toEqual({ charged: 2000 });
    expect(sideEffects).toEqual(['evt_1']);
    expect(emulator.counters()).toMatchObject({ PutItem: 2, UpdateItem: 1 });
  });

  it('refuses a second run while the first one with the same key is in progress', async () => {
    let finish: (value: string) => void = () => undefined;
    const process = makeIdempotent(
      (_record: { eventId: string }) =>
        new Promise<string>((resolve) => {
          finish = resolve;
        }),
      { persistenceStore, config: byEventId() },
    );

    const first = process({ eventId: 'evt_2' });
    await waitFor(() => emulator.writes().length === 1);
    const second = process({ eventId: 'evt_2' });

    await expect(second).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    finish('done');
    await expect(first).resolves.toBe('done');
  });

  it('runs again for a different key', async () => {
    const sideEffects: string[] = [];
    const process = makeIdempotent(
      (record: { eventId: string }) => {
        sideEffects.push(record.eventId);
        return Promise.resolve(record.eventId);
      },
      { persistenceStore, config: byEventId() },
    );

    await process({ eventId: 'evt_3' });
    await process({ eventId: 'evt_4' });

    expect(sideEffects).toEqual(['evt_3', 'evt_4']);
  });

  it('hands Powertools the existing record on the failed conditional put, so it needs no extra read', async () => {
    const process = makeIdempotent((record: { eventId: string }) => Promise.resolve(record.eventId), {
      persistenceStore,
      config: byEventId(),
    });
    await process({ eventId: 'evt_5' });
    emulator.resetCounters();

    await process({ eventId: 'evt_5' });

    expect(emulator.counters()).toEqual({ PutItem: 1 });
    expect(emulator.writes()).toEqual([
      expect.objectContaining({ action: 'PutItem', conditionFailed: true }),
    ]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
