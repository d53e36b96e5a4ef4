import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '#shared/errors';

export interface Suppression {
  readonly tenant: string;
  /** Lower-cased, bare address. */
  readonly address: string;
  readonly reason: string;
  readonly provider: string;
  readonly eventId: string;
  readonly occurredAt: string;
}

/** Addresses a tenant must not send to again. */
export interface SuppressionList {
  /** `already` when the address was suppressed before: adding twice changes nothing. */
  add(entry: Suppression): Promise<'added' | 'already'>;
}

export const suppressionKey = (tenant: string, address: string) => ({
  PK: `SUPPRESS#${tenant}`,
  SK: address,
});

/**
 * The suppression list in the event table, one item per tenant and address, kept until someone
 * removes it (no TTL: a hard bounce stays a hard bounce). The first bounce's item is kept, so a
 * repeat writes nothing new.
 */
export class DynamoDbSuppressionList implements SuppressionList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(entry: Suppression): Promise<'added' | 'already'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...suppressionKey(entry.tenant, entry.address), ...entry },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'added';
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error instanceof Error && error.name === 'ConditionalCheckFailedException')
      ) {
        return 'already';
      }
      throw new InfrastructureError('event-store', 'suppression list write failed', { cause: error });
    }
  }
}
