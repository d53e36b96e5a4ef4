import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { InfrastructureError } from '#shared/errors';

/** The queue operations of the consumer besides what the event source mapping does. */
export class ConsumerQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: { readonly main: string; readonly deadLetter: string },
  ) {}

  /**
   * Sets when each failed message is seen again. Returns the ids SQS refused; those come back
   * after the queue's own visibility timeout instead, which delays them but loses nothing.
   */
  async changeVisibility(changes: readonly { record: SQSRecord; seconds: number }[]): Promise<string[]> {
    const refused: string[] = [];
    for (let i = 0; i < changes.length; i += 10) {
      const chunk = changes.slice(i, i + 10);
      try {
        const result = await this.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.urls.main,
            Entries: chunk.map(({ record, seconds }, n) => ({
              Id: String(n),
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        );
        for (const failed of result.Failed ?? []) {
          const change = chunk[Number(failed.Id)];
          if (change) refused.push(change.record.messageId);
        }
      } catch {
        refused.push(...chunk.map((c) => c.record.messageId));
      }
    }
    return refused;
  }

  /**
   * Moves a message that can never succeed to the dead-letter queue now instead of spending
   * its remaining attempts: same body and group, a fresh deduplication id (decision 14).
   */
  async deadLetter(record: SQSRecord, reason: string): Promise<void> {
    const attributes: Record<string, { DataType: string; StringValue: string }> = {};
    for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
      if (value.stringValue !== undefined)
        attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
    }
    attributes.deadLetterReason = { DataType: 'String', StringValue: reason.slice(0, 256) };
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.urls.deadLetter,
          MessageBody: record.body,
          MessageGroupId: record.attributes.MessageGroupId ?? record.messageId,
          MessageDeduplicationId: `dlq-${record.messageId}`,
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      throw new InfrastructureError('event-queue', 'sending to the dead-letter queue failed', {
        cause: error,
      });
    }
  }
}
