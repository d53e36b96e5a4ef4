import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '#shared/errors';

/** The newest provider event time applied to an entity, on routes that suppress stale events. */
export const highWaterMarkKey = (entityKey: string) => ({ PK: entityKey, SK: 'HWM' });
/** One target of one event delivered: a retry skips it. */
export const targetDoneKey = (eventId: string, targetId: string) => ({
  PK: `EVT#${eventId}`,
  SK: `DONE#${targetId}`,
});

export interface ProcessingStoreSettings {
  readonly tableName: string;
  readonly retentionDays: number;
}

export type HighWaterMarkResult =
  | { readonly applied: true }
  | { readonly applied: false; readonly newest: { readonly occurredAt: string; readonly eventId: string } };

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/**
 * The consumer's own items in the event table (docs/decisions/0011-step-completion-records.md):
 * per-entity high-water marks and per-target completion records. Each is a small item of its
 * own, so that writing it never rewrites the event's state item.
 */
export class ProcessingStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly settings: ProcessingStoreSettings,
  ) {}

  private expiresAt(now: Date) {
    return Math.floor(now.getTime() / 1000) + this.settings.retentionDays * 86_400;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      throw new InfrastructureError('event-store', `event store ${what} failed`, { cause: error });
    }
  }

  /**
   * Moves the entity's mark to `occurredAt` unless a newer event was applied. An event as old as
   * the mark passes (a retry of the event that set it, or a sibling from the same instant).
   */
  async advanceHighWaterMark(
    entityKey: string,
    occurredAt: string,
    eventId: string,
    now: Date,
  ): Promise<HighWaterMarkResult> {
    const at = new Date(occurredAt).toISOString();
    try {
      await this.call('high-water mark update', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.settings.tableName,
            Key: highWaterMarkKey(entityKey),
            UpdateExpression: 'SET occurredAt = :at, eventId = :id, expiresAt = :exp',
            ConditionExpression: 'attribute_not_exists(PK) OR occurredAt <= :at',
            ExpressionAttributeValues: { ':at': at, ':id': eventId, ':exp': this.expiresAt(now) },
          }),
        ),
      );
      return { applied: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.call('high-water mark read', () =>
        this.client.send(
          new GetCommand({
            TableName: this.settings.tableName,
            Key: highWaterMarkKey(entityKey),
            ConsistentRead: true,
          }),
        ),
      );
      return {
        applied: false,
        newest: {
          occurredAt: String(current.Item?.occurredAt ?? 'unknown'),
          eventId: String(current.Item?.eventId ?? 'unknown'),
        },
      };
    }
  }

  /** Ids of the targets an earlier attempt already delivered this event to. */
  async completedTargets(eventId: string): Promise<Set<string>> {
    const result = await this.call('completion read', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.settings.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :done)',
          ExpressionAttributeValues: { ':pk': `EVT#${eventId}`, ':done': 'DONE#' },
          ProjectionExpression: 'SK',
          ConsistentRead: true,
        }),
      ),
    );
    return new Set((result.Items ?? []).map((item) => String(item.SK).slice('DONE#'.length)));
  }

  async markTargetDone(eventId: string, targetId: string, now: Date): Promise<void> {
    await this.call('completion write', () =>
      this.client.send(
        new PutCommand({
          TableName: this.settings.tableName,
          Item: {
            ...targetDoneKey(eventId, targetId),
            at: now.toISOString(),
            expiresAt: this.expiresAt(now),
          },
        }),
      ),
    );
  }
}
