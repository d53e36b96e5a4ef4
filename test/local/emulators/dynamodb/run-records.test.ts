import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { EventStore } from '#shared/store/event-store';
import { EventItemPersistenceLayer, type RunIdentity } from '#shared/store/run-records';
import { DynamoDbEmulator } from '../../../../local/emulators/dynamodb';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import { aStoredEvent, anIntegrationEvent } from '../../../helpers/sqs-events';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const aLambdaContext = (remainingMs = 30_000): Context =>
  ({
    functionName: 'consumer',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    getRemainingTimeInMillis: () => remainingMs,
  }) as Context;

const configWith = (remainingMs?: number) => {
  const config = new IdempotencyConfig({ expiresAfterSeconds: 3600 });
  config.registerLambdaContext(aLambdaContext(remainingMs));
  return config;
};

/** The event table's key schema; its indexes do not matter to run records. */
const eventTableProperties = {
  KeySchema: [
    { AttributeName: 'PK', KeyType: 'HASH' },
    { AttributeName: 'SK', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'PK', AttributeType: 'S' },
    { AttributeName: 'SK', AttributeType: 'S' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
};

// Decision 0044: Powertools idempotency with its records in the event's own state item.
describe('run records in the state item, through Powertools, against the DynamoDB emulator', () => {
  let emulator: DynamoDbEmulator;
  let running: RunningEmulator;
  let client: DynamoDBClient;
  let store: EventStore;

  beforeEach(async () => {
    emulator = new DynamoDbEmulator();
    running = await emulator.start();
    await emulator.createTables([{ tableName: 'Events', properties: eventTableProperties }]);
    client = new DynamoDBClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    store = new EventStore(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      { tableName: 'Events', retentionDays: 30 },
    );
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  const storedEvent = async () => {
    const event = anIntegrationEvent();
    await store.createState(aStoredEvent(event).state, new Date());
    emulator.resetCounters();
    return event;
  };

  const idOf = (eventId: string, run?: number): RunIdentity => ({
    eventId,
    runKey: run ? `${eventId}#run${run}` : eventId,
  });

  const processing = (
    persistenceStore: EventItemPersistenceLayer,
    work: (identity: RunIdentity) => Promise<unknown>,
    remainingMs?: number,
  ) => makeIdempotent(work, { persistenceStore, config: configWith(remainingMs) });

  it('claims and completes a run in two writes that also move the event, and answers a repeat from the record', async () => {
    const event = await storedEvent();
    const effects: string[] = [];
    const change = {
      from: ['QUEUED'],
      to: 'PROCESSED',
      entry: { at: new Date().toISOString(), action: 'processed', by: 'consumer', status: 'PROCESSED' },
    };
    const run = processing(new EventItemPersistenceLayer(store), (identity) => {
      effects.push(identity.runKey);
      return Promise.resolve({ runId: 'r1', outcome: 'processed', change });
    });

    const first = await run(idOf(event.id));
    const second = await run(idOf(event.id));

    expect(effects).toEqual([event.id]);
    expect(first).toMatchObject({ runId: 'r1', change });
    expect(second).toEqual({ runId: 'r1', outcome: 'processed' });
    expect(emulator.counters()).toMatchObject({ UpdateItem: 3, GetItem: 1 });
    expect(emulator.writes().filter((w) => !w.conditionFailed)).toHaveLength(2);
    const state = await store.getState(event.id);
    expect(state?.status).toBe('PROCESSED');
    expect(state?.audit.at(-1)).toMatchObject({ action: 'processed', by: 'consumer' });
  });

  it('refuses a second run while the first holds the claim, and allows it once the claim’s lease has run out', async () => {
    const event = await storedEvent();
    let finish: (value: string) => void = () => undefined;
    const layer = new EventItemPersistenceLayer(store);
    const slow = processing(
      layer,
      () =>
        new Promise<string>((resolve) => {
          finish = resolve;
        }),
      1000,
    );

    const first = slow(idOf(event.id));
    for (let i = 0; i < 200 && emulator.writes().length === 0; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(slow(idOf(event.id))).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const takeover = processing(layer, () => Promise.resolve('second'));

    await expect(takeover(idOf(event.id))).resolves.toBe('second');
    // In Lambda the first invocation has timed out by then; here it may still finish.
    finish('first');
    await expect(first).resolves.toBe('first');
  });

  it('forgets a failed run so the next attempt runs, and leaves no record behind', async () => {
    const event = await storedEvent();
    let calls = 0;
    const flaky = processing(new EventItemPersistenceLayer(store), () => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('target down')) : Promise.resolve('ok');
    });

    await expect(flaky(idOf(event.id))).rejects.toThrow('target down');
    await expect(flaky(idOf(event.id))).resolves.toBe('ok');

    expect(calls).toBe(2);
  });

  it('runs again under a new forced run, replacing the earlier run’s record', async () => {
    const event = await storedEvent();
    const runs: string[] = [];
    const run = processing(new EventItemPersistenceLayer(store), (identity) => {
      runs.push(identity.runKey);
      return Promise.resolve(identity.runKey);
    });

    await run(idOf(event.id));
    await run(idOf(event.id, 1));
    await run(idOf(event.id, 1));

    expect(runs).toEqual([event.id, `${event.id}#run1`]);
  });

  it('completes the run without the status change when someone else moved the event, and says so', async () => {
    const event = await storedEvent();
    const moved: string[] = [];
    const run = processing(
      new EventItemPersistenceLayer(store, (eventId, change) => moved.push(`${eventId}:${change.to}`)),
      async () => {
        await store.transition(event.id, ['QUEUED'], 'DEAD_LETTERED', {
          at: new Date().toISOString(),
          action: 'dead-lettered',
          by: 'operator',
        });
        return {
          change: {
            from: ['QUEUED'],
            to: 'PROCESSED',
            entry: { at: new Date().toISOString(), action: 'processed', by: 'consumer' },
          },
        };
      },
    );

    await run(idOf(event.id));

    expect(moved).toEqual([`${event.id}:PROCESSED`]);
    expect((await store.getState(event.id))?.status).toBe('DEAD_LETTERED');
    await expect(run(idOf(event.id))).resolves.toEqual({});
  });

  it('refuses a run of an event the store does not hold', async () => {
    const run = processing(new EventItemPersistenceLayer(store), () => Promise.resolve('ran'));

    await expect(run(idOf('ev_missing'))).rejects.toThrow();
  });
});
