import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '#shared/errors';
import { stateKey, type AuditEntry } from '#shared/store/records';

/**
 * Appends an audit entry to an event without changing its status (a replay that skips an
 * event says so on the event). EventStore.transition would also move `statusAt` and the status
 * index's sort key, which a skip must not.
 */
export class AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Returns false when the event does not exist. */
  async append(eventId: string, entry: AuditEntry): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(eventId),
          UpdateExpression: 'SET #audit = list_append(#audit, :entry)',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#audit': 'audit' },
          ExpressionAttributeValues: { ':entry': [entry] },
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error instanceof Error && error.name === 'ConditionalCheckFailedException')
      ) {
        return false;
      }
      throw new InfrastructureError('event-store', 'audit entry could not be written', { cause: error });
    }
  }
}
