import { isUtf8 } from 'node:buffer';
import { isConditionFailure } from '#shared/store/conditions';
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants as zlibConstants,
  gunzipSync,
  gzipSync,
} from 'node:zlib';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { InfrastructureError, ItemTooLargeError } from '#shared/errors';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  ATTENTION_STATUSES,
  DUPLICATES_IN_TIMELINE,
  entityIndexKey,
  eventIdOfPk,
  groupIdOf,
  idempotencyKeyOf,
  nonceKey,
  payloadKey,
  rawKey,
  receivedDayKey,
  receivedShardOf,
  REJECTION_SOURCE_PREFIX,
  rejectionsKey,
  signedBytesKey,
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
  /**
   * Absent for QUARANTINED events (the normalizer could not read them), and when the event sits
   * in S3 (`eventLocation`) and this store was built without the bucket to read it from.
   */
  readonly event?: IntegrationEvent;
  /** Where the normalized event went when it was too large for the item (claim check, decision 12). */
  readonly eventLocation?: { readonly bucket: string; readonly key: string };
  readonly quarantineReason?: string;
  readonly request: StoredRequest;
  readonly raw: RawLocation;
  /** The raw body itself when `raw.kind` is `inline`. */
  readonly rawBody?: Buffer;
  /** SHA-256 (hex) of the exact bytes received; absent on items written before it was recorded. */
  readonly bodySha256?: string;
}

/** The S3 side of the store: where parts too large for an item go (the raw-body bucket). */
export interface PayloadOverflow {
  put(key: string, body: Buffer, contentType: string | undefined): Promise<{ bucket: string; key: string }>;
  get(bucket: string, key: string): Promise<Buffer>;
}

export interface EventStoreSettings {
  readonly tableName: string;
  readonly retentionDays: number;
  /**
   * A compressed normalized event larger than this goes to S3 instead of the payload item (400 KB
   * is DynamoDB's item limit; the request and an inline raw body share the item).
   * @default 96 KiB
   */
  readonly inlineEventMaxBytes?: number;
}

const DEFAULT_INLINE_EVENT_MAX_BYTES = 96 * 1024;
/** BatchGetItem reads at most 100 keys per call. */
const BATCH_GET_KEYS = 100;

/** DynamoDB refuses items over 400 KB with a ValidationException that names the size. */
const isItemTooLarge = (error: unknown) =>
  error instanceof Error &&
  error.name === 'ValidationException' &&
  /item size|size has exceeded/i.test(error.message);

const unzipJson = <T>(value: Uint8Array): T => JSON.parse(gunzipSync(value).toString('utf8')) as T;

/** What a payload item keeps compressed: the request, the normalized event, the exact body. */
interface PayloadParts {
  readonly request: StoredRequest;
  readonly event?: IntegrationEvent;
  readonly rawBody?: Buffer;
}

/**
 * The parts as one Brotli stream (decision 0045). The normalized event's data repeats the body
 * it was read from; compressed together, the repeat costs a few bytes instead of a second copy.
 * A body that is not UTF-8 travels as base64, so that the bytes come back exactly.
 */
const pack = (parts: PayloadParts): Buffer => {
  const body = parts.rawBody;
  const text = body && isUtf8(body) ? body.toString('utf8') : undefined;
  return brotliCompressSync(
    JSON.stringify({
      request: parts.request,
      event: parts.event,
      ...(body ? (text !== undefined ? { body: text } : { body64: body.toString('base64') }) : {}),
    }),
    { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
  );
};

const unpack = (blob: Uint8Array): PayloadParts => {
  const parts = JSON.parse(brotliDecompressSync(blob).toString('utf8')) as {
    request: StoredRequest;
    event?: IntegrationEvent;
    body?: string;
    body64?: string;
  };
  const rawBody =
    parts.body !== undefined
      ? Buffer.from(parts.body, 'utf8')
      : parts.body64 !== undefined
        ? Buffer.from(parts.body64, 'base64')
        : undefined;
  return { request: parts.request, event: parts.event, rawBody };
};

/** Items written before the parts were packed together kept each gzipped on its own. */
const legacyParts = (item: Record<string, unknown>): PayloadParts => ({
  request: unzipJson<StoredRequest>(item.request as Uint8Array),
  event: item.event ? unzipJson<IntegrationEvent>(item.event as Uint8Array) : undefined,
  rawBody: item.rawBody ? gunzipSync(item.rawBody as Uint8Array) : undefined,
});

/**
 * Brotli's quality 5 of 11: measured on a 5.5 KB Stripe invoice with its normalized event, it
 * keeps all but 7% of quality 11's saving at a small fraction of its CPU.
 */
const BROTLI_QUALITY = 5;

/**
 * The event table (single-table design, see docs/decisions/0002-event-store-keys.md). Every
 * method maps DynamoDB failures other than a failed condition to {@link InfrastructureError}.
 */
export class EventStore {
  /**
   * @param overflow where normalized events too large for an item are written and read back;
   *   a reader without it (the CLI) sees `eventLocation` instead of the event.
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly settings: EventStoreSettings,
    private readonly overflow?: PayloadOverflow,
  ) {}

  private expiresAt(from: Date): number {
    return Math.floor(from.getTime() / 1000) + this.settings.retentionDays * 86_400;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      if (isItemTooLarge(error))
        throw new ItemTooLargeError(`event store ${what} refused an item over 400 KB`, { cause: error });
      throw new InfrastructureError('event-store', `event store ${what} failed`, { cause: error });
    }
  }

  async getState(eventId: string): Promise<EventState | undefined> {
    const result = await this.call('read', () =>
      this.client.send(
        new GetCommand({ TableName: this.settings.tableName, Key: stateKey(eventId), ConsistentRead: true }),
      ),
    );
    return result.Item ? stateOf(result.Item) : undefined;
  }

  /**
   * The states of many events, strongly consistent, in as few calls as BatchGetItem allows (a
   * batch body of 10,000 elements must not cost 10,000 round trips). Absent events are missing.
   */
  async getStates(eventIds: readonly string[]): Promise<Map<string, EventState>> {
    const found = new Map<string, EventState>();
    const unique = [...new Set(eventIds)];
    if (unique.length === 1 && unique[0] !== undefined) {
      const state = await this.getState(unique[0]);
      if (state) found.set(unique[0], state);
      return found;
    }
    for (let start = 0; start < unique.length; start += BATCH_GET_KEYS) {
      let keys: Record<string, unknown>[] = unique
        .slice(start, start + BATCH_GET_KEYS)
        .map((id) => stateKey(id));
      for (let round = 0; keys.length > 0; round += 1) {
        if (round === 8)
          throw new InfrastructureError(
            'event-store',
            'event store batch read kept returning unprocessed keys',
          );
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** round * 10));
        const result = await this.call('batch read', () =>
          this.client.send(
            new BatchGetCommand({
              RequestItems: { [this.settings.tableName]: { Keys: keys, ConsistentRead: true } },
            }),
          ),
        );
        for (const item of result.Responses?.[this.settings.tableName] ?? []) {
          const state = stateOf(item);
          found.set(state.eventId, state);
        }
        keys = (result.UnprocessedKeys?.[this.settings.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }

  async getPayload(eventId: string): Promise<EventPayload | undefined> {
    const result = await this.call('read', () =>
      this.client.send(
        new GetCommand({
          TableName: this.settings.tableName,
          Key: payloadKey(eventId),
          ConsistentRead: true,
        }),
      ),
    );
    const item = result.Item;
    if (!item) return undefined;
    const eventLocation = item.eventLocation as EventPayload['eventLocation'];
    const parts = item.blob ? unpack(item.blob as Uint8Array) : legacyParts(item);
    let event = parts.event;
    if (eventLocation && this.overflow) {
      const bytes = await this.overflow.get(eventLocation.bucket, eventLocation.key);
      event = JSON.parse(bytes.toString('utf8')) as IntegrationEvent;
    }
    return {
      eventId,
      event,
      eventLocation,
      quarantineReason: item.quarantineReason as string | undefined,
      request: parts.request,
      raw: item.raw as RawLocation,
      rawBody: parts.rawBody,
      bodySha256: item.bodySha256 as string | undefined,
    };
  }

  /** Reads a body kept in a shared raw item (batch requests). */
  async getRawItem(pk: string): Promise<{ body?: Buffer; raw: RawLocation } | undefined> {
    const result = await this.call('read', () =>
      this.client.send(new GetCommand({ TableName: this.settings.tableName, Key: { PK: pk, SK: 'RAW' } })),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      body: item.body ? gunzipSync(item.body as Uint8Array) : undefined,
      raw: item.raw as RawLocation,
    };
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
   * @throws ItemTooLargeError when the item cannot be stored at any retry (quarantine it).
   */
  async putPayloadIfAbsent(payload: EventPayload, now: Date): Promise<boolean> {
    const put = await this.payloadPut(payload, now, true);
    try {
      await this.call('payload write', () => this.client.send(put));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Replaces a quarantined event's payload once its body can be read. */
  async replacePayload(payload: EventPayload, now: Date): Promise<void> {
    const put = await this.payloadPut(payload, now, false);
    await this.call('payload write', () => this.client.send(put));
  }

  /**
   * The payload item; a normalized event too large to share it goes to S3 first, under a key
   * derived from the event id, so that a retry overwrites the same object.
   */
  private async payloadPut(payload: EventPayload, now: Date, onlyIfAbsent: boolean) {
    let blob = pack({ request: payload.request, event: payload.event, rawBody: payload.rawBody });
    let eventLocation: EventPayload['eventLocation'];
    if (
      payload.event &&
      this.overflow &&
      blob.length > (this.settings.inlineEventMaxBytes ?? DEFAULT_INLINE_EVENT_MAX_BYTES)
    ) {
      eventLocation = await this.overflow.put(
        normalizedEventKey(payload.event),
        Buffer.from(JSON.stringify(payload.event)),
        'application/json',
      );
      blob = pack({ request: payload.request, rawBody: payload.rawBody });
    }
    return new PutCommand({
      TableName: this.settings.tableName,
      Item: {
        ...payloadKey(payload.eventId),
        blob,
        ...(eventLocation ? { eventLocation } : {}),
        ...(payload.quarantineReason ? { quarantineReason: payload.quarantineReason } : {}),
        raw: payload.raw,
        ...(payload.bodySha256 ? { bodySha256: payload.bodySha256 } : {}),
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
            Item: {
              ...stateKey(state.eventId),
              ...withoutDerivable(state),
              ...indexAttributes(state),
              expiresAt: this.expiresAt(now),
            },
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
    extra: TransitionExtra = {},
  ): Promise<boolean> {
    const change = transitionExpression(from, to, entry, extra);
    return this.conditionalUpdate('state update', eventId, change);
  }

  /**
   * Claims a run of the event for the consumer (its Powertools idempotency record, kept in the
   * state item: decision 0044). Succeeds when the item holds no record, another run's, an expired
   * one, or an INPROGRESS one whose lease ran out; returns false otherwise.
   */
  async claimRun(eventId: string, run: RunClaim, nowMs: number): Promise<boolean> {
    return this.conditionalUpdate('run claim', eventId, {
      names: { '#k': 'idem', '#s': 'idemStatus', '#x': 'idemExpiry', '#l': 'idemLease', '#r': 'idemResult' },
      values: {
        ':k': run.key,
        ':inprogress': 'INPROGRESS',
        ':x': run.expiry,
        ':l': run.lease ?? 0,
        ':now': Math.floor(nowMs / 1000),
        ':nowMs': nowMs,
      },
      sets: ['#k = :k', '#s = :inprogress', '#x = :x', '#l = :l'],
      removes: ['#r'],
      condition:
        'attribute_exists(PK) AND (attribute_not_exists(#k) OR #k <> :k OR #x < :now OR (#s = :inprogress AND #l < :nowMs))',
    });
  }

  /** The run record the state item holds under `key`, if that is the run it holds. */
  async readRun(eventId: string, key: string): Promise<RunRecord | undefined> {
    const result = await this.call('run read', () =>
      this.client.send(
        new GetCommand({
          TableName: this.settings.tableName,
          Key: stateKey(eventId),
          ConsistentRead: true,
          ProjectionExpression: 'idem, idemStatus, idemExpiry, idemLease, idemResult',
        }),
      ),
    );
    const item = result.Item;
    if (item?.idem !== key) return undefined;
    return {
      key,
      status: item.idemStatus as RunRecord['status'],
      expiry: item.idemExpiry as number,
      lease: (item.idemLease as number | undefined) || undefined,
      result: item.idemResult as Record<string, unknown> | undefined,
    };
  }

  /**
   * Completes the run held under `key` and, in the same write, moves the event as the run's
   * result says. Returns false when the status had been moved by someone else: the run is then
   * completed on its own, without the status change.
   */
  async completeRun(
    eventId: string,
    run: { key: string; expiry: number; result: Record<string, unknown> },
    change?: { from: readonly EventStatus[]; to: EventStatus; entry: AuditEntry },
  ): Promise<boolean> {
    const completion = {
      names: { '#k': 'idem', '#s': 'idemStatus', '#x': 'idemExpiry', '#r': 'idemResult', '#l': 'idemLease' },
      values: { ':k': run.key, ':completed': 'COMPLETED', ':x': run.expiry, ':r': run.result },
      sets: ['#s = :completed', '#x = :x', '#r = :r'],
      removes: ['#l'],
      condition: '#k = :k',
    };
    if (change) {
      const moved = transitionExpression(change.from, change.to, change.entry);
      const both = {
        names: { ...moved.names, ...completion.names },
        values: { ...moved.values, ...completion.values },
        sets: [...moved.sets, ...completion.sets],
        removes: [...moved.removes, ...completion.removes],
        condition: `${completion.condition} AND ${moved.condition}`,
      };
      if (await this.conditionalUpdate('run completion', eventId, both)) return true;
    }
    if (!(await this.conditionalUpdate('run completion', eventId, completion))) {
      throw new InfrastructureError(
        'event-store',
        `the run record of ${eventId} was taken over before it completed`,
      );
    }
    return change === undefined;
  }

  /**
   * Audits a duplicate delivery of an event (issue 19): appended to its timeline while it holds
   * fewer than {@link DUPLICATES_IN_TIMELINE}, else counted and kept as the latest. Both keep
   * every duplicate in the audit archive, which reads the counter's changes from the stream.
   */
  async recordDuplicate(eventId: string, entry: AuditEntry): Promise<void> {
    const appended = await this.conditionalUpdate('duplicate audit', eventId, {
      names: { '#audit': 'audit', '#d': 'duplicates' },
      values: { ':entry': [entry], ':one': 1, ':zero': 0, ':cap': DUPLICATES_IN_TIMELINE },
      sets: ['#audit = list_append(#audit, :entry)', '#d = if_not_exists(#d, :zero) + :one'],
      removes: [],
      condition: 'attribute_exists(PK) AND (attribute_not_exists(#d) OR #d < :cap)',
    });
    if (appended) return;
    await this.conditionalUpdate('duplicate audit', eventId, {
      names: { '#d': 'duplicates', '#l': 'lastDuplicate' },
      values: { ':entry': entry, ':one': 1, ':zero': 0 },
      sets: ['#d = if_not_exists(#d, :zero) + :one', '#l = :entry'],
      removes: [],
      condition: 'attribute_exists(PK)',
    });
  }

  /** Forgets the run held under `key` (it failed), so that the next attempt can claim it. */
  async forgetRun(eventId: string, key: string): Promise<void> {
    await this.conditionalUpdate('run release', eventId, {
      names: { '#k': 'idem' },
      values: { ':k': key },
      sets: [],
      removes: ['#k', 'idemStatus', 'idemExpiry', 'idemLease', 'idemResult'],
      condition: '#k = :k',
    });
  }

  private async conditionalUpdate(what: string, eventId: string, update: UpdateParts): Promise<boolean> {
    const clauses = [
      update.sets.length ? `SET ${update.sets.join(', ')}` : '',
      update.removes.length ? `REMOVE ${update.removes.join(', ')}` : '',
    ].filter(Boolean);
    try {
      await this.call(what, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.settings.tableName,
            Key: stateKey(eventId),
            UpdateExpression: clauses.join(' '),
            ConditionExpression: update.condition,
            ExpressionAttributeNames: update.names,
            ...(Object.keys(update.values).length ? { ExpressionAttributeValues: update.values } : {}),
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
   * Records a one-time value (Mailgun's token) for the secret that verified it, bound to the body
   * it came with. Returns false when the value was seen before with another body: a captured
   * token reused. The same body again is the provider retrying a delivery we answered 5xx, which
   * must go through (the event's own id then deduplicates it).
   */
  async recordNonce(
    provider: string,
    secretId: string,
    nonce: string,
    bodySha256: string,
    ttlSeconds: number,
    now: Date,
  ): Promise<boolean> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const key = nonceKey(provider, secretId, nonce);
    try {
      await this.call('nonce write', () =>
        this.client.send(
          new PutCommand({
            TableName: this.settings.tableName,
            Item: { ...key, bodySha256, expiresAt: nowSeconds + ttlSeconds },
            // An expired nonce may linger until TTL deletion runs: treat it as absent.
            ConditionExpression: 'attribute_not_exists(PK) OR expiresAt < :now',
            ExpressionAttributeValues: { ':now': nowSeconds },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const seen = await this.call('nonce read', () =>
        this.client.send(
          new GetCommand({ TableName: this.settings.tableName, Key: key, ConsistentRead: true }),
        ),
      );
      return seen.Item?.bodySha256 === bodySha256;
    }
  }

  /** The event that the signed bytes under this key produced first, if any. */
  async getSignedBytes(key: string): Promise<string | undefined> {
    const result = await this.call('signed-bytes read', () =>
      this.client.send(
        new GetCommand({
          TableName: this.settings.tableName,
          Key: signedBytesKey(key),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item?.eventId as string | undefined;
  }

  /**
   * Binds signed bytes to the event they produced, unless they are bound already. Returns the
   * event they are bound to: `eventId` when this call bound them, else the first one's.
   */
  async bindSignedBytes(key: string, eventId: string, now: Date): Promise<string> {
    try {
      await this.call('signed-bytes write', () =>
        this.client.send(
          new PutCommand({
            TableName: this.settings.tableName,
            Item: { ...signedBytesKey(key), eventId, expiresAt: this.expiresAt(now) },
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        ),
      );
      return eventId;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.getSignedBytes(key)) ?? eventId;
    }
  }

  /** Adds a window of rejection counts: one write per flush, however many requests were refused. */
  async addRejections(
    provider: string,
    tenant: string,
    minute: string,
    counts: Readonly<Record<string, number>>,
    bySource: Readonly<Record<string, number>>,
    now: Date,
  ): Promise<void> {
    const reasons = Object.entries(counts);
    if (reasons.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':exp': this.expiresAt(now) };
    const adds = [
      ...reasons,
      ...Object.entries(bySource).map(([key, n]) => [`${REJECTION_SOURCE_PREFIX}${key}`, n] as const),
    ].map(([name, count], i) => {
      names[`#r${i}`] = name;
      values[`:c${i}`] = count;
      return `#r${i} :c${i}`;
    });
    await this.call('rejection counter write', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: rejectionsKey(provider, tenant, minute),
          UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = :exp`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}

export interface TransitionExtra {
  readonly sends?: number;
  readonly lastError?: string;
  readonly attempts?: number;
  readonly run?: number;
  /** The pause that holds the event (only with `to` HELD). */
  readonly heldBy?: string;
  /** A pause that released the event (added to `released`). */
  readonly releasedBy?: string;
}

/** A consumer run's claim: Powertools' INPROGRESS record (key, expiry in s, lease end in ms). */
export interface RunClaim {
  readonly key: string;
  readonly expiry: number;
  readonly lease?: number;
}

export interface RunRecord extends RunClaim {
  readonly status: 'INPROGRESS' | 'COMPLETED';
  readonly result?: Record<string, unknown>;
}

interface UpdateParts {
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
  readonly sets: readonly string[];
  readonly removes: readonly string[];
  readonly condition: string;
}

/** The status change of {@link EventStore.transition}, as parts that another write can carry. */
const transitionExpression = (
  from: readonly EventStatus[],
  to: EventStatus,
  entry: AuditEntry,
  extra: TransitionExtra = {},
): UpdateParts => {
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
  if (extra.run !== undefined) {
    sets.push('#run = :run');
    names['#run'] = 'run';
    values[':run'] = extra.run;
  }
  if (to === 'HELD' && extra.heldBy !== undefined) {
    sets.push('heldBy = :heldBy');
    values[':heldBy'] = extra.heldBy;
  } else if (from.includes('HELD')) {
    removes.push('heldBy');
  }
  if (extra.releasedBy !== undefined) {
    // A list, not a string set: the document client would hand a set back as a Set, which the
    // state's JSON readers (CLI, audit archive) do not expect.
    sets.push('released = list_append(if_not_exists(released, :none), :releasedBy)');
    values[':none'] = [];
    values[':releasedBy'] = [extra.releasedBy];
  }
  from.forEach((status, i) => (values[`:from${i}`] = status));
  const condition = `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`;
  return { names, values, sets, removes, condition };
};

/**
 * S3 key of a normalized event too large for its payload item: beside the raw bodies, so that the
 * bucket's retention and the functions' `raw/*` permissions cover it as they cover them.
 */
const normalizedEventKey = (event: IntegrationEvent) =>
  `raw/${event.tenant}/${event.provider}/${event.receivedAt.slice(0, 10)}/${event.id}.event.json.gz`;

/**
 * Written once, with the state item. Of these only `attention`/`attentionAt` ever change; the
 * byReceived entry (sorted by the item's own `receivedAt`) projects nothing that a status change
 * writes, so no update rewrites it.
 */
const indexAttributes = (state: EventState) => ({
  entityKey: entityIndexKey(state.tenant, state.provider, state.entityKind, state.entityId),
  entitySort: `${state.occurredAt}#${state.eventId}`,
  receivedDay: receivedDayKey(state.receivedAt.slice(0, 10), receivedShardOf(state.eventId)),
  ...(ATTENTION_STATUSES.has(state.status) ? { attention: state.status, attentionAt: state.statusAt } : {}),
});

/**
 * What the state item does not store because its other attributes give it: every update of the
 * item is billed for its whole size, and the architecture keeps it at or under 1 KB, so bytes
 * that repeat others are paid for on each write. The event id is its key's; a provider type that
 * is the type itself (Stripe's `invoice.paid`, every producer's domain event) is written once;
 * the first secret, index 0, is what an absent index means (the `accepted` entry names the secret
 * either way).
 */
const withoutDerivable = ({
  idempotencyKey: _key,
  groupId: _group,
  eventId: _id,
  providerType,
  secretIndex,
  ...stored
}: EventState) => ({
  ...stored,
  ...(providerType === stored.type ? {} : { providerType }),
  ...(secretIndex === 0 ? {} : { secretIndex }),
});

/** What a state item holds: an item written before decision 0060 keeps its own of the rest. */
type StoredState = Omit<
  EventState,
  'idempotencyKey' | 'groupId' | 'eventId' | 'providerType' | 'secretIndex'
> &
  Partial<EventState>;

/** The attributes {@link withoutDerivable} left out, from the ones kept and the item's key. */
const derived = (state: StoredState, keyEventId: string): EventState => {
  const eventId = state.eventId ?? keyEventId;
  const providerType = state.providerType ?? state.type;
  return {
    ...state,
    eventId,
    providerType,
    secretIndex: state.secretIndex ?? 0,
    idempotencyKey:
      state.idempotencyKey ?? idempotencyKeyOf(state.tenant, state.provider, providerType, state.externalId),
    groupId:
      state.groupId ??
      groupIdOf(
        state.tenant,
        state.provider,
        state.entityKind === 'event' ? undefined : { kind: state.entityKind, id: state.entityId },
        eventId,
      ),
  };
};

/** A stored state item without the table and index attributes written beside the state ({@link indexAttributes}). */
export const stateOf = (item: Record<string, unknown>): EventState => {
  const {
    PK: _pk,
    SK: _sk,
    entityKey: _ek,
    entitySort: _es,
    receivedDay: _rd,
    attention: _a,
    attentionAt: _aa,
    expiresAt: _x,
    idem: _ik,
    idemStatus: _is,
    idemExpiry: _ix,
    idemLease: _il,
    idemResult: _ir,
    ...state
  } = item;
  return derived(state as unknown as StoredState, eventIdOfPk(item.PK) ?? '');
};
