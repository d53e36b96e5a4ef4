import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { Timer } from './clock';

export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';

/** Documented window during which SQS FIFO remembers a deduplication id, even after a delete. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

export interface QueueConfig {
  visibilityTimeout: number;
  messageRetentionPeriod: number;
  contentBasedDeduplication: boolean;
  deduplicationScope: 'queue' | 'messageGroup';
  fifoThroughputLimit: 'perQueue' | 'perMessageGroupId';
  redrivePolicy: RedrivePolicy | undefined;
  /** Reported only: the template asks for it, and there is nothing to encrypt here. */
  sqsManagedSseEnabled: boolean;
}

export const defaultConfig = (): QueueConfig => ({
  visibilityTimeout: 30,
  messageRetentionPeriod: 345_600,
  contentBasedDeduplication: false,
  deduplicationScope: 'queue',
  fifoThroughputLimit: 'perQueue',
  redrivePolicy: undefined,
  sqsManagedSseEnabled: true,
});

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>> | undefined;
  readonly senderId: string;
  readonly sentTimestamp: number;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
  readonly sequenceNumber: string | undefined;
  readonly deadLetterQueueSourceArn: string | undefined;
  /** Start of the retention period (resets when a FIFO message moves to its dead-letter queue). */
  readonly enqueuedAt: number;
  /**
   * End of the current visibility timeout once received. Nothing delays a send, so a message
   * is in flight exactly while this lies in the future.
   */
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  lastReceivedAt: number | undefined;
  /** Identifies the latest receive; a receipt handle carrying an older serial is stale. */
  receiptSerial: number;
}

export interface ReceiveWaiter {
  /** Tries to satisfy the waiter; true when it has been answered and must leave the queue. */
  readonly attempt: () => boolean;
  /** Answers the waiter with no messages. */
  readonly cancel: () => void;
}

/** What a FIFO receive with a ReceiveRequestAttemptId handed out, so that a retry gets the same. */
interface ReceiveAttempt {
  readonly messages: readonly {
    readonly messageId: string;
    readonly serial: number;
    readonly visibleAt: number;
  }[];
  readonly expiresAt: number;
}

interface DeduplicationEntry {
  readonly messageId: string;
  readonly sequenceNumber: string | undefined;
  readonly expiresAt: number;
}

const SEQUENCE_BASE = 10_000_000_000_000_000_000n;

export function isInFlight(message: StoredMessage, now: number): boolean {
  return message.visibleAt > now;
}

export class Queue {
  readonly arn: string;
  readonly messages = new Map<string, StoredMessage>();
  readonly waiters: ReceiveWaiter[] = [];
  wakeTimer: Timer | undefined;
  private readonly deduplication = new Map<string, DeduplicationEntry>();
  private readonly receiveAttempts = new Map<string, ReceiveAttempt>();
  private sequence = 0n;

  constructor(
    readonly name: string,
    readonly fifo: boolean,
    public config: QueueConfig,
  ) {
    this.arn = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`;
  }

  nextSequenceNumber(): string {
    this.sequence += 1n;
    return (SEQUENCE_BASE + this.sequence).toString();
  }

  /** The message a deduplication id still points to, if the 5-minute window has not passed. */
  findDuplicate(
    groupId: string | undefined,
    deduplicationId: string,
    now: number,
  ): DeduplicationEntry | undefined {
    this.forgetExpiredDeduplication(now);
    return this.deduplication.get(this.deduplicationKey(groupId, deduplicationId));
  }

  rememberDeduplication(
    groupId: string | undefined,
    deduplicationId: string,
    entry: Omit<DeduplicationEntry, 'expiresAt'>,
    now: number,
  ): void {
    this.deduplication.set(this.deduplicationKey(groupId, deduplicationId), {
      ...entry,
      expiresAt: now + DEDUPLICATION_WINDOW_MS,
    });
  }

  /** The messages of an earlier receive with this attempt id, if none of them changed since. */
  repeatReceive(attemptId: string, now: number): StoredMessage[] | undefined {
    for (const [key, attempt] of this.receiveAttempts) {
      if (attempt.expiresAt > now) break;
      this.receiveAttempts.delete(key);
    }
    const attempt = this.receiveAttempts.get(attemptId);
    if (attempt === undefined) return undefined;
    const messages: StoredMessage[] = [];
    for (const handed of attempt.messages) {
      const message = this.messages.get(handed.messageId);
      if (message?.receiptSerial !== handed.serial || message.visibleAt !== handed.visibleAt)
        return undefined;
      messages.push(message);
    }
    return messages;
  }

  rememberReceive(attemptId: string, messages: readonly StoredMessage[], now: number): void {
    this.receiveAttempts.delete(attemptId);
    this.receiveAttempts.set(attemptId, {
      messages: messages.map((m) => ({
        messageId: m.messageId,
        serial: m.receiptSerial,
        visibleAt: m.visibleAt,
      })),
      expiresAt: now + DEDUPLICATION_WINDOW_MS,
    });
  }

  isExpired(message: StoredMessage, now: number): boolean {
    return message.enqueuedAt + this.config.messageRetentionPeriod * 1000 <= now;
  }

  dropExpired(now: number): void {
    for (const message of this.messages.values()) {
      if (this.isExpired(message, now)) this.messages.delete(message.messageId);
    }
  }

  /**
   * Messages a receive may take now, in delivery order; expired messages are dropped on the way.
   * Standard queues: every visible message, lazily (a receive stops after ten). FIFO queues: a group
   * with a message in flight yields nothing; groups one after another, so that a receive returns
   * as many messages of one group as it can before moving to the next.
   */
  *deliverable(now: number): Generator<StoredMessage> {
    if (!this.fifo) {
      for (const message of this.messages.values()) {
        if (this.isExpired(message, now)) this.messages.delete(message.messageId);
        else if (!isInFlight(message, now)) yield message;
      }
      return;
    }
    this.dropExpired(now);
    const locked = new Set<string | undefined>();
    for (const message of this.messages.values()) {
      if (isInFlight(message, now)) locked.add(message.groupId);
    }
    const groups = new Map<string | undefined, StoredMessage[]>();
    for (const message of this.messages.values()) {
      if (locked.has(message.groupId)) continue;
      const members = groups.get(message.groupId);
      if (members === undefined) groups.set(message.groupId, [message]);
      else members.push(message);
    }
    for (const members of groups.values()) yield* members;
  }

  /** Earliest future moment at which an in-flight message becomes visible, if any. */
  nextVisibilityChange(now: number): number | undefined {
    let next: number | undefined;
    for (const message of this.messages.values()) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next))
        next = message.visibleAt;
    }
    return next;
  }

  counts(now: number): { visible: number; inFlight: number } {
    this.dropExpired(now);
    let inFlight = 0;
    for (const message of this.messages.values()) if (isInFlight(message, now)) inFlight += 1;
    return { visible: this.messages.size - inFlight, inFlight };
  }

  private deduplicationKey(groupId: string | undefined, deduplicationId: string): string {
    return this.config.deduplicationScope === 'messageGroup'
      ? `${groupId ?? ''}\u0000${deduplicationId}`
      : deduplicationId;
  }

  // Entries are inserted in time order with one fixed window, so expired ones sit at the front.
  private forgetExpiredDeduplication(now: number): void {
    for (const [key, entry] of this.deduplication) {
      if (entry.expiresAt > now) break;
      this.deduplication.delete(key);
    }
  }
}
