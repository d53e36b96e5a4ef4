import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { matchesPattern, type EventPattern } from '../emulators/eventbridge/pattern';
import type { ItemChangeRecord } from '../emulators/dynamodb';
import { systemClock, type Clock } from '../emulators/sqs';
import type { InvokeOutcome } from './sqs-event-source-mapping';

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

export interface DynamoStreamEventSourceOptions {
  readonly streamArn: string;
  readonly region: string;
  readonly viewType: StreamViewType;
  /** @default 100 */
  readonly batchSize?: number;
  /**
   * How long records are gathered before an invocation. Locally at most 1 s, whatever the
   * template says, so that tests and `npm start` see the archive within a second. @default 0
   */
  readonly maximumBatchingWindowSeconds?: number;
  /** FilterCriteria patterns; a record matching none is dropped without an invocation, as in Lambda. */
  readonly filters?: readonly EventPattern[];
  readonly reportBatchItemFailures: boolean;
  readonly invoke: (event: DynamoDBStreamEvent) => Promise<InvokeOutcome>;
  /** Backoff between retries of a failed batch. @default 1 s, doubling to 30 s */
  readonly retryBaseMs?: number;
  readonly onError?: (error: unknown) => void;
  /** @default real time */
  readonly clock?: Clock;
}

export interface StreamCounters {
  /** Records written to the stream (all changes of the table). */
  records: number;
  /** Records dropped by the filters. */
  filtered: number;
  batches: number;
  failedBatches: number;
  partialBatches: number;
}

const MAX_LOCAL_WINDOW_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/**
 * A DynamoDB stream and its Lambda event source mapping, in one: the table's changes, in the
 * order the writes took effect, handed to the function in batches, one batch at a time (one
 * shard). A failed batch is retried from its start (or, with ReportBatchItemFailures, from the
 * first record it names) until it succeeds, as with `MaximumRetryAttempts: -1`; nothing is
 * skipped or reordered. Not emulated: shards and their splits, the 24-hour trim, on-failure
 * destinations, bisection.
 */
export class DynamoStreamEventSource {
  readonly counters: StreamCounters = {
    records: 0,
    filtered: 0,
    batches: 0,
    failedBatches: 0,
    partialBatches: 0,
  };
  private readonly pending: DynamoDBRecord[] = [];
  private sequence = 0;
  private running = false;
  private busy = false;
  private wake: (() => void) | undefined;
  /** Ends the backoff or batching window being slept, so that stop() does not wait it out. */
  private interrupt: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly clock: Clock;

  constructor(private readonly options: DynamoStreamEventSourceOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Appends a change to the stream (DynamoDbEmulator.onItemChange). */
  record(change: ItemChangeRecord): void {
    this.counters.records += 1;
    const record = this.toRecord(change);
    const filters = this.options.filters ?? [];
    if (filters.length > 0 && !filters.some((pattern) => matchesPattern(pattern, record))) {
      this.counters.filtered += 1;
      return;
    }
    this.pending.push(record);
    this.wake?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in flight; records not yet handed over are dropped with the runtime. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.interrupt?.();
    await this.loop;
  }

  /** Resolves once every record so far has been handed to the function and accepted. */
  idle(): Promise<void> {
    if (this.pending.length === 0 && !this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private toRecord(change: ItemChangeRecord): DynamoDBRecord {
    const view = this.options.viewType;
    const withNew = view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
    const withOld = view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
    this.sequence += 1;
    return {
      eventID: randomUUID().replace(/-/g, ''),
      eventName: change.eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      eventSourceARN: this.options.streamArn,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(this.clock.now() / 1000),
        Keys: change.keys,
        ...(withNew && change.newImage ? { NewImage: change.newImage } : {}),
        ...(withOld && change.oldImage ? { OldImage: change.oldImage } : {}),
        SequenceNumber: String(this.sequence).padStart(21, '0'),
        SizeBytes: Buffer.byteLength(JSON.stringify([change.keys, change.newImage, change.oldImage])),
        StreamViewType: view,
      },
    };
  }

  private async run(): Promise<void> {
    let backoff = this.options.retryBaseMs ?? 1000;
    while (this.running) {
      if (this.pending.length === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const window = Math.min((this.options.maximumBatchingWindowSeconds ?? 0) * 1000, MAX_LOCAL_WINDOW_MS);
      if (window > 0) await this.sleep(window);
      if (!this.running) break;
      this.busy = true;
      const batch = this.pending.slice(0, this.options.batchSize ?? 100);
      this.counters.batches += 1;
      const handled = await this.invoke(batch);
      this.pending.splice(0, handled);
      this.busy = false;
      if (handled < batch.length) {
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      } else backoff = this.options.retryBaseMs ?? 1000;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        this.interrupt = undefined;
        resolve();
      };
      const timer = this.clock.setTimer(done, ms);
      this.interrupt = done;
    });
  }

  /** How many records of the batch are done with. */
  private async invoke(batch: readonly DynamoDBRecord[]): Promise<number> {
    const outcome = await this.options
      .invoke({ Records: [...batch] })
      .catch((error: unknown): InvokeOutcome => ({ error }));
    if ('error' in outcome) {
      this.counters.failedBatches += 1;
      this.options.onError?.(outcome.error);
      return 0;
    }
    if (!this.options.reportBatchItemFailures) return batch.length;
    const failures = (outcome.result as { batchItemFailures?: { itemIdentifier?: string }[] } | null)
      ?.batchItemFailures;
    if (!failures || failures.length === 0) return batch.length;
    this.counters.partialBatches += 1;
    const first = Math.min(
      ...failures.map((f) => batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier)),
    );
    // An identifier that names no record of the batch fails the batch as a whole, as in Lambda.
    return first < 0 ? 0 : first;
  }
}
