import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '#shared/errors';
import { stateOf } from '#shared/store/event-store';
import { receivedAtOf } from '#shared/contract/correlation-id';
import {
  entityIndexKey,
  eventIdOfPk,
  RECEIVED_SHARDS,
  receivedDayKey,
  stateKey,
  type EventState,
  type EventStatus,
} from '#shared/store/records';

/** Index names as lib/constructs/event-store.ts creates them (docs/decisions/0002-event-store-keys.md). */
export const INDEXES = {
  byEntity: 'byEntity',
  byAttention: 'byAttention',
  byReceived: 'byReceived',
} as const;

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_MAX = 100;

export type IndexKey = Record<string, string>;

/** One page of an index: the event ids in index order, each with its own index key (a resume point). */
export interface IndexPage {
  readonly entries: readonly { readonly eventId: string; readonly key: IndexKey }[];
  readonly lastKey?: IndexKey;
}

/** An entry of byReceived: what the index projects of an event, none of which ever changes. */
export interface ReceivedEntry {
  readonly eventId: string;
  /** The index's sort key. Events of one batch request share it. */
  readonly receivedAt: string;
  readonly tenant: string;
  readonly provider: string;
  readonly type: string;
  readonly externalId: string;
  readonly entityKind: string;
  readonly entityId: string;
}

export interface ReceivedPage {
  /** Newest first. */
  readonly entries: readonly ReceivedEntry[];
  /** Index entries the page read, including those the match left out. */
  readonly scanned: number;
  readonly lastKey?: IndexKey;
}

/** Narrows a page of byReceived to one provider's event id, read from the entries themselves. */
export interface ReceivedMatch {
  readonly externalId: string;
  readonly provider?: string;
  readonly tenant?: string;
}

/**
 * Reads of the event table for operators and replay: state items by id (batched) and the
 * indexes, which name event ids that are then read from the table itself (none projects the
 * status).
 */
export class EventQueries {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new InfrastructureError('event-store', `event store ${what} failed`, { cause: error });
    }
  }

  /** State items of `eventIds`, in the order asked; ids with no item are left out. */
  async states(eventIds: readonly string[]): Promise<EventState[]> {
    const found = new Map<string, EventState>();
    for (let i = 0; i < eventIds.length; i += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] = [...new Set(eventIds.slice(i, i + BATCH_GET_MAX))].map(stateKey);
      // Unprocessed keys are DynamoDB shedding load: ask again for just those, a bounded number of times.
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        if (attempt === 5)
          throw new InfrastructureError('event-store', 'event store batch read kept being throttled');
        const result = await this.call('batch read', () =>
          this.client.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
          ),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const state = stateOf(item);
          found.set(state.eventId, state);
        }
        keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
    return eventIds.flatMap((id) => {
      const state = found.get(id);
      return state ? [state] : [];
    });
  }

  async state(eventId: string): Promise<EventState | undefined> {
    return (await this.states([eventId]))[0];
  }

  /** Events in an operator status (the sparse byAttention index), oldest status change first. */
  attentionPage(
    status: EventStatus,
    options: { startKey?: IndexKey; limit: number; newestFirst?: boolean },
  ): Promise<IndexPage> {
    return this.indexPage(INDEXES.byAttention, '#k = :k', { '#k': 'attention' }, { ':k': status }, options);
  }

  /** One entity's events in the order they happened (byEntity sorts by occurredAt, then id), or newest first. */
  entityPage(
    entity: { tenant: string; provider: string; kind: string; id: string },
    options: { startKey?: IndexKey; limit: number; newestFirst?: boolean },
  ): Promise<IndexPage> {
    const key = entityIndexKey(entity.tenant, entity.provider, entity.kind, entity.id);
    return this.indexPage(INDEXES.byEntity, '#k = :k', { '#k': 'entityKey' }, { ':k': key }, options);
  }

  /**
   * One page of one shard of a day (YYYY-MM-DD) of byReceived, newest first: the events received
   * at or after `since` and before `until` (ISO 8601 times). With `match`, `limit` still counts
   * every entry read, so that a page costs the same whatever it matches.
   */
  async receivedPage(
    day: string,
    shard: number,
    options: { since?: string; until?: string; match?: ReceivedMatch; startKey?: IndexKey; limit: number },
  ): Promise<ReceivedPage> {
    const names: Record<string, string> = { '#day': 'receivedDay', '#at': 'receivedAt' };
    const values: Record<string, string> = { ':day': receivedDayKey(day, shard) };
    let condition = '#day = :day';
    if (options.since !== undefined && options.until !== undefined) {
      // BETWEEN includes both ends; receivedAt has millisecond precision, so the one before `until` is the last.
      values[':since'] = options.since;
      values[':last'] = new Date(Date.parse(options.until) - 1).toISOString();
      condition += ' AND #at BETWEEN :since AND :last';
    } else if (options.since !== undefined) {
      values[':since'] = options.since;
      condition += ' AND #at >= :since';
    } else if (options.until !== undefined) {
      values[':until'] = options.until;
      condition += ' AND #at < :until';
    }
    const filters: string[] = [];
    const match = options.match;
    if (match) {
      const fields = { externalId: match.externalId, provider: match.provider, tenant: match.tenant };
      for (const [name, value] of Object.entries(fields)) {
        if (value === undefined) continue;
        names[`#${name}`] = name;
        values[`:${name}`] = value;
        filters.push(`#${name} = :${name}`);
      }
    }
    const result = await this.call('index query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEXES.byReceived,
          KeyConditionExpression: condition,
          ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: options.startKey,
          Limit: options.limit,
          ScanIndexForward: false,
        }),
      ),
    );
    const entries = (result.Items ?? []).flatMap((item): ReceivedEntry[] => {
      const eventId = eventIdOfPk(item.PK);
      if (!eventId || item.SK !== 'STATE') return [];
      return [
        {
          eventId,
          receivedAt: String(item.receivedAt),
          tenant: String(item.tenant),
          provider: String(item.provider),
          type: String(item.type),
          externalId: String(item.externalId),
          entityKind: String(item.entityKind),
          entityId: String(item.entityId),
        },
      ];
    });
    return {
      entries,
      scanned: result.ScannedCount ?? entries.length,
      lastKey: result.LastEvaluatedKey as IndexKey | undefined,
    };
  }

  /**
   * Every event of one correlation id (one request can carry several events). There is no index
   * by correlation id (decision 0045): the id carries the millisecond its request was received,
   * which is its events' `receivedAt`, so the events of that millisecond are read from
   * byReceived and kept when their state names this correlation id. An id that is not one of
   * ours (minted before correlation ids carried the time) finds nothing.
   */
  async correlated(correlationId: string): Promise<string[]> {
    const at = receivedAtOf(correlationId);
    if (!at) return [];
    const since = at.toISOString();
    const until = new Date(at.getTime() + 1).toISOString();
    const candidates = (
      await Promise.all(
        Array.from({ length: RECEIVED_SHARDS }, async (_, shard) => {
          const ids: string[] = [];
          let startKey: IndexKey | undefined;
          do {
            const page = await this.receivedPage(since.slice(0, 10), shard, {
              since,
              until,
              startKey,
              limit: 100,
            });
            ids.push(...page.entries.map((entry) => entry.eventId));
            startKey = page.lastKey;
          } while (startKey);
          return ids;
        }),
      )
    ).flat();
    return (await this.states(candidates))
      .filter((state) => state.correlationId === correlationId)
      .map((state) => state.eventId);
  }

  /** How many events are in an operator status (counts index entries, reads no item). */
  async countInStatus(status: EventStatus): Promise<number> {
    let count = 0;
    let startKey: IndexKey | undefined;
    do {
      const result = await this.call('count', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: INDEXES.byAttention,
            KeyConditionExpression: '#k = :k',
            ExpressionAttributeNames: { '#k': 'attention' },
            ExpressionAttributeValues: { ':k': status },
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      count += result.Count ?? 0;
      startKey = result.LastEvaluatedKey as IndexKey | undefined;
    } while (startKey);
    return count;
  }

  private async indexPage(
    indexName: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, string>,
    options: { startKey?: IndexKey; limit: number; newestFirst?: boolean },
  ): Promise<IndexPage> {
    const result = await this.call('index query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: options.startKey,
          Limit: options.limit,
          ScanIndexForward: !options.newestFirst,
        }),
      ),
    );
    const entries = (result.Items ?? []).flatMap((item) => {
      const eventId = eventIdOfPk(item.PK);
      // Other item types share no index key with events; this only guards against a foreign item.
      return eventId && item.SK === 'STATE' ? [{ eventId, key: item as IndexKey }] : [];
    });
    return { entries, lastKey: result.LastEvaluatedKey as IndexKey | undefined };
  }
}
