import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '#shared/errors';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  ATTENTION_STATUSES,
  entityIndexKey,
  nonceKey,
  payloadKey,
  rawKey,
  rejectionsKey,
  stateKey,
  type AuditEntry,
  type EventState,
  type EventStatus,
  type RawLocation,
  type StoredRequest,
} from '#shared/store/records';

/** The immutable item of an event: what was received and what it was normalized into. */
export interface EventPayload {
  readonly eventId: string;
  /** Absent for QUARANTINED events: the normalizer could not read them. */
  readonly event?: IntegrationEvent;
  readonly quarantineReason?: string;
  readonly request: StoredRequest;
  readonly raw: RawLocation;
  /** The raw body itself when `raw.kind` is `inline`. */
  readonly rawBody?: Buffer;
}

export interface EventStoreSettings {
  readonly tableName: string;
  readonly retentionDays: number;
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

const zip = (value: unknown): Uint8Array => gzipSync(Buffer.from(JSON.stringify(value)));
const unzipJson = <T>(value: Uint8Array): T => JSON.parse(gunzipSync(value).toString('utf8')) as T;

/**
 * The event table (single-table design, see docs/decisions/0002-event-store-keys.md). Every
 * method maps DynamoDB failures other than a failed condition to {@link InfrastructureError}.
 */
export class EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly settings: EventStoreSettings,
  ) {}

  private expiresAt(from: Date): number {
    return Math.floor(from.getTime() / 1000) + this.settings.retentionDays * 86_400;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      throw new InfrastructureError('event-store', `event store ${what} failed`, { cause: error });
    }
  }

  async getState(eventId: string): Promise<EventState | undefined> {
    const result = await this.call('read', () =>
      this.client.send(new GetCommand({ TableName: this.settings.tableName, Key: stateKey(eventId), ConsistentRead: true })),
    );
    return result.Item ? toState(result.Item) : undefined;
  }

  async getPayload(eventId: string): Promise<EventPayload | undefined> {
    const result = await this.call('read', () =>
      this.client.send(new GetCommand({ TableName: this.settings.tableName, Key: payloadKey(eventId), ConsistentRead: true })),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      eventId,
      event: item.event ? unzipJson<IntegrationEvent>(item.event as Uint8Array) : undefined,
      quarantineReason: item.quarantineReason as string | undefined,
      request: unzipJson<StoredRequest>(item.request as Uint8Array),
      raw: item.raw as RawLocation,
      rawBody: item.rawBody ? gunzipSync(item.rawBody as Uint8Array) : undefined,
    };
  }

  /** Reads a body kept in a shared raw item (batch requests). */
  async getRawItem(pk: string): Promise<{ body?: Buffer; raw: RawLocation } | undefined> {
    const result = await this.call('read', () =>
      this.client.send(new GetCommand({ TableName: this.settings.tableName, Key: { PK: pk, SK: 'RAW' } })),
    );
    const item = result.Item;
    if (!item) return undefined;
    return { body: item.body ? gunzipSync(item.body as Uint8Array) : undefined, raw: item.raw as RawLocation };
  }

  /** Stores a body shared by the events of one batch request, once, keyed by its digest. */
  async putRawItem(sha256: string, body: Buffer | undefined, raw: RawLocation, now: Date): Promise<string> {
    const key = rawKey(sha256);
    await this.call('raw write', () =>
      this.client.send(
        new PutCommand({
          TableName: this.settings.tableName,
          Item: { ...key, raw, ...(body ? { body: gzipSync(body) } : {}), expiresAt: this.expiresAt(now) },
        }),
      ),
    );
    return key.PK;
  }

  /**
   * Writes the immutable payload item unless it exists. Returns false when it already existed:
   * an earlier delivery of the same event got this far.
   */
  async putPayloadIfAbsent(payload: EventPayload, now: Date): Promise<boolean> {
    try {
      await this.call('payload write', () => this.client.send(this.payloadPut(payload, now, true)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Replaces a quarantined event's payload once its body can be read. */
  async replacePayload(payload: EventPayload, now: Date): Promise<void> {
    await this.call('payload write', () => this.client.send(this.payloadPut(payload, now, false)));
  }

  private payloadPut(payload: EventPayload, now: Date, onlyIfAbsent: boolean) {
    return new PutCommand({
      TableName: this.settings.tableName,
      Item: {
        ...payloadKey(payload.eventId),
        ...(payload.event ? { event: zip(payload.event) } : {}),
        ...(payload.quarantineReason ? { quarantineReason: payload.quarantineReason } : {}),
        request: zip(payload.request),
        raw: payload.raw,
        ...(payload.rawBody ? { rawBody: gzipSync(payload.rawBody) } : {}),
        expiresAt: this.expiresAt(now),
      },
      ...(onlyIfAbsent ? { ConditionExpression: 'attribute_not_exists(PK)' } : {}),
    });
  }

  /** Creates the state item unless it exists. Returns false when another delivery won. */
  async createState(state: EventState, now: Date): Promise<boolean> {
    try {
      await this.call('state write', () =>
        this.client.send(
          new PutCommand({
            TableName: this.settings.tableName,
            Item: { ...stateKey(state.eventId), ...state, ...indexAttributes(state), expiresAt: this.expiresAt(now) },
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Moves an event from one of `from` to `to`, appending the audit entry in the same write.
   * Returns false when the event was not in an expected status (someone else moved it).
   */
  async transition(
    eventId: string,
    from: readonly EventStatus[],
    to: EventStatus,
    entry: AuditEntry,
    extra: { sends?: number; lastError?: string; attempts?: number } = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status', '#audit': 'audit', '#statusAt': 'statusAt' };
    const values: Record<string, unknown> = { ':to': to, ':at': entry.at, ':entry': [entry] };
    const sets = ['#status = :to', '#statusAt = :at', '#audit = list_append(#audit, :entry)'];
    const removes: string[] = [];
    if (ATTENTION_STATUSES.has(to)) {
      sets.push('attention = :to', 'attentionAt = :at');
    } else {
      removes.push('attention', 'attentionAt');
    }
    if (extra.sends !== undefined) {
      sets.push('sends = :sends');
      values[':sends'] = extra.sends;
    }
    if (extra.attempts !== undefined) {
      sets.push('attempts = :attempts');
      values[':attempts'] = extra.attempts;
    }
    if (extra.lastError !== undefined) {
      sets.push('lastError = :lastError');
      values[':lastError'] = extra.lastError;
    }
    const fromNames = from.map((_, i) => `:from${i}`);
    from.forEach((status, i) => (values[`:from${i}`] = status));
    try {
      await this.call('state update', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.settings.tableName,
            Key: stateKey(eventId),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: `#status IN (${fromNames.join(', ')})`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Records a one-time value (Mailgun token). Returns false when it was seen before. */
  async recordNonce(provider: string, tenant: string, nonce: string, ttlSeconds: number, now: Date): Promise<boolean> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    try {
      await this.call('nonce write', () =>
        this.client.send(
          new PutCommand({
            TableName: this.settings.tableName,
            Item: { ...nonceKey(provider, tenant, nonce), expiresAt: nowSeconds + ttlSeconds },
            // An expired nonce may linger until TTL deletion runs: treat it as absent.
            ConditionExpression: 'attribute_not_exists(PK) OR expiresAt < :now',
            ExpressionAttributeValues: { ':now': nowSeconds },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Adds a window of rejection counts: one write per flush, however many requests were refused. */
  async addRejections(
    provider: string,
    tenant: string,
    minute: string,
    counts: Readonly<Record<string, number>>,
    sample: string,
    now: Date,
  ): Promise<void> {
    const reasons = Object.entries(counts);
    if (reasons.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':sample': sample, ':exp': this.expiresAt(now) };
    const adds = reasons.map(([reason, count], i) => {
      names[`#r${i}`] = reason;
      values[`:c${i}`] = count;
      return `#r${i} :c${i}`;
    });
    await this.call('rejection counter write', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: rejectionsKey(provider, tenant, minute),
          UpdateExpression: `ADD ${adds.join(', ')} SET lastSample = :sample, expiresAt = :exp`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}

const indexAttributes = (state: EventState) => ({
  entityKey: entityIndexKey(state.tenant, state.provider, state.entityKind, state.entityId),
  entitySort: `${state.occurredAt}#${state.eventId}`,
  ...(ATTENTION_STATUSES.has(state.status) ? { attention: state.status, attentionAt: state.statusAt } : {}),
});

const toState = (item: Record<string, unknown>): EventState => {
  const { PK: _pk, SK: _sk, entityKey: _ek, entitySort: _es, attention: _a, attentionAt: _aa, expiresAt: _x, ...state } =
    item;
  return state as unknown as EventState;
};
