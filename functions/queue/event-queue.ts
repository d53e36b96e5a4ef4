import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      const result = await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(message.claim),
          MessageGroupId: message.groupId,
          MessageDeduplicationId: message.deduplicationId,
          MessageAttributes: {
            correlationId: attribute(message.claim.correlationId),
            tenant: attribute(message.attributes.tenant),
            provider: attribute(message.attributes.provider),
            type: attribute(message.attributes.type),
          },
        }),
      );
      return result.MessageId;
    } catch (error) {
      throw new InfrastructureError('event-queue', 'enqueue failed', { cause: error });
    }
  }
}

/** Deduplication id of the n-th send of an event (the first is the event id itself). */
export const deduplicationIdOf = (eventId: string, send: number) => (send <= 1 ? eventId : `${eventId}#${send}`);
