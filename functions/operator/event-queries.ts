import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '#shared/errors';
import { stateOf } from '#shared/store/event-store';
import { entityIndexKey, stateKey, type EventState, type EventStatus } from '#shared/store/records';

/** Index names as lib/constructs/event-store.ts creates them (docs/decisions/0002-event-store-keys.md). */
export const INDEXES = {
  byEntity: 'byEntity',
  byCorrelation: 'byCorrelation',
  byAttention: 'byAttention',
} as const;

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_MAX = 100;

export type IndexKey = Record<string, string>;

/** One page of an index: the event ids in index order, each with its own index key (a resume point). */
export interface IndexPage {
  readonly entries: readonly { readonly eventId: string; readonly key: IndexKey }[];
  readonly lastKey?: IndexKey;
}

const eventIdOfPk = (pk: unknown): string | undefined =>
  typeof pk === 'string' && pk.startsWith('EVT#') ? pk.slice(4) : undefined;

/**
 * Reads of the event table for operators and replay: state items by id (batched) and the
 * KEYS_ONLY indexes, which name event ids that are then read from the table itself.
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

  /** One entity's events in the order they happened (byEntity sorts by occurredAt, then id). */
  entityPage(
    entity: { tenant: string; provider: string; kind: string; id: string },
    options: { startKey?: IndexKey; limit: number },
  ): Promise<IndexPage> {
    const key = entityIndexKey(entity.tenant, entity.provider, entity.kind, entity.id);
    return this.indexPage(INDEXES.byEntity, '#k = :k', { '#k': 'entityKey' }, { ':k': key }, options);
  }

  /** Every event of one correlation id (one request can carry several events). */
  async correlated(correlationId: string): Promise<string[]> {
    const ids: string[] = [];
    let startKey: IndexKey | undefined;
    do {
      const page = await this.indexPage(
        INDEXES.byCorrelation,
        '#k = :k',
        { '#k': 'correlationId' },
        { ':k': correlationId },
        { startKey, limit: 100 },
      );
      ids.push(...page.entries.map((e) => e.eventId));
      startKey = page.lastKey;
    } while (startKey);
    return ids;
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
