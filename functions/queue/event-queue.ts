import {
  SendMessageBatchCommand,
  SendMessageCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { mapLimit } from '#shared/concurrency/map-limit';
import { InfrastructureError } from '#shared/errors';
import type { ClaimCheck } from '#shared/queue/claim-check';

export interface Enqueue {
  readonly claim: ClaimCheck;
  readonly groupId: string;
  /**
   * The FIFO deduplication id: the event id for the first send (so an ingest retry collapses),
   * a fresh one for every replay or re-open (SQS remembers ids for 5 minutes, decision 14).
   */
  readonly deduplicationId: string;
  readonly attributes: { readonly tenant: string; readonly provider: string; readonly type: string };
}

/** The main FIFO queue. */
export class EventQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: Enqueue): Promise<string | undefined> {
    try {
      const result = await this.client.send(
        new SendMessageCommand({ QueueUrl: this.queueUrl, ...entryOf(message) }),
      );
      return result.MessageId;
    } catch (error) {
      throw new InfrastructureError('event-queue', 'enqueue failed', { cause: error });
    }
  }

  /**
   * Sends many messages in batches of 10, keeping the order of each message group: a group's
   * n-th message goes in the n-th wave, and a wave starts only when the one before it is in the
   * queue. Within a wave every group appears once, so its batches may run side by side.
   */
  async sendMany(messages: readonly Enqueue[]): Promise<void> {
    if (messages.length === 0) return;
    const only = messages.length === 1 ? messages[0] : undefined;
    if (only) {
      await this.send(only);
      return;
    }
    const waves: Enqueue[][] = [];
    const seen = new Map<string, number>();
    for (const message of messages) {
      const wave = seen.get(message.groupId) ?? 0;
      seen.set(message.groupId, wave + 1);
      (waves[wave] ??= []).push(message);
    }
    for (const wave of waves) {
      const batches = Array.from({ length: Math.ceil(wave.length / BATCH_SIZE) }, (_, i) =>
        wave.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE),
      );
      await mapLimit(batches, PARALLEL_BATCHES, (batch) => this.sendBatch(batch));
    }
  }

  private async sendBatch(batch: readonly Enqueue[]): Promise<void> {
    let pending = batch.map((message, index) => ({ Id: String(index), ...entryOf(message) }));
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === BATCH_ROUNDS) {
        throw new InfrastructureError(
          'event-queue',
          `enqueue failed for ${pending.length} of a batch of ${batch.length}`,
        );
      }
      let failed: ReadonlySet<string>;
      try {
        const result = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        // Sender faults (a malformed entry) fail the same way on every round; only ours retry.
        const senderFault = result.Failed?.find((entry) => entry.SenderFault);
        if (senderFault) throw new Error(`${senderFault.Code ?? 'error'}: ${senderFault.Message ?? ''}`);
        failed = new Set((result.Failed ?? []).map((entry) => entry.Id ?? ''));
      } catch (error) {
        throw new InfrastructureError('event-queue', 'batch enqueue failed', { cause: error });
      }
      pending = pending.filter((entry) => failed.has(entry.Id));
    }
  }
}

/** SendMessageBatch takes at most 10 entries. */
const BATCH_SIZE = 10;
const PARALLEL_BATCHES = 8;
/** Entries SQS failed on its side are sent again this many times in all. */
const BATCH_ROUNDS = 3;

const attribute = (value: string) => ({ DataType: 'String', StringValue: value });

const entryOf = (message: Enqueue): Omit<SendMessageBatchRequestEntry, 'Id'> => ({
  MessageBody: JSON.stringify(message.claim),
  MessageGroupId: message.groupId,
  MessageDeduplicationId: message.deduplicationId,
  MessageAttributes: {
    correlationId: attribute(message.claim.correlationId),
    tenant: attribute(message.attributes.tenant),
    provider: attribute(message.attributes.provider),
    type: attribute(message.attributes.type),
  },
});

/** Deduplication id of the n-th send of an event (the first is the event id itself). */
export const deduplicationIdOf = (eventId: string, send: number) =>
  send <= 1 ? eventId : `${eventId}#${send}`;
