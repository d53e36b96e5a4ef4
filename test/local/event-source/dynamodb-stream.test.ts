import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { ItemChangeRecord } from '../../../local/emulators/dynamodb';
import { ManualClock } from '../../../local/emulators/sqs';
import {
  DynamoStreamEventSource,
  type DynamoStreamEventSourceOptions,
  type InvokeOutcome,
} from '../../../local/event-source';

const STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:000000000000:table/RelayFlow-Events/stream/2025-01-01T00:00:00.000';

/** The audit archiver mapping's filters (lib/constructs/audit-archive.ts), as the template renders them. */
const STATE_ITEMS = { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { SK: { S: ['STATE'] } } } };
const REJECTION_COUNTERS = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { Keys: { PK: { S: [{ prefix: 'REJECTS#' }] } } },
};

/** A change of an item, in wire format, as DynamoDbEmulator.onItemChange hands it over. */
const aChange = (
  pk: string,
  sk = 'STATE',
  eventName: ItemChangeRecord['eventName'] = 'MODIFY',
): ItemChangeRecord => {
  const keys = { PK: { S: pk }, SK: { S: sk } };
  return {
    tableName: 'RelayFlow-Events',
    eventName,
    keys,
    ...(eventName === 'INSERT' ? {} : { oldImage: { ...keys, n: { N: '1' } } }),
    ...(eventName === 'REMOVE' ? {} : { newImage: { ...keys, n: { N: '2' } } }),
  };
};

const pkOf = (record: DynamoDBRecord) => record.dynamodb?.Keys?.PK?.S;
const sequenceOf = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber ?? '';

const eventually = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('DynamoStreamEventSource', () => {
  let source: DynamoStreamEventSource | undefined;
  /** Every invocation's records, in order. */
  let invocations: DynamoDBRecord[][];

  afterEach(async () => {
    await source?.stop();
    source = undefined;
  });

  /** A stream whose function answers `answer(event, invocation index)`; accepted by default. */
  const aStream = (
    options: Partial<DynamoStreamEventSourceOptions> = {},
    answer: (event: DynamoDBStreamEvent, index: number) => Promise<InvokeOutcome> = () =>
      Promise.resolve({ result: null }),
  ) => {
    invocations = [];
    source = new DynamoStreamEventSource({
      streamArn: STREAM_ARN,
      region: 'us-east-1',
      viewType: 'NEW_AND_OLD_IMAGES',
      reportBatchItemFailures: true,
      retryBaseMs: 1,
      invoke: (event) => {
        invocations.push(event.Records);
        return answer(event, invocations.length - 1);
      },
      ...options,
    });
    return source;
  };

  const handed = () => invocations.map((batch) => batch.map(pkOf));

  it('hands the changes over in order, as stream records with increasing sequence numbers', async () => {
    const stream = aStream();
    stream.record(aChange('EVT#1', 'STATE', 'INSERT'));
    stream.record(aChange('EVT#1'));
    stream.record(aChange('EVT#2', 'STATE', 'REMOVE'));

    stream.start();
    await stream.idle();

    const records = invocations.flat();
    expect(records.map((r) => [r.eventName, pkOf(r)])).toEqual([
      ['INSERT', 'EVT#1'],
      ['MODIFY', 'EVT#1'],
      ['REMOVE', 'EVT#2'],
    ]);
    const sequences = records.map(sequenceOf);
    expect(sequences.every((s) => /^\d{21}$/.test(s))).toBe(true);
    expect([...sequences].sort()).toEqual(sequences);
    expect(new Set(sequences).size).toBe(3);
    expect(records[1]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventSourceARN: STREAM_ARN,
      awsRegion: 'us-east-1',
      eventVersion: '1.1',
      dynamodb: {
        Keys: { PK: { S: 'EVT#1' }, SK: { S: 'STATE' } },
        OldImage: { n: { N: '1' } },
        NewImage: { n: { N: '2' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(records[0]?.dynamodb).not.toHaveProperty('OldImage');
    expect(records[2]?.dynamodb).not.toHaveProperty('NewImage');
  });

  it('hands over changes recorded while it runs', async () => {
    const stream = aStream();
    stream.start();

    stream.record(aChange('EVT#1'));
    await stream.idle();
    stream.record(aChange('EVT#2'));
    await stream.idle();

    expect(handed()).toEqual([['EVT#1'], ['EVT#2']]);
  });

  it('hands over batches of at most batchSize records', async () => {
    const stream = aStream({ batchSize: 2 });
    for (const n of [1, 2, 3, 4, 5]) stream.record(aChange(`EVT#${n}`));

    stream.start();
    await stream.idle();

    expect(handed()).toEqual([['EVT#1', 'EVT#2'], ['EVT#3', 'EVT#4'], ['EVT#5']]);
    expect(stream.counters).toMatchObject({ records: 5, batches: 3, failedBatches: 0, partialBatches: 0 });
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html
  it("drops the records none of the mapping's filters match, and counts them", async () => {
    const stream = aStream({ filters: [STATE_ITEMS, REJECTION_COUNTERS] });
    stream.record(aChange('EVT#1', 'STATE', 'INSERT'));
    stream.record(aChange('EVT#1', 'PAYLOAD', 'INSERT'));
    stream.record(aChange('EVT#1', 'STATE', 'REMOVE'));
    stream.record(aChange('REJECTS#stripe#acme', '2025-06-01T10:07'));
    stream.record(aChange('NONCE#stripe#x#y', 'NONCE', 'INSERT'));
    stream.record(aChange('EVT#2'));

    stream.start();
    await stream.idle();

    expect(invocations.flat().map((r) => [r.eventName, pkOf(r), r.dynamodb?.Keys?.SK?.S])).toEqual([
      ['INSERT', 'EVT#1', 'STATE'],
      ['MODIFY', 'REJECTS#stripe#acme', '2025-06-01T10:07'],
      ['MODIFY', 'EVT#2', 'STATE'],
    ]);
    expect(stream.counters).toMatchObject({ records: 6, filtered: 3 });
  });

  it('hands every record over when there are no filters', async () => {
    const stream = aStream({ filters: [] });
    stream.record(aChange('EVT#1', 'PAYLOAD', 'INSERT'));
    stream.record(aChange('RAW#abc', 'RAW', 'REMOVE'));

    stream.start();
    await stream.idle();

    expect(invocations.flat()).toHaveLength(2);
    expect(stream.counters.filtered).toBe(0);
  });

  it('retries a batch whose invocation failed, from its start, skipping and reordering nothing', async () => {
    const errors: unknown[] = [];
    const stream = aStream({ batchSize: 2, onError: (error) => errors.push(error) }, (_, index) =>
      index === 1 || index === 2
        ? Promise.reject(new Error(`crash ${index}`))
        : Promise.resolve({ result: null }),
    );
    for (const n of [1, 2, 3, 4, 5]) stream.record(aChange(`EVT#${n}`));

    stream.start();
    await stream.idle();

    expect(handed()).toEqual([
      ['EVT#1', 'EVT#2'],
      ['EVT#3', 'EVT#4'],
      ['EVT#3', 'EVT#4'],
      ['EVT#3', 'EVT#4'],
      ['EVT#5'],
    ]);
    expect(invocations[2]?.map(sequenceOf)).toEqual(invocations[1]?.map(sequenceOf));
    expect(errors).toEqual([new Error('crash 1'), new Error('crash 2')]);
    expect(stream.counters).toMatchObject({ batches: 5, failedBatches: 2 });
  });

  it('retries a batch whose function returned an error outcome', async () => {
    const stream = aStream({}, (_, index) =>
      Promise.resolve(index === 0 ? { error: new Error('Runtime.ExitError') } : { result: null }),
    );
    stream.record(aChange('EVT#1'));

    stream.start();
    await stream.idle();

    expect(handed()).toEqual([['EVT#1'], ['EVT#1']]);
    expect(stream.counters.failedBatches).toBe(1);
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
  it('resumes from the first record a batch item failure names', async () => {
    const stream = aStream({}, (event, index) =>
      Promise.resolve({
        result: {
          batchItemFailures:
            index === 0
              ? [
                  { itemIdentifier: sequenceOf(event.Records[3]!) },
                  { itemIdentifier: sequenceOf(event.Records[2]!) },
                ]
              : [],
        },
      }),
    );
    for (const n of [1, 2, 3, 4, 5]) stream.record(aChange(`EVT#${n}`));

    stream.start();
    await stream.idle();

    expect(handed()).toEqual([
      ['EVT#1', 'EVT#2', 'EVT#3', 'EVT#4', 'EVT#5'],
      ['EVT#3', 'EVT#4', 'EVT#5'],
    ]);
    expect(stream.counters).toMatchObject({ batches: 2, partialBatches: 1, failedBatches: 0 });
  });

  it('retries the whole batch when a batch item failure names no record of it', async () => {
    const stream = aStream({}, (event, index) =>
      Promise.resolve({
        result: {
          batchItemFailures:
            index === 0
              ? [
                  { itemIdentifier: sequenceOf(event.Records[1]!) },
                  { itemIdentifier: 'not-a-sequence-number' },
                ]
              : [],
        },
      }),
    );
    for (const n of [1, 2, 3]) stream.record(aChange(`EVT#${n}`));

    stream.start();
    await stream.idle();

    expect(handed()).toEqual([
      ['EVT#1', 'EVT#2', 'EVT#3'],
      ['EVT#1', 'EVT#2', 'EVT#3'],
    ]);
  });

  it('takes a batch as done when the mapping does not report batch item failures', async () => {
    const stream = aStream({ reportBatchItemFailures: false }, (event) =>
      Promise.resolve({ result: { batchItemFailures: [{ itemIdentifier: sequenceOf(event.Records[0]!) }] } }),
    );
    stream.record(aChange('EVT#1'));
    stream.record(aChange('EVT#2'));

    stream.start();
    await stream.idle();

    expect(handed()).toEqual([['EVT#1', 'EVT#2']]);
    expect(stream.counters.partialBatches).toBe(0);
  });

  it.each([
    ['KEYS_ONLY', false, false],
    ['NEW_IMAGE', true, false],
    ['OLD_IMAGE', false, true],
    ['NEW_AND_OLD_IMAGES', true, true],
  ] as const)('gives a %s stream the images it holds', async (viewType, withNew, withOld) => {
    const stream = aStream({ viewType });
    stream.record(aChange('EVT#1'));

    stream.start();
    await stream.idle();

    const dynamodb = invocations[0]?.[0]?.dynamodb;
    expect(dynamodb?.Keys).toEqual({ PK: { S: 'EVT#1' }, SK: { S: 'STATE' } });
    expect(dynamodb?.StreamViewType).toBe(viewType);
    expect(dynamodb?.NewImage !== undefined).toBe(withNew);
    expect(dynamodb?.OldImage !== undefined).toBe(withOld);
  });

  it('is idle at once with nothing recorded, and not before a failing batch is accepted', async () => {
    let failing = true;
    const stream = aStream({}, () =>
      failing ? Promise.reject(new Error('down')) : Promise.resolve({ result: null }),
    );
    stream.start();
    await stream.idle();

    stream.record(aChange('EVT#1'));
    let drained = false;
    const idle = stream.idle().then(() => (drained = true));
    await eventually(() => invocations.length >= 3);
    expect(drained).toBe(false);

    failing = false;
    await idle;
    expect(drained).toBe(true);
  });

  it('hands nothing over after stop', async () => {
    const stream = aStream();
    stream.start();
    stream.record(aChange('EVT#1'));
    await stream.idle();

    await stream.stop();
    stream.record(aChange('EVT#2'));
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(handed()).toEqual([['EVT#1']]);
    expect(stream.counters.records).toBe(2);
  });

  /** Whether `promise` settles within `ms` of real time. */
  const settlesWithin = (promise: Promise<unknown>, ms: number) =>
    Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
    ]);

  it('stops without waiting out the backoff of a failing batch', async () => {
    const clock = new ManualClock();
    const stream = aStream({ clock, retryBaseMs: 30_000 }, () => Promise.reject(new Error('down')));
    stream.record(aChange('EVT#1'));
    stream.start();
    await eventually(() => invocations.length === 1 && clock.pendingTimers() === 1);

    expect(await settlesWithin(stream.stop(), 1_000)).toBe(true);
    expect(invocations).toHaveLength(1);
  });

  it('stops during the batching window without invoking the function', async () => {
    const clock = new ManualClock();
    const stream = aStream({ clock, maximumBatchingWindowSeconds: 1 });
    stream.start();
    stream.record(aChange('EVT#1'));
    await eventually(() => clock.pendingTimers() === 1);

    expect(await settlesWithin(stream.stop(), 1_000)).toBe(true);
    expect(invocations).toEqual([]);
  });

  it('gathers records for the batching window, at most one second locally', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 10, 0, 0));
    const stream = aStream({ clock, maximumBatchingWindowSeconds: 300 });
    stream.start();

    stream.record(aChange('EVT#1'));
    await eventually(() => clock.pendingTimers() === 1);
    stream.record(aChange('EVT#2'));
    clock.advance(999);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(invocations).toEqual([]);
    stream.record(aChange('EVT#3'));
    clock.advance(1);
    await stream.idle();

    expect(handed()).toEqual([['EVT#1', 'EVT#2', 'EVT#3']]);
    expect(invocations[0]?.[0]?.dynamodb?.ApproximateCreationDateTime).toBe(
      Date.UTC(2025, 5, 1, 10, 0, 0) / 1000,
    );
  });

  it('backs off between retries on its clock, doubling from retryBaseMs', async () => {
    const clock = new ManualClock();
    const stream = aStream({ clock, retryBaseMs: 100 }, (_, index) =>
      index < 2 ? Promise.reject(new Error('down')) : Promise.resolve({ result: null }),
    );
    stream.record(aChange('EVT#1'));
    stream.start();

    await eventually(() => invocations.length === 1 && clock.pendingTimers() === 1);
    clock.advance(99);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(invocations).toHaveLength(1);
    clock.advance(1);
    await eventually(() => invocations.length === 2 && clock.pendingTimers() === 1);
    clock.advance(199);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(invocations).toHaveLength(2);
    clock.advance(1);
    await stream.idle();

    expect(invocations).toHaveLength(3);
  });
});
