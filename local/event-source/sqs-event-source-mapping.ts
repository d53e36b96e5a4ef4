import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { systemClock, type Clock } from '../emulators/sqs';
import { readBatchResponse } from './batch-response';
import { GroupGate } from './group-gate';
import { toSqsEvent } from './sqs-event';

export type InvokeOutcome = { readonly result: unknown } | { readonly error: unknown };

export interface SqsEventSourceMappingOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** @default 10 (max 10 for FIFO, 10 000 for standard with a batching window) */
  readonly batchSize?: number;
  /** Standard queues only. @default 0 */
  readonly maximumBatchingWindowSeconds?: number;
  /** ScalingConfig.MaximumConcurrency: concurrent invocations, 2-1000. @default 5 */
  readonly maximumConcurrency?: number;
  /** FunctionResponseTypes includes ReportBatchItemFailures. */
  readonly reportBatchItemFailures: boolean;
  readonly invoke: (event: SQSEvent) => Promise<InvokeOutcome>;
  /** Long-poll wait per ReceiveMessage. @default 20 */
  readonly waitTimeSeconds?: number;
  /** How long a throttled invocation is retried before its batch is given up. @default 5_000 */
  readonly throttleRetryMs?: number;
  /** Receive, batch-building and delete failures (the poller backs off or moves on, and continues). */
  readonly onError?: (error: unknown, during: 'receive' | 'process' | 'delete') => void;
  /** Time for the batching window and every backoff; the runtime passes the clock SQS runs on. @default real time */
  readonly clock?: Clock;
}

export interface EventSourceCounters {
  /** Invocations made (one per batch, throttled retries excluded). */
  batches: number;
  /** Messages handed to invocations. */
  records: number;
  /** Messages deleted after their batch or item succeeded. */
  deletedRecords: number;
  /** Messages left in the queue to be retried after their visibility timeout. */
  failedRecords: number;
  /** Batches that failed as a whole (error, timeout, throw, malformed partial response). */
  failedBatches: number;
  /** Batches that reported some items failed. */
  partialBatches: number;
  throttles: number;
  receiveErrors: number;
  deleteErrors: number;
}

const OptionsSchema = z
  .object({
    queueUrl: z.url(),
    queueArn: z.string().regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/),
    batchSize: z.number().int().min(1).max(10_000),
    maximumBatchingWindowSeconds: z.number().int().min(0).max(300),
    maximumConcurrency: z.number().int().min(2).max(1000),
    waitTimeSeconds: z.number().int().min(0).max(20),
  })
  .superRefine((options, context) => {
    const fifo = options.queueArn.endsWith('.fifo');
    if (fifo && options.batchSize > 10)
      context.addIssue({ code: 'custom', message: 'a FIFO queue takes a batch size of at most 10' });
    if (fifo && options.maximumBatchingWindowSeconds > 0) {
      context.addIssue({ code: 'custom', message: 'a batching window is not supported for FIFO queues' });
    }
    if (!fifo && options.batchSize > 10 && options.maximumBatchingWindowSeconds === 0) {
      context.addIssue({
        code: 'custom',
        message: 'a batch size above 10 needs a batching window of at least 1 second',
      });
    }
  });

const RECEIVE_MAX = 10;
const DELETE_MAX = 10;
const MAX_BACKOFF_MS = 5_000;

function isThrottle(outcome: InvokeOutcome): boolean {
  if (!('error' in outcome)) return false;
  const { error } = outcome;
  return (
    error !== null &&
    typeof error === 'object' &&
    (error as { errorType?: unknown }).errorType === 'TooManyRequestsException'
  );
}

function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = clock.setTimer(done, ms);
    function done(): void {
      timer.cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

function emptyCounters(): EventSourceCounters {
  return {
    batches: 0,
    records: 0,
    deletedRecords: 0,
    failedRecords: 0,
    failedBatches: 0,
    partialBatches: 0,
    throttles: 0,
    receiveErrors: 0,
    deleteErrors: 0,
  };
}

/**
 * Lambda's SQS event source mapping: long-polls the queue, invokes the function with batches,
 * deletes what succeeded and leaves the rest to reappear after the visibility timeout.
 *
 * Concurrency is `maximumConcurrency` pollers, each of which receives one batch, waits for its
 * invocation and settles it before receiving again: at most that many batches are ever held, so
 * there is no prefetch beyond what is being processed. On a FIFO queue a batch waits until no
 * other batch holds any of its message groups.
 */
export class SqsEventSourceMapping {
  private readonly options: Required<Omit<SqsEventSourceMappingOptions, 'onError'>> &
    Pick<SqsEventSourceMappingOptions, 'onError'>;
  private readonly clock: Clock;
  private readonly fifo: boolean;
  private readonly gate = new GroupGate();
  private readonly stats = emptyCounters();
  private abort = new AbortController();
  private pollers: Promise<void>[] = [];

  constructor(options: SqsEventSourceMappingOptions) {
    const resolved = {
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      maximumConcurrency: 5,
      waitTimeSeconds: 20,
      throttleRetryMs: 5_000,
      clock: systemClock,
      ...options,
    };
    const checked = OptionsSchema.safeParse(resolved);
    if (!checked.success)
      throw new Error(`Invalid SQS event source mapping: ${z.prettifyError(checked.error)}`);
    this.options = resolved;
    this.clock = resolved.clock;
    this.fifo = options.queueArn.endsWith('.fifo');
  }

  get running(): boolean {
    return this.pollers.length > 0;
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    this.pollers = Array.from({ length: this.options.maximumConcurrency }, () =>
      this.poll(this.abort.signal),
    );
  }

  /** Stops polling and resolves once every batch already received has been invoked and settled. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.pollers);
    this.pollers = [];
  }

  counters(): EventSourceCounters {
    return { ...this.stats };
  }

  private async poll(signal: AbortSignal): Promise<void> {
    let backoffMs = 100;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await this.collectBatch(signal);
        backoffMs = 100;
      } catch (error) {
        if (signal.aborted) return;
        this.stats.receiveErrors += 1;
        this.options.onError?.(error, 'receive');
        await delay(this.clock, backoffMs, signal);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (messages.length === 0) continue;
      try {
        await this.process(messages);
      } catch (error) {
        // Messages of a batch that could not be built stay in flight and reappear after their visibility timeout.
        this.options.onError?.(error, 'process');
      }
    }
  }

  private async receive(max: number, waitSeconds: number, signal: AbortSignal): Promise<Message[]> {
    const output = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    );
    return output.Messages ?? [];
  }

  /**
   * One batch: without a batching window, whatever one long poll returns; with one, receives until
   * the batch is full or the window (started by the first message) closes.
   */
  private async collectBatch(signal: AbortSignal): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowSeconds, waitTimeSeconds } = this.options;
    const messages: Message[] = [];
    const seen = new Set<string>();
    let windowEndsAt: number | undefined;
    while (!signal.aborted && messages.length < batchSize) {
      const remainingWindowMs = windowEndsAt === undefined ? undefined : windowEndsAt - this.clock.now();
      if (remainingWindowMs !== undefined && remainingWindowMs <= 0) break;
      const waitSeconds =
        remainingWindowMs === undefined
          ? waitTimeSeconds
          : Math.min(waitTimeSeconds, Math.ceil(remainingWindowMs / 1000));
      const received = await this.receive(
        Math.min(RECEIVE_MAX, batchSize - messages.length),
        waitSeconds,
        signal,
      );
      for (const message of received) {
        if (message.MessageId !== undefined && !seen.has(message.MessageId)) {
          seen.add(message.MessageId);
          messages.push(message);
        }
      }
      if (messages.length === 0) {
        if (waitSeconds === 0) await delay(this.clock, 50, signal);
        continue;
      }
      if (maximumBatchingWindowSeconds === 0) break;
      windowEndsAt ??= this.clock.now() + maximumBatchingWindowSeconds * 1000;
    }
    return messages;
  }

  private async process(messages: readonly Message[]): Promise<void> {
    const groups = this.fifo ? messages.map((message) => message.Attributes?.MessageGroupId ?? '') : [];
    const { ready, release } = this.gate.admit(groups);
    try {
      await ready;
      await this.invokeAndSettle(messages);
    } finally {
      release();
    }
  }

  private async invokeAndSettle(messages: readonly Message[]): Promise<void> {
    const event = toSqsEvent(messages, this.options.queueArn);
    this.stats.batches += 1;
    this.stats.records += messages.length;
    const outcome = await this.invokeWithThrottleRetry(event);

    let failedIds: ReadonlySet<string> = new Set();
    if ('error' in outcome) {
      failedIds = new Set(event.Records.map((record) => record.messageId));
    } else if (this.options.reportBatchItemFailures) {
      const verdict = readBatchResponse(
        outcome.result,
        new Set(event.Records.map((record) => record.messageId)),
      );
      if (verdict.kind === 'failure') failedIds = new Set(event.Records.map((record) => record.messageId));
      if (verdict.kind === 'partial') {
        failedIds = verdict.failedIds;
        this.stats.partialBatches += 1;
      }
    }
    if (failedIds.size === messages.length) this.stats.failedBatches += 1;
    this.stats.failedRecords += failedIds.size;

    const succeeded = messages.filter((message) => !failedIds.has(message.MessageId ?? ''));
    await this.deleteMessages(succeeded);
  }

  private async invokeWithThrottleRetry(event: SQSEvent): Promise<InvokeOutcome> {
    const giveUpAt = this.clock.now() + this.options.throttleRetryMs;
    let waitMs = 100;
    for (;;) {
      const outcome = await this.options.invoke(event).catch((error: unknown): InvokeOutcome => ({ error }));
      if (!isThrottle(outcome) || this.clock.now() + waitMs > giveUpAt) return outcome;
      this.stats.throttles += 1;
      await delay(this.clock, waitMs);
      waitMs = Math.min(waitMs * 2, 1_000);
    }
  }

  private async deleteMessages(messages: readonly Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += DELETE_MAX) {
      const chunk = messages.slice(start, start + DELETE_MAX);
      try {
        const output = await this.options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
        const failed = output.Failed ?? [];
        this.stats.deletedRecords += chunk.length - failed.length;
        if (failed.length > 0) {
          this.stats.deleteErrors += failed.length;
          this.options.onError?.(
            new Error(
              `DeleteMessageBatch failed for ${failed.length} entries: ${failed.map((entry) => entry.Code).join(', ')}`,
            ),
            'delete',
          );
        }
      } catch (error) {
        this.stats.deleteErrors += chunk.length;
        this.options.onError?.(error, 'delete');
      }
    }
  }
}
