import { createHash, randomUUID } from 'node:crypto';
import type {
  BatchResultErrorEntry,
  ChangeMessageVisibilityBatchRequest,
  ChangeMessageVisibilityBatchResult,
  CreateQueueRequest,
  CreateQueueResult,
  DeleteMessageBatchRequest,
  DeleteMessageBatchResult,
  DeleteMessageRequest,
  GetQueueAttributesRequest,
  GetQueueAttributesResult,
  Message,
  MessageAttributeValue,
  ReceiveMessageRequest,
  ReceiveMessageResult,
  SendMessageBatchRequest,
  SendMessageBatchResult,
  SendMessageBatchResultEntry,
  SendMessageRequest,
  SendMessageResult,
  SetQueueAttributesRequest,
} from '@aws-sdk/client-sqs';
import { applyAttributes, describeConfig, renderAttributes } from './attributes';
import { systemClock, type Clock } from './clock';
import { refusal, serveAwsJson, type AwsAction } from '../aws-json';
import { FaultSchedule, type EmulatorFault } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';
import {
  SQS_PROTOCOL,
  SqsError,
  invalidParameterValue,
  invalidValue,
  missingParameter,
  queueDoesNotExist,
} from './errors';
import { md5Hex, md5OfMessageAttributes } from './md5';
import type { QueueConfig, ReceiveWaiter, StoredMessage } from './queue';
import { ACCOUNT_ID, Queue, REGION, defaultConfig, isInFlight } from './queue';
import { parseWire, wire } from './wire';

export interface SqsEmulatorOptions {
  /** Time source; defaults to real time. Pass a ManualClock to step through timeouts in tests. */
  readonly clock?: Clock;
}

export interface ReceiveOptions {
  /** Ends a long poll early (answering no messages), e.g. when the caller shuts down. */
  readonly signal?: AbortSignal;
}

type SendEntry = Pick<
  SendMessageRequest,
  'MessageBody' | 'MessageAttributes' | 'MessageGroupId' | 'MessageDeduplicationId'
>;

interface ReceiveRequest {
  readonly max: number;
  readonly visibilityTimeout: number;
  readonly waitSeconds: number;
  readonly systemAttributeNames: readonly string[];
  readonly messageAttributeNames: readonly string[];
  readonly attemptId: string | undefined;
}

interface ReceiptReference {
  readonly queueName: string;
  readonly messageId: string;
  readonly serial: number;
}

const SENDER_ID = 'AIDAEMULATEDSQSSENDER';
const MAX_BATCH_ENTRIES = 10;
// SQS's default MaximumMessageSize, which the template leaves as it is; a batch has the same limit.
const MAX_MESSAGE_BYTES = 1_048_576;
const MAX_VISIBILITY_SECONDS = 43_200;
// Queue names (before `.fifo`) and batch entry ids alike.
const NAME_OR_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
// Alphanumerics and punctuation, as the SendMessage reference allows for group and deduplication ids.
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
// #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function requireValue<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === null || value === '') throw missingParameter(name);
  return value;
}

function integerIn(name: string, value: number, min: number, max: number, reason: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw invalidValue(name, value, reason);
  return value;
}

function invalidReceiptHandle(handle: string): SqsError {
  return new SqsError(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );
}

function expiredReceiptHandle(handle: string): SqsError {
  return invalidValue('ReceiptHandle', handle, 'The receipt handle has expired.');
}

/**
 * An SQS emulator: the in-process API (one method per action, SDK request/response shapes) and,
 * through {@link start}, the AWS JSON 1.0 wire protocol that @aws-sdk/client-sqs speaks.
 */
export class SqsEmulator {
  private readonly clock: Clock;
  private readonly queues = new Map<string, Queue>();
  private readonly faults = new FaultSchedule();
  private baseUrl = `https://sqs.${REGION}.amazonaws.com`;
  private receiptSerial = 0;

  constructor(options: SqsEmulatorOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** Serves the wire protocol on 127.0.0.1; queue URLs then point at this endpoint. */
  async start(options: { port?: number } = {}): Promise<RunningEmulator> {
    // The actions count and take faults themselves, so that faults apply in process too.
    const server = await serveAwsJson(SQS_PROTOCOL, this.wireActions(), undefined, options.port);
    this.baseUrl = server.endpoint;
    return server;
  }

  /** Arms a fault for the next call(s) of `action` (e.g. 'SendMessage'), over HTTP and in process; see {@link EmulatorFault}. */
  injectFault(action: string, fault: EmulatorFault): void {
    this.faults.add(action, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Calls received so far, by action name, over HTTP and in process. */
  counters(): Record<string, number> {
    return this.faults.counters();
  }

  /** Long polls currently waiting for a message, across all queues. */
  waitingReceives(): number {
    let waiting = 0;
    for (const queue of this.queues.values()) waiting += queue.waiters.length;
    return waiting;
  }

  /** Answers every pending long poll with no messages and stops all timers. */
  close(): void {
    for (const queue of this.queues.values()) this.cancelWaiters(queue);
  }

  createQueue(input: CreateQueueRequest): Promise<CreateQueueResult> {
    return this.call('CreateQueue', () => this.doCreateQueue(input));
  }

  getQueueAttributes(input: GetQueueAttributesRequest): Promise<GetQueueAttributesResult> {
    return this.call('GetQueueAttributes', () => {
      const queue = this.queueFromUrl(input.QueueUrl);
      const attributes = renderAttributes(queue, input.AttributeNames ?? [], this.clock.now());
      return Object.keys(attributes).length === 0 ? {} : { Attributes: attributes };
    });
  }

  /**
   * In process only: the runtime sets each RedrivePolicy once every queue exists, since queues
   * name their dead-letter queues by ARN.
   */
  setQueueAttributes(input: SetQueueAttributesRequest): Promise<Record<string, never>> {
    return this.call('SetQueueAttributes', () => {
      const queue = this.queueFromUrl(input.QueueUrl);
      const attributes = requireValue(input.Attributes, 'Attributes');
      const config = applyAttributes(queue.config, attributes, queue.fifo, false);
      this.checkRedrive(queue.name, queue.fifo, config);
      queue.config = config;
      this.wake(queue);
      return {};
    });
  }

  sendMessage(input: SendMessageRequest): Promise<SendMessageResult> {
    return this.call('SendMessage', () => {
      const queue = this.queueFromUrl(input.QueueUrl);
      const result = this.enqueue(queue, input);
      this.wake(queue);
      return result;
    });
  }

  sendMessageBatch(input: SendMessageBatchRequest): Promise<SendMessageBatchResult> {
    return this.call('SendMessageBatch', () => {
      const queue = this.queueFromUrl(input.QueueUrl);
      const batch = this.checkBatch(input.Entries);
      const bytes = batch.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? ''), 0);
      if (bytes > MAX_MESSAGE_BYTES) {
        throw new SqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${bytes} bytes.`,
        );
      }
      const result = this.eachEntry(batch, (entry): SendMessageBatchResultEntry => {
        const sent = this.enqueue(queue, entry);
        return { ...sent, Id: entry.Id, MessageId: sent.MessageId, MD5OfMessageBody: sent.MD5OfMessageBody };
      });
      this.wake(queue);
      return result;
    });
  }

  receiveMessage(input: ReceiveMessageRequest, options: ReceiveOptions = {}): Promise<ReceiveMessageResult> {
    return this.call('ReceiveMessage', () => this.doReceive(input, options.signal));
  }

  deleteMessage(input: DeleteMessageRequest): Promise<Record<string, never>> {
    return this.call('DeleteMessage', () => {
      const queue = this.queueFromUrl(input.QueueUrl);
      this.deleteByHandle(queue, requireValue(input.ReceiptHandle, 'ReceiptHandle'));
      this.wake(queue);
      return {};
    });
  }

  deleteMessageBatch(input: DeleteMessageBatchRequest): Promise<DeleteMessageBatchResult> {
    return this.call('DeleteMessageBatch', () => {
      const queue = this.queueFromUrl(input.QueueUrl);
      const result = this.eachEntry(this.checkBatch(input.Entries), (entry) => {
        this.deleteByHandle(queue, requireValue(entry.ReceiptHandle, 'ReceiptHandle'));
        return { Id: entry.Id };
      });
      this.wake(queue);
      return result;
    });
  }

  changeMessageVisibilityBatch(
    input: ChangeMessageVisibilityBatchRequest,
  ): Promise<ChangeMessageVisibilityBatchResult> {
    return this.call('ChangeMessageVisibilityBatch', () => {
      const queue = this.queueFromUrl(input.QueueUrl);
      const result = this.eachEntry(this.checkBatch(input.Entries), (entry) => {
        this.changeVisibility(
          queue,
          requireValue(entry.ReceiptHandle, 'ReceiptHandle'),
          requireValue(entry.VisibilityTimeout, 'VisibilityTimeout'),
        );
        return { Id: entry.Id };
      });
      this.wake(queue);
      return result;
    });
  }

  /**
   * The wire protocol's actions, those the Lambdas, the CLI, the event source mappings and the
   * bench send: request bodies checked as SQS checks them, then the in-process API.
   */
  private wireActions(): Record<string, AwsAction> {
    return {
      CreateQueue: (body) => this.createQueue(parseWire(wire.CreateQueue, body)),
      GetQueueAttributes: (body) =>
        this.getQueueAttributes(parseWire(wire.GetQueueAttributes, body) as GetQueueAttributesRequest),
      SendMessage: (body) => this.sendMessage(parseWire(wire.SendMessage, body)),
      SendMessageBatch: (body) => this.sendMessageBatch(parseWire(wire.SendMessageBatch, body)),
      ReceiveMessage: (body, { signal }) =>
        this.receiveMessage(parseWire(wire.ReceiveMessage, body) as ReceiveMessageRequest, { signal }),
      DeleteMessage: (body) => this.deleteMessage(parseWire(wire.DeleteMessage, body)),
      DeleteMessageBatch: (body) => this.deleteMessageBatch(parseWire(wire.DeleteMessageBatch, body)),
      ChangeMessageVisibilityBatch: (body) =>
        this.changeMessageVisibilityBatch(parseWire(wire.ChangeMessageVisibilityBatch, body)),
    };
  }

  private call<T>(action: string, run: () => T | Promise<T>): Promise<T> {
    return this.faults.run(action, run, (fault) => refusal(SQS_PROTOCOL, fault));
  }

  private doCreateQueue(input: CreateQueueRequest): CreateQueueResult {
    const name = requireValue(input.QueueName, 'QueueName');
    const attributes: Record<string, string | undefined> = { ...input.Attributes };
    const fifo = name.endsWith('.fifo');
    const baseName = fifo ? name.slice(0, -'.fifo'.length) : name;
    if (!NAME_OR_ENTRY_ID.test(baseName) || name.length > 80) {
      throw invalidParameterValue(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const fifoAttribute = attributes['FifoQueue']?.toLowerCase();
    if (fifo !== (fifoAttribute === 'true')) {
      throw invalidParameterValue(
        fifo
          ? 'The FifoQueue attribute must be set to true for a queue name ending with .fifo.'
          : 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    }
    const config = applyAttributes(defaultConfig(), attributes, fifo, true);
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      const current = describeConfig(existing.config, existing.fifo);
      const requested = describeConfig(config, fifo);
      for (const key of Object.keys(attributes)) {
        if (key !== 'FifoQueue' && current[key] !== requested[key]) {
          throw new SqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${key}`,
          );
        }
      }
      return { QueueUrl: this.urlOf(existing) };
    }
    this.checkRedrive(name, fifo, config);
    const queue = new Queue(name, fifo, config);
    this.queues.set(name, queue);
    return { QueueUrl: this.urlOf(queue) };
  }

  private checkRedrive(name: string, fifo: boolean, config: QueueConfig): void {
    const policy = config.redrivePolicy;
    if (policy === undefined) return;
    const invalid = (reason: string) => invalidValue('RedrivePolicy', JSON.stringify(policy), reason);
    const target = this.queueByArn(policy.deadLetterTargetArn);
    if (target === undefined) throw invalid('Dead letter target does not exist.');
    if (target.name === name) throw invalid('Dead letter target cannot be the source queue.');
    if (target.fifo !== fifo)
      throw invalid('Dead-letter queue must be the same type of queue as the source queue.');
  }

  private enqueue(queue: Queue, entry: SendEntry): SendMessageResult {
    const now = this.clock.now();
    const body = requireValue(entry.MessageBody, 'MessageBody');
    if (INVALID_BODY_CHARACTER.test(body)) {
      throw new SqsError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    const size = Buffer.byteLength(body) + checkMessageAttributes(entry.MessageAttributes);
    if (size > MAX_MESSAGE_BYTES) {
      throw invalidParameterValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
      );
    }
    const md5OfBody = md5Hex(body);
    const digests: SendMessageResult = {
      MD5OfMessageBody: md5OfBody,
      MD5OfMessageAttributes: md5OfMessageAttributes(entry.MessageAttributes),
    };
    const groupId = entry.MessageGroupId;
    if (groupId !== undefined && !FIFO_ID.test(groupId)) {
      throw invalidValue(
        'MessageGroupId',
        groupId,
        'MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
      );
    }
    let deduplicationId: string | undefined;
    if (queue.fifo) {
      if (groupId === undefined || groupId === '') throw missingParameter('MessageGroupId');
      deduplicationId =
        entry.MessageDeduplicationId ??
        (queue.config.contentBasedDeduplication
          ? createHash('sha256').update(body).digest('hex')
          : undefined);
      if (deduplicationId === undefined) {
        throw invalidParameterValue(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      if (!FIFO_ID.test(deduplicationId)) {
        throw invalidValue(
          'MessageDeduplicationId',
          deduplicationId,
          'MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
        );
      }
      const duplicate = queue.findDuplicate(groupId, deduplicationId, now);
      if (duplicate !== undefined) {
        return { ...digests, MessageId: duplicate.messageId, SequenceNumber: duplicate.sequenceNumber };
      }
    } else if (entry.MessageDeduplicationId !== undefined) {
      throw invalidValue(
        'MessageDeduplicationId',
        entry.MessageDeduplicationId,
        'The request include parameter that is not valid for this queue type.',
      );
    }
    const messageId = randomUUID();
    const sequenceNumber = queue.fifo ? queue.nextSequenceNumber() : undefined;
    queue.messages.set(messageId, {
      messageId,
      body,
      md5OfBody,
      messageAttributes: entry.MessageAttributes,
      senderId: SENDER_ID,
      sentTimestamp: now,
      groupId,
      deduplicationId,
      sequenceNumber,
      deadLetterQueueSourceArn: undefined,
      enqueuedAt: now,
      visibleAt: now,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      lastReceivedAt: undefined,
      receiptSerial: 0,
    });
    if (deduplicationId !== undefined) {
      queue.rememberDeduplication(groupId, deduplicationId, { messageId, sequenceNumber }, now);
    }
    return { ...digests, MessageId: messageId, SequenceNumber: sequenceNumber };
  }

  private doReceive(
    input: ReceiveMessageRequest,
    signal: AbortSignal | undefined,
  ): Promise<ReceiveMessageResult> {
    const queue = this.queueFromUrl(input.QueueUrl);
    const request = this.receiveRequest(queue, input);
    const first = this.collect(queue, request);
    if (first.length > 0 || request.waitSeconds === 0 || signal?.aborted === true) {
      return Promise.resolve(asReceiveResult(first));
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (messages: Message[]): void => {
        if (settled) return;
        settled = true;
        deadline.cancel();
        signal?.removeEventListener('abort', abort);
        const index = queue.waiters.indexOf(waiter);
        if (index >= 0) queue.waiters.splice(index, 1);
        if (queue.waiters.length === 0) this.scheduleWake(queue);
        resolve(asReceiveResult(messages));
      };
      const abort = (): void => finish([]);
      const waiter: ReceiveWaiter = {
        attempt: () => {
          const messages = this.collect(queue, request);
          if (messages.length === 0) return false;
          finish(messages);
          return true;
        },
        cancel: abort,
      };
      const deadline = this.clock.setTimer(abort, request.waitSeconds * 1000);
      signal?.addEventListener('abort', abort, { once: true });
      queue.waiters.push(waiter);
      this.scheduleWake(queue);
    });
  }

  private receiveRequest(queue: Queue, input: ReceiveMessageRequest): ReceiveRequest {
    return {
      max: integerIn(
        'MaxNumberOfMessages',
        input.MaxNumberOfMessages ?? 1,
        1,
        10,
        'Must be between 1 and 10, if provided.',
      ),
      visibilityTimeout: integerIn(
        'VisibilityTimeout',
        input.VisibilityTimeout ?? queue.config.visibilityTimeout,
        0,
        MAX_VISIBILITY_SECONDS,
        `Must be between 0 and ${MAX_VISIBILITY_SECONDS}, if provided.`,
      ),
      waitSeconds: integerIn(
        'WaitTimeSeconds',
        input.WaitTimeSeconds ?? 0,
        0,
        20,
        'Must be >= 0 and <= 20, if provided.',
      ),
      systemAttributeNames: input.MessageSystemAttributeNames ?? [],
      messageAttributeNames: input.MessageAttributeNames ?? [],
      attemptId: queue.fifo ? input.ReceiveRequestAttemptId : undefined,
    };
  }

  /**
   * Takes up to `max` deliverable messages and makes them in flight. A message that has already
   * been received maxReceiveCount times goes to the dead-letter queue instead of being delivered.
   */
  private collect(queue: Queue, request: ReceiveRequest): Message[] {
    const now = this.clock.now();
    if (request.attemptId !== undefined) {
      // A retry with the same attempt id gets the same messages and receipt handles, with the
      // visibility timeout restarted, as long as none of them was deleted or changed meanwhile.
      const repeated = queue.repeatReceive(request.attemptId, now);
      if (repeated !== undefined) {
        for (const message of repeated) message.visibleAt = now + request.visibilityTimeout * 1000;
        queue.rememberReceive(request.attemptId, repeated, now);
        return repeated.map((message) => this.render(queue, message, request));
      }
    }
    const taken: StoredMessage[] = [];
    const delivered: Message[] = [];
    const policy = queue.config.redrivePolicy;
    const deadLetterQueue = policy === undefined ? undefined : this.queueByArn(policy.deadLetterTargetArn);
    for (const message of queue.deliverable(now)) {
      if (delivered.length >= request.max) break;
      if (
        policy !== undefined &&
        deadLetterQueue !== undefined &&
        message.receiveCount >= policy.maxReceiveCount
      ) {
        this.moveToDeadLetterQueue(queue, message, deadLetterQueue, now);
        continue;
      }
      this.receiptSerial += 1;
      message.receiptSerial = this.receiptSerial;
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.lastReceivedAt = now;
      message.visibleAt = now + request.visibilityTimeout * 1000;
      taken.push(message);
      delivered.push(this.render(queue, message, request));
    }
    if (request.attemptId !== undefined && taken.length > 0)
      queue.rememberReceive(request.attemptId, taken, now);
    return delivered;
  }

  private moveToDeadLetterQueue(source: Queue, message: StoredMessage, target: Queue, now: number): void {
    source.messages.delete(message.messageId);
    target.messages.set(message.messageId, {
      ...message,
      // A FIFO dead-letter queue takes the message id as deduplication id, so that two messages
      // that shared a deduplication id in the source cannot deduplicate each other there.
      deduplicationId: target.fifo ? message.messageId : undefined,
      sequenceNumber: target.fifo ? target.nextSequenceNumber() : undefined,
      deadLetterQueueSourceArn: source.arn,
      // FIFO resets the retention clock on the move; standard keeps the original enqueue time.
      enqueuedAt: target.fifo ? now : message.enqueuedAt,
      visibleAt: now,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      lastReceivedAt: undefined,
      receiptSerial: 0,
    });
    queueMicrotask(() => this.wake(target));
  }

  private render(queue: Queue, message: StoredMessage, request: ReceiveRequest): Message {
    const rendered: Message = {
      MessageId: message.messageId,
      ReceiptHandle: encodeReceiptHandle({
        queueName: queue.name,
        messageId: message.messageId,
        serial: message.receiptSerial,
      }),
      MD5OfBody: message.md5OfBody,
      Body: message.body,
    };
    const system = selected(
      {
        SenderId: message.senderId,
        SentTimestamp: String(message.sentTimestamp),
        ApproximateReceiveCount: String(message.receiveCount),
        ApproximateFirstReceiveTimestamp: message.firstReceiveTimestamp?.toString(),
        MessageGroupId: message.groupId,
        MessageDeduplicationId: message.deduplicationId,
        SequenceNumber: message.sequenceNumber,
        DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
      },
      request.systemAttributeNames,
    );
    if (system !== undefined) rendered.Attributes = system;
    const attributes = selected(message.messageAttributes, request.messageAttributeNames);
    if (attributes !== undefined) {
      rendered.MessageAttributes = attributes;
      rendered.MD5OfMessageAttributes = md5OfMessageAttributes(attributes);
    }
    return rendered;
  }

  private deleteByHandle(queue: Queue, handle: string): void {
    const reference = this.receiptFor(queue, handle);
    const message = queue.messages.get(reference.messageId);
    // Deleting a message that is already gone succeeds, so a retried delete is harmless.
    if (message === undefined) return;
    const stale = reference.serial !== message.receiptSerial;
    if (queue.fifo && (stale || message.visibleAt <= this.clock.now())) throw expiredReceiptHandle(handle);
    // Standard queues: an older receipt handle "succeeds, but the message will not be deleted".
    if (stale) return;
    queue.messages.delete(message.messageId);
  }

  private changeVisibility(queue: Queue, handle: string, timeout: number): void {
    integerIn(
      'VisibilityTimeout',
      timeout,
      0,
      MAX_VISIBILITY_SECONDS,
      `Must be between 0 and ${MAX_VISIBILITY_SECONDS}.`,
    );
    const reference = this.receiptFor(queue, handle);
    const message = queue.messages.get(reference.messageId);
    if (message === undefined) throw invalidReceiptHandle(handle);
    if (reference.serial !== message.receiptSerial) {
      throw queue.fifo ? expiredReceiptHandle(handle) : invalidReceiptHandle(handle);
    }
    const now = this.clock.now();
    if (!isInFlight(message, now)) {
      throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.');
    }
    const visibleAt = now + timeout * 1000;
    if (visibleAt - (message.lastReceivedAt ?? now) > MAX_VISIBILITY_SECONDS * 1000) {
      throw invalidValue(
        'VisibilityTimeout',
        timeout,
        `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds]`,
      );
    }
    message.visibleAt = visibleAt;
  }

  private receiptFor(queue: Queue, handle: string): ReceiptReference {
    const reference = decodeReceiptHandle(handle);
    if (reference === undefined) throw invalidReceiptHandle(handle);
    if (reference.queueName !== queue.name) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        `The receipt handle "${handle}" is not valid for this queue.`,
      );
    }
    return reference;
  }

  private checkBatch<T extends { Id: string | undefined }>(
    entries: readonly T[] | undefined,
  ): (T & { Id: string })[] {
    const list = entries ?? [];
    if (list.length === 0)
      throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
    if (list.length > MAX_BATCH_ENTRIES) {
      throw new SqsError(
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${list.length}.`,
      );
    }
    const seen = new Set<string>();
    for (const entry of list) {
      const id = entry.Id ?? '';
      if (!NAME_OR_ENTRY_ID.test(id)) {
        throw new SqsError(
          'InvalidBatchEntryId',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        );
      }
      if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
      seen.add(id);
    }
    return list as (T & { Id: string })[];
  }

  private eachEntry<T extends { Id: string }, R>(
    entries: readonly T[],
    run: (entry: T) => R,
  ): { Successful: R[]; Failed: BatchResultErrorEntry[] } {
    const Successful: R[] = [];
    const Failed: BatchResultErrorEntry[] = [];
    for (const entry of entries) {
      try {
        Successful.push(run(entry));
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        Failed.push({
          Id: entry.Id,
          SenderFault: error.senderFault,
          Code: error.code,
          Message: error.message,
        });
      }
    }
    return { Successful, Failed };
  }

  /** Answers waiting long polls that can now be served, then re-arms the visibility timer. */
  private wake(queue: Queue): void {
    for (const waiter of [...queue.waiters]) {
      if (!waiter.attempt()) break;
    }
    this.scheduleWake(queue);
  }

  // Long polls wait on a timer set to the next moment a message becomes visible; never a spin.
  private scheduleWake(queue: Queue): void {
    queue.wakeTimer?.cancel();
    queue.wakeTimer = undefined;
    if (queue.waiters.length === 0 || !this.queues.has(queue.name)) return;
    const now = this.clock.now();
    const next = queue.nextVisibilityChange(now);
    if (next === undefined) return;
    queue.wakeTimer = this.clock.setTimer(() => {
      queue.wakeTimer = undefined;
      this.wake(queue);
    }, next - now);
  }

  private cancelWaiters(queue: Queue): void {
    for (const waiter of [...queue.waiters]) waiter.cancel();
    queue.wakeTimer?.cancel();
    queue.wakeTimer = undefined;
  }

  private queueFromUrl(queueUrl: string | undefined): Queue {
    const url = requireValue(queueUrl, 'QueueUrl');
    const segments = url.replace(/\?.*$/, '').split('/').filter(Boolean);
    const queue = this.queues.get(segments.at(-1) ?? '');
    const account = segments.at(-2) ?? ACCOUNT_ID;
    if (queue === undefined || (/^\d{12}$/.test(account) && account !== ACCOUNT_ID))
      throw queueDoesNotExist();
    return queue;
  }

  private queueByArn(arn: string): Queue | undefined {
    const queue = this.queues.get(arn.split(':').pop() ?? '');
    return queue?.arn === arn ? queue : undefined;
  }

  private urlOf(queue: Queue): string {
    return `${this.baseUrl}/${ACCOUNT_ID}/${queue.name}`;
  }
}

function asReceiveResult(messages: Message[]): ReceiveMessageResult {
  return messages.length === 0 ? {} : { Messages: messages };
}

function encodeReceiptHandle(reference: ReceiptReference): string {
  return Buffer.from(`${reference.queueName} ${reference.messageId} ${reference.serial}`).toString(
    'base64url',
  );
}

function decodeReceiptHandle(handle: string): ReceiptReference | undefined {
  const [queueName, messageId, serial, ...rest] = Buffer.from(handle, 'base64url')
    .toString('utf8')
    .split(' ');
  if (queueName === undefined || messageId === undefined || serial === undefined || rest.length > 0)
    return undefined;
  if (!/^\d+$/.test(serial)) return undefined;
  return { queueName, messageId, serial: Number(serial) };
}

/** Checks message attributes as SendMessage documents them; returns the bytes they count for. */
function checkMessageAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): number {
  const entries = Object.entries(attributes ?? {});
  if (entries.length > 10) {
    throw invalidParameterValue(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  }
  let size = 0;
  for (const [name, { DataType: dataType = '', StringValue, BinaryValue }] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || /^\.|\.$|\.\.|^(aws|amazon)\./i.test(name)) {
      throw invalidParameterValue(`Message (user) attribute name '${name}' is invalid.`);
    }
    const base = dataType.split('.')[0];
    if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
      throw invalidParameterValue(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    const value = base === 'Binary' ? BinaryValue : StringValue;
    if (value === undefined || value.length === 0) {
      throw invalidParameterValue(
        `Message (user) attribute '${name}' must contain a non-empty value of type '${base}'.`,
      );
    }
    if (base === 'Number' && !NUMBER.test(String(value))) {
      throw invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    size += Buffer.byteLength(value) + Buffer.byteLength(name) + Buffer.byteLength(dataType);
  }
  return size;
}

/** The defined entries of `values` that `names` asks for, by name or with `All`; undefined for none. */
function selected<T>(
  values: Readonly<Record<string, T | undefined>> | undefined,
  names: readonly string[],
): Record<string, T> | undefined {
  const all = names.includes('All');
  const chosen = Object.entries(values ?? {}).filter(
    (entry): entry is [string, T] => entry[1] !== undefined && (all || names.includes(entry[0])),
  );
  return chosen.length === 0 ? undefined : Object.fromEntries(chosen);
}
