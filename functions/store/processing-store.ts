import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, storeCall } from '#shared/store/conditions';

/** The newest provider event time applied to an entity, on routes that suppress stale events. */
export const highWaterMarkKey = (entityKey: string) => ({ PK: entityKey, SK: 'HWM' });
/** One target of one event delivered: a retry skips it. */
export const targetDoneKey = (eventId: string, targetId: string) => ({
  PK: `EVT#${eventId}`,
  SK: `DONE#${targetId}`,
});

/**
 * One record of a saga (decision 0049): `key` is the workflow target's downstream key (one per run
 * of the event and target); `DONE#<step>` a completed step, `UNDONE#<step>` a completed
 * compensation, `COMPENSATE` the decision to undo the saga, with its reason.
 */
export const sagaRecordKey = (eventId: string, key: string, record: string) => ({
  PK: `EVT#${eventId}`,
  SK: `SAGA#${key}#${record}`,
});

/** What the records of one saga (one run of an event at one workflow target) say. */
export interface SagaProgress {
  /** Steps completed (the last step has no record: the target's own completion is its record). */
  readonly done: ReadonlySet<string>;
  /** Why the saga is being undone, once the consumer decided so; absent while it runs forward. */
  readonly compensating?: string;
  /** Steps whose compensation completed. */
  readonly compensated: ReadonlySet<string>;
}

export interface ProcessingStoreSettings {
  readonly tableName: string;
  readonly retentionDays: number;
}

export type HighWaterMarkResult =
  | { readonly applied: true }
  | { readonly applied: false; readonly newest: { readonly occurredAt: string; readonly eventId: string } };

/**
 * The consumer's own items in the event table (docs/decisions/0011-step-completion-records.md):
 * per-entity high-water marks, per-target completion records and the records of workflow sagas
 * (decision 0049). Each is a small item of its own, so that writing it never rewrites the
 * event's state item.
 */
export class ProcessingStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly settings: ProcessingStoreSettings,
  ) {}

  private expiresAt(now: Date) {
    return Math.floor(now.getTime() / 1000) + this.settings.retentionDays * 86_400;
  }

  private call<T>(what: string, run: () => Promise<T>): Promise<T> {
    return storeCall('event store', what, run);
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

  /** Everything one saga recorded, in one strongly consistent query of the event's partition. */
  async sagaProgress(eventId: string, key: string): Promise<SagaProgress> {
    const prefix = sagaRecordKey(eventId, key, '').SK;
    const result = await this.call('saga read', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.settings.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :saga)',
          ExpressionAttributeValues: { ':pk': `EVT#${eventId}`, ':saga': prefix },
          ProjectionExpression: 'SK, reason',
          ConsistentRead: true,
        }),
      ),
    );
    const done = new Set<string>();
    const compensated = new Set<string>();
    let compensating: string | undefined;
    for (const item of result.Items ?? []) {
      const record = String(item.SK).slice(prefix.length);
      if (record.startsWith('DONE#')) done.add(record.slice('DONE#'.length));
      else if (record.startsWith('UNDONE#')) compensated.add(record.slice('UNDONE#'.length));
      else if (record === 'COMPENSATE') compensating = String(item.reason ?? 'no reason recorded');
    }
    return { done, compensated, ...(compensating === undefined ? {} : { compensating }) };
  }

  async markStepDone(eventId: string, key: string, step: string, now: Date): Promise<void> {
    await this.putRecord('saga step write', sagaRecordKey(eventId, key, `DONE#${step}`), now);
  }

  async markStepCompensated(eventId: string, key: string, step: string, now: Date): Promise<void> {
    await this.putRecord('saga compensation write', sagaRecordKey(eventId, key, `UNDONE#${step}`), now);
  }

  /**
   * Records the decision to undo a saga. The first reason stays: a retry of the decision (its
   * status write failed) must not rewrite why.
   */
  async beginCompensation(eventId: string, key: string, reason: string, now: Date): Promise<void> {
    try {
      await this.call('saga compensation marker', () =>
        this.client.send(
          new PutCommand({
            TableName: this.settings.tableName,
            Item: {
              ...sagaRecordKey(eventId, key, 'COMPENSATE'),
              reason,
              at: now.toISOString(),
              expiresAt: this.expiresAt(now),
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async putRecord(what: string, key: { PK: string; SK: string }, now: Date): Promise<void> {
    await this.call(what, () =>
      this.client.send(
        new PutCommand({
          TableName: this.settings.tableName,
          Item: { ...key, at: now.toISOString(), expiresAt: this.expiresAt(now) },
        }),
      ),
    );
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
