import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, storeCall } from '#shared/store/conditions';
import { InfrastructureError } from '#shared/errors';
import { pauseKeyOf, type HoldList, type Pause, type PauseEntry, type PauseScope } from '#shared/flow/pauses';

/** Every pause is one item of one partition: the consumer reads them all in one Query. */
const PAUSES_PK = 'PAUSE';
const pauseKey = (key: string) => ({ PK: PAUSES_PK, SK: key });
/** One pause's hold lists share a partition, one item per entity (message group). */
const holdListKey = (key: string, groupId: string) => ({ PK: `HELD#${key}`, SK: groupId });

/** BatchGetItem's most keys per call. */
const BATCH_GET_KEYS = 100;

const pauseOf = (item: Record<string, unknown>): Pause => ({
  scope: item.scope as PauseScope,
  id: item.id as string,
  state: item.state as Pause['state'],
  reason: item.reason as string,
  by: item.by as string,
  at: item.at as string,
  effectiveAt: (item.effectiveAt as string | undefined) ?? (item.at as string),
  holds: (item.holds as number | undefined) ?? 0,
  history: (item.history as PauseEntry[] | undefined) ?? [],
});

const listOf = (item: Record<string, unknown>): HoldList => ({
  pauseKey: (item.PK as string).slice('HELD#'.length),
  groupId: item.SK as string,
  events: (item.events as string[] | undefined) ?? [],
});

export interface PauseStoreSettings {
  readonly tableName: string;
  /** How long an ended pause is kept as a record (the stack's retention). */
  readonly retentionDays: number;
  /**
   * How long after it is written a pause starts holding. Longer than the consumers' cache of
   * the pauses ({@link PAUSES_CACHE_MS}): by then every consumer reads the entity's hold lists,
   * so none runs an event behind one another consumer held. @default PAUSES_CACHE_MS + 1 s
   */
  readonly takesEffectAfterMs?: number;
}

/** How long the consumers may go on with an old list of pauses (pause-gate.ts reads it this often). */
export const PAUSES_CACHE_MS = 5000;

/**
 * Pauses and their hold lists in the event table (decision 0053). A hold is three single-item
 * writes, in an order that survives a crash between any two (dynalite, our local DynamoDB, has
 * no transactions, and DynamoDB's cost twice as much): the event is added to its entity's hold
 * list, the pause's `holds` counter is raised on condition that it is still active (the commit
 * point), then the event is marked HELD.
 */
export class PauseStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly settings: PauseStoreSettings,
  ) {}

  private call<T>(what: string, run: () => Promise<T>): Promise<T> {
    return storeCall('pause store', what, run);
  }

  private conditional(what: string, run: () => Promise<unknown>): Promise<boolean> {
    return conditionalWrite('pause store', what, run);
  }

  /** Every pause, ended ones included, strongly consistent. */
  async list(): Promise<Pause[]> {
    const pauses: Pause[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call('list', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.settings.tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': PAUSES_PK },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      pauses.push(...(page.Items ?? []).map(pauseOf));
      start = page.LastEvaluatedKey;
    } while (start);
    return pauses;
  }

  async get(key: string): Promise<Pause | undefined> {
    const result = await this.call('read', () =>
      this.client.send(
        new GetCommand({ TableName: this.settings.tableName, Key: pauseKey(key), ConsistentRead: true }),
      ),
    );
    return result.Item ? pauseOf(result.Item) : undefined;
  }

  /**
   * Pauses `scope`/`id` (again, if it was resuming or ended). `onlyIfInactive`: auto-disable never
   * overwrites an operator's pause or a resume in progress. Returns false when it did not write.
   */
  async pause(
    scope: PauseScope,
    id: string,
    entry: PauseEntry & { reason: string },
    onlyIfInactive = false,
  ): Promise<boolean> {
    return this.conditional('pause', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: pauseKey(pauseKeyOf({ scope, id })),
          UpdateExpression:
            'SET #scope = :scope, #id = :id, #state = :paused, reason = :reason, #by = :by, #at = :at, effectiveAt = :effective, ' +
            'history = list_append(if_not_exists(history, :none), :entry), holds = if_not_exists(holds, :zero) ' +
            'REMOVE expiresAt',
          ConditionExpression: onlyIfInactive ? 'attribute_not_exists(PK) OR #state = :ended' : undefined,
          ExpressionAttributeNames: {
            '#scope': 'scope',
            '#id': 'id',
            '#state': 'state',
            '#by': 'by',
            '#at': 'at',
          },
          ExpressionAttributeValues: {
            ':scope': scope,
            ':id': id,
            ':paused': 'paused',
            ':reason': entry.reason,
            ':by': entry.by,
            ':at': entry.at,
            ':effective': new Date(
              Date.parse(entry.at) + (this.settings.takesEffectAfterMs ?? PAUSES_CACHE_MS + 1000),
            ).toISOString(),
            ':none': [],
            ':entry': [entry],
            ':zero': 0,
            ...(onlyIfInactive ? { ':ended': 'ended' } : {}),
          },
        }),
      ),
    );
  }

  /** Marks an active pause as resuming. Returns false when there is no active pause under `key`. */
  async startResume(key: string, entry: PauseEntry): Promise<boolean> {
    return this.conditional('resume', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: pauseKey(key),
          UpdateExpression: 'SET #state = :resuming, history = list_append(history, :entry)',
          ConditionExpression: '#state IN (:paused, :resuming)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':resuming': 'resuming',
            ':paused': 'paused',
            ':entry': [entry],
          },
        }),
      ),
    );
  }

  /**
   * Ends a resuming pause, on condition that no hold was committed since its counter read
   * `holdsSeen`: a hold that came in after the resume last looked keeps it resuming.
   */
  async end(key: string, holdsSeen: number, entry: PauseEntry, now: Date): Promise<boolean> {
    return this.conditional('end', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: pauseKey(key),
          UpdateExpression: 'SET #state = :ended, history = list_append(history, :entry), expiresAt = :x',
          ConditionExpression: '#state = :resuming AND holds = :h',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':ended': 'ended',
            ':resuming': 'resuming',
            ':h': holdsSeen,
            ':entry': [entry],
            ':x': Math.floor(now.getTime() / 1000) + this.settings.retentionDays * 86_400,
          },
        }),
      ),
    );
  }

  /** The hold lists of one entity under each of `keys`, strongly consistent; empty ones are left out. */
  async listsFor(keys: readonly string[], groupId: string): Promise<HoldList[]> {
    const lists: HoldList[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
      let pending: Record<string, unknown>[] = keys
        .slice(start, start + BATCH_GET_KEYS)
        .map((key) => holdListKey(key, groupId));
      for (let round = 0; pending.length > 0; round += 1) {
        if (round === 8)
          throw new InfrastructureError('event-store', 'hold list read kept returning unprocessed keys');
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** round * 10));
        const result = await this.call('hold list read', () =>
          this.client.send(
            new BatchGetCommand({
              RequestItems: { [this.settings.tableName]: { Keys: pending, ConsistentRead: true } },
            }),
          ),
        );
        lists.push(...(result.Responses?.[this.settings.tableName] ?? []).map(listOf));
        pending = (result.UnprocessedKeys?.[this.settings.tableName]?.Keys ?? []) as Record<
          string,
          unknown
        >[];
      }
    }
    // A batch answers in no particular order: keep the pauses' order, so every consumer decides alike.
    return lists
      .filter((list) => list.events.length > 0)
      .sort((a, b) => keys.indexOf(a.pauseKey) - keys.indexOf(b.pauseKey));
  }

  /** Every hold list of one pause, strongly consistent. */
  async listsOf(key: string): Promise<HoldList[]> {
    const lists: HoldList[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call('hold lists read', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.settings.tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': `HELD#${key}` },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      lists.push(...(page.Items ?? []).map(listOf));
      start = page.LastEvaluatedKey;
    } while (start);
    return lists;
  }

  /** Hold, step 1: the event joins the end of its entity's list (once). */
  async appendHold(key: string, groupId: string, eventId: string): Promise<void> {
    await this.conditional('hold', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          UpdateExpression: 'SET events = list_append(if_not_exists(events, :none), :id)',
          ConditionExpression: 'attribute_not_exists(events) OR NOT contains(events, :eventId)',
          ExpressionAttributeValues: { ':none': [], ':id': [eventId], ':eventId': eventId },
        }),
      ),
    );
  }

  /** Hold, step 2, the commit: false when the pause ended (or never was) meanwhile. */
  async commitHold(key: string): Promise<boolean> {
    return this.conditional('hold commit', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: pauseKey(key),
          UpdateExpression: 'ADD holds :one',
          ConditionExpression: '#state IN (:paused, :resuming)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':one': 1, ':paused': 'paused', ':resuming': 'resuming' },
        }),
      ),
    );
  }

  /**
   * Takes the first `eventIds.length` entries off an entity's list, on condition that they are
   * these (only a resume removes, and only holds append, at the end). The list goes when empty.
   */
  async dropFront(key: string, groupId: string, eventIds: readonly string[]): Promise<boolean> {
    if (eventIds.length === 0) return true;
    const values: Record<string, unknown> = {};
    const conditions = eventIds.map((id, i) => {
      values[`:e${i}`] = id;
      return `events[${i}] = :e${i}`;
    });
    const dropped = await this.conditional('hold list update', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          // Highest index first: DynamoDB removes the listed elements all at once, dynalite one
          // after another (shifting the rest); in this order both remove the same ones.
          UpdateExpression: `REMOVE ${eventIds
            .map((_, i) => `events[${i}]`)
            .reverse()
            .join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeValues: values,
        }),
      ),
    );
    if (dropped) await this.deleteIfEmpty(key, groupId);
    return dropped;
  }

  /** Undoes step 1 of a hold whose commit failed: the event leaves its list. */
  async removeHold(key: string, groupId: string, eventId: string): Promise<void> {
    const item = await this.call('hold list read', () =>
      this.client.send(
        new GetCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          ConsistentRead: true,
        }),
      ),
    );
    const index = ((item.Item?.events as string[] | undefined) ?? []).indexOf(eventId);
    if (index < 0) return;
    await this.conditional('hold list update', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          UpdateExpression: `REMOVE events[${index}]`,
          ConditionExpression: `events[${index}] = :id`,
          ExpressionAttributeValues: { ':id': eventId },
        }),
      ),
    );
    await this.deleteIfEmpty(key, groupId);
  }

  private async deleteIfEmpty(key: string, groupId: string): Promise<void> {
    await this.conditional('hold list delete', () =>
      this.client.send(
        new DeleteCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          ConditionExpression: 'size(events) = :zero',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      ),
    );
  }
}
