import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { InfrastructureError } from '#shared/errors';
import { ClaimCheckSchema, type ClaimCheck } from '#shared/queue/claim-check';

/** A dead-lettered message as replay and the operator see it. */
export interface DeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly groupId: string;
  /** When the message was first sent to the main queue (SQS keeps it through the redrive). */
  readonly sentAt?: string;
  readonly receiveCount: number;
  /** The claim check, when the body is one. */
  readonly claim?: ClaimCheck;
  readonly body: string;
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
}

const claimOf = (body: string): ClaimCheck | undefined => {
  try {
    const parsed = ClaimCheckSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The FIFO dead-letter queue. Reading it takes messages in flight, and a message in flight locks
 * its message group, so every reader here either deletes a message or makes it visible again
 * (visibility 0) before it returns.
 */
export class DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
  ) {}

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new InfrastructureError('event-queue', `dead-letter queue ${what} failed`, { cause: error });
    }
  }

  /** Up to 10 messages, held for `visibilitySeconds`; a FIFO queue returns a group's messages in order. */
  async receive(visibilitySeconds: number, max = 10): Promise<DeadLetter[]> {
    const result = await this.call('receive', () =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: max,
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['MessageGroupId', 'SentTimestamp', 'ApproximateReceiveCount'],
        }),
      ),
    );
    return (result.Messages ?? []).flatMap((m) => {
      if (!m.MessageId || !m.ReceiptHandle) return [];
      const sent = Number(m.Attributes?.SentTimestamp);
      return [
        {
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          groupId: m.Attributes?.MessageGroupId ?? m.MessageId,
          sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
          claim: claimOf(m.Body ?? ''),
          body: m.Body ?? '',
        },
      ];
    });
  }

  async delete(message: DeadLetter): Promise<void> {
    await this.call('delete', () =>
      this.client.send(
        new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle }),
      ),
    );
  }

  /** Makes messages visible again at once, which also unlocks their groups. */
  async release(messages: readonly DeadLetter[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.call('release', () =>
        this.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((m, n) => ({
              Id: String(n),
              ReceiptHandle: m.receiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        ),
      );
    }
  }

  async depth(): Promise<QueueDepth> {
    return queueDepth(this.client, this.queueUrl);
  }

  /**
   * Reads up to `max` messages without consuming them: every message stays in flight while the
   * queue is walked (so that each group is read in full, in order) and all are released at the end.
   */
  async peek(max: number, visibilitySeconds = 60): Promise<DeadLetter[]> {
    const seen: DeadLetter[] = [];
    try {
      while (seen.length < max) {
        const batch = await this.receive(visibilitySeconds, Math.min(10, max - seen.length));
        if (batch.length === 0) break;
        seen.push(...batch);
      }
    } finally {
      await this.release(seen);
    }
    return seen;
  }
}

/** Approximate depth of any queue. */
export const queueDepth = async (client: SQSClient, queueUrl: string): Promise<QueueDepth> => {
  try {
    const result = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  } catch (error) {
    throw new InfrastructureError('event-queue', 'queue attributes could not be read', { cause: error });
  }
};
