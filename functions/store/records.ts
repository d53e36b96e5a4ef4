import { createHash } from 'node:crypto';

/**
 * Event lifecycle. RECEIVED → PROCESSED at best: a single event stays RECEIVED until the
 * consumer completes it, a batch's elements go through QUEUED once sent, and replays and
 * re-opens mark QUEUED too (decision 0045). QUARANTINED when the normalizer cannot read a
 * verified body, or when the consumer finds the event too deep in a chain of workflow emissions
 * (a cycle); RETRYING / DEAD_LETTERED / STALE from the consumer; COMPENSATED or
 * COMPENSATION_FAILED when a workflow's step failed for good and its completed steps were (or
 * could not all be) undone (decision 0049). HELD while a pause or a disabled target holds it, until
 * a resume releases it (decision 0053). PROCESSING is read but not written: the consumer's
 * claim is its run record (decision 0044), not a status.
 */
export type EventStatus =
  | 'RECEIVED'
  | 'QUARANTINED'
  | 'QUEUED'
  | 'PROCESSING'
  | 'RETRYING'
  | 'PROCESSED'
  | 'DEAD_LETTERED'
  | 'STALE'
  | 'COMPENSATED'
  | 'COMPENSATION_FAILED'
  | 'HELD';

/**
 * Statuses an operator looks for. Only these are written to the sparse status index, so the
 * happy path (RECEIVED, QUEUED, PROCESSING, PROCESSED) pays for no index write on each
 * transition. RECEIVED lasts until the consumer takes the event; indexing it would cost two
 * index writes per event (in, then out), and a provider retry completes a stuck one anyway.
 */
export const ATTENTION_STATUSES: ReadonlySet<EventStatus> = new Set([
  'QUARANTINED',
  'RETRYING',
  'DEAD_LETTERED',
  'STALE',
  'COMPENSATED',
  'COMPENSATION_FAILED',
  'HELD',
]);

/**
 * Statuses the consumer treats as final: it drops a message whose event is in one of them as a
 * duplicate. A replay of such an event first takes it out of them (to RECEIVED), so that the
 * re-sent message is never dropped unseen, and runs it under a new run key: a COMPENSATED
 * workflow starts again from its first step. COMPENSATION_FAILED is not final: its replay
 * resumes the compensation under the same run key, whose records say what is left to undo.
 */
export const FINAL_STATUSES: ReadonlySet<EventStatus> = new Set(['PROCESSED', 'STALE', 'COMPENSATED']);

export type AuditActor = 'ingest' | 'consumer' | 'replay' | 'operator';

/** One line of an event's story. Appended in the same write as the status change it records. */
export interface AuditEntry {
  readonly at: string;
  readonly action: string;
  readonly by: AuditActor;
  readonly status?: EventStatus;
  readonly detail?: string;
  readonly correlationId?: string;
}

/** Where the exact bytes received are kept. */
export type RawLocation =
  | { readonly kind: 'inline' }
  | { readonly kind: 'item'; readonly pk: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string };

/**
 * The small, mutable item of an event: status, keys for the lookups, and the audit timeline.
 * Kept well under 1 KB because every update is billed for the whole item.
 */
export interface EventState {
  readonly eventId: string;
  readonly idempotencyKey: string;
  readonly tenant: string;
  readonly provider: string;
  readonly type: string;
  readonly providerType: string;
  readonly externalId: string;
  readonly entityKind: string;
  readonly entityId: string;
  /** SQS MessageGroupId: tenant + provider + entity, else the event id. */
  readonly groupId: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly correlationId: string;
  readonly status: EventStatus;
  readonly statusAt: string;
  /** Which active secret verified the event (rotation tracking). */
  readonly secretIndex: number;
  /** How many times the event was sent to the main queue; replays use it for fresh dedup ids. */
  readonly sends: number;
  /**
   * The forced run a replay recorded before sending it (claim-check.ts): the consumer runs a
   * message's `run` only when it matches this, since anyone who can send to the queue can write one.
   */
  readonly run?: number;
  /** Attempts the consumer made at this event since it was last (re)queued. */
  readonly attempts?: number;
  /** The event whose workflow step emitted this one (IntegrationEvent `causationId`). */
  readonly causationId?: string;
  /** Its depth in a chain of workflow emissions (IntegrationEvent `depth`); absent is 0. */
  readonly depth?: number;
  readonly lastError?: string;
  /** The pause that holds the event (status HELD), as `<scope>#<id>` (decision 0053). */
  readonly heldBy?: string;
  /** Pauses that released the event: its entry in their hold lists no longer holds it back. */
  readonly released?: readonly string[];
  readonly audit: readonly AuditEntry[];
  /**
   * Deliveries of the event after the first. The timeline holds the first
   * {@link DUPLICATES_IN_TIMELINE} of them; the audit archive holds every one.
   */
  readonly duplicates?: number;
  /** The latest duplicate delivery, kept once the timeline takes no more of them. */
  readonly lastDuplicate?: AuditEntry;
}

/**
 * Duplicate deliveries written into an event's own timeline. Past them only a counter and the
 * latest one are kept: a provider retrying for days, or a flood of captured deliveries, must not
 * grow the state item, which is billed whole on every update.
 */
export const DUPLICATES_IN_TIMELINE = 3;

/** The request as received, minus credentials: enough to verify or normalize it again. */
export interface StoredRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly rawQueryString: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly sourceIp: string;
}

export const stateKey = (eventId: string) => ({ PK: `EVT#${eventId}`, SK: 'STATE' });
/** The event id an event item's partition key names (`EVT#<id>`). */
export const eventIdOfPk = (pk: unknown): string | undefined =>
  typeof pk === 'string' && pk.startsWith('EVT#') ? pk.slice(4) : undefined;
export const payloadKey = (eventId: string) => ({ PK: `EVT#${eventId}`, SK: 'PAYLOAD' });
export const rawKey = (sha256: string) => ({ PK: `RAW#${sha256}`, SK: 'RAW' });
/** A one-time value, scoped by the secret that verified it (not the tenant: tenants may share one). */
export const nonceKey = (provider: string, secretId: string, nonce: string) => ({
  PK: `NONCE#${provider}#${secretId}#${sha256Hex(nonce)}`,
  SK: 'NONCE',
});
/** Signed bytes seen before (decision in docs/decisions/0040-signed-bytes-cache.md). */
export const signedBytesKey = (key: string) => ({ PK: `SIG#${key}`, SK: 'SIG' });

/**
 * A stable, non-reversible name for one secret: keys nonces and the signed-bytes cache by the
 * secret that verified a delivery, so that a capture replayed at another tenant sharing that
 * secret is recognised. Salted so that it is not the bare digest of the secret.
 */
export const secretIdOf = (secret: string): string => sha256Hex(`relayflow:secret-id:${secret}`).slice(0, 24);
/**
 * A rejection counter item holds one number per reason, and one per `<prefix><source IP>|<reason>`
 * (at most SOURCES_PER_MINUTE sources a container's minute, the rest under `other`).
 */
export const REJECTION_SOURCE_PREFIX = 'src|';
export const rejectionsKey = (provider: string, tenant: string, minute: string) => ({
  PK: `REJECTS#${provider}#${tenant}`,
  SK: minute,
});
export const entityIndexKey = (tenant: string, provider: string, kind: string, id: string) =>
  `ENT#${tenant}#${provider}#${kind}#${id}`;

/**
 * Partitions of one day in the byReceived index (decision 0043). One key per day would take
 * every event's index write: a partition accepts 1,000 writes a second, and a sort key that only
 * grows gives DynamoDB nothing to split on, so 10,000 events a second need more than ten.
 * Readers query every shard of a day; changing the count means reading both counts until the
 * events written under the old one have expired.
 */
export const RECEIVED_SHARDS = 16;

/** The byReceived partition of events received on `day` (YYYY-MM-DD, UTC) in one shard. */
export const receivedDayKey = (day: string, shard: number) => `RECV#${day}#${shard}`;

/** An event's shard: from a digest of its id, so that shards fill evenly whatever the id's shape. */
export const receivedShardOf = (eventId: string): number =>
  Number.parseInt(sha256Hex(eventId).slice(0, 8), 16) % RECEIVED_SHARDS;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The idempotency key of decision 3: tenant + provider + provider type + external id. */
export const idempotencyKeyOf = (
  tenant: string,
  provider: string,
  providerType: string,
  externalId: string,
) =>
  // `%` first, so that `a#b` (→ a%23b) and a literal `a%23b` (→ a%2523b) stay distinct.
  [tenant, provider, providerType, externalId]
    .map((part) => part.replaceAll('%', '%25').replaceAll('#', '%23'))
    .join('#');

/** Our event id: a digest of the idempotency key, so every delivery of one event gets one id. */
export const eventIdOf = (idempotencyKey: string): string => `ev_${sha256Hex(idempotencyKey).slice(0, 32)}`;

/** Characters SQS accepts in a MessageGroupId (alphanumerics and punctuation), at most 128. */
const GROUP_ID = /^[\x21-\x7e]{1,128}$/;

/** MessageGroupId of decision 6, readable when it can be, hashed when the entity id is exotic. */
export const groupIdOf = (
  tenant: string,
  provider: string,
  entity: { kind: string; id: string } | undefined,
  eventId: string,
) => {
  if (!entity) return eventId;
  const readable = `${tenant}#${provider}#${entity.kind}:${entity.id}`;
  return GROUP_ID.test(readable) ? readable : `${tenant}#${provider}#${sha256Hex(readable).slice(0, 40)}`;
};
