import { SPEC_VERSION, type Entity, type IntegrationEvent } from '#shared/contract/integration-event';
import { mapLimit } from '#shared/concurrency/map-limit';
import { ItemTooLargeError } from '#shared/errors';
import { nestsDeeperThan } from '#shared/json/depth';
import type { DomainEventOrigin } from '#shared/producer/contract';
import { INTERNAL_PROVIDER_ID, ORIGIN_HEADER, originText } from '#shared/producer/origin';
import { readIdPath } from '#shared/json/path';
import type {
  EventDraft,
  NormalizedItem,
  Provider,
  ProviderOptions,
  RejectReason,
  VerifyResult,
  WebhookRequest,
} from '#shared/providers/types';
import type { EventPayload, EventStore } from '#shared/store/event-store';
import { maskSignatureHeaders } from '#shared/store/masking';
import type { RawBodies } from '#shared/store/raw-bodies';
import { rawBodyKey } from '#shared/store/raw-bodies';
import {
  eventIdOf,
  groupIdOf,
  idempotencyKeyOf,
  secretIdOf,
  sha256Hex,
  type AuditEntry,
  type EventState,
  type RawLocation,
  type StoredRequest,
} from '#shared/store/records';
import { deduplicationIdOf, type Enqueue, type EventQueue } from '#shared/queue/event-queue';
import { gzipSync } from 'node:zlib';

/** Everything the ingest needs from outside, passed in so that tests can use real or fake parts. */
export interface IngestDependencies {
  readonly store: EventStore;
  /**
   * Compares an event's data with the known shape of its (provider, type); returns an audit
   * entry when a field appeared, went missing or changed type (functions/drift).
   */
  readonly detectDrift?: (
    provider: string,
    type: string,
    data: unknown,
    eventId: string,
  ) => Promise<{ audit: AuditEntry } | undefined>;
  readonly rawBodies: RawBodies;
  readonly queue: EventQueue;
  /** Active secrets for a tenant, newest first. */
  readonly secretsFor: (tenant: string) => Promise<readonly string[]>;
  readonly now: () => Date;
  /**
   * Milliseconds before the caller must have answered (the Lambda's remaining time). A large
   * batch stops starting new work when less than `settings.answerReserveMs` is left and answers
   * 503, so that the provider retries what was not reached instead of timing out on all of it.
   */
  readonly timeLeftMs?: () => number;
}

export interface IngestSettings {
  readonly tenants: ReadonlySet<string>;
  readonly maxBodyBytes: number;
  /** Compressed bodies above this go to S3. */
  readonly inlineBodyMaxBytes: number;
  /**
   * How long a RECEIVED event is presumed to be in the hands of the delivery that created it. A
   * batch's element found RECEIVED before this is left to that delivery (503); a single event is
   * sent again either way, and this only decides whether the answer says `requeued` (decision 0045).
   */
  readonly ingestLeaseSeconds: number;
  /** Entity extraction override from the configuration: a dot path into `data`. */
  readonly entityOverride?: { readonly kind: string; readonly path: string };
  /**
   * Time kept in hand to answer once a batch stops early. A new chunk starts only when this plus
   * 1.5 × the slowest chunk so far is left. @default 1500
   */
  readonly answerReserveMs?: number;
}

export interface IngestInput {
  readonly tenant: string | undefined;
  readonly request: WebhookRequest;
  readonly correlationId: string;
  /** When the request arrived: the instant its correlation id carries. @default deps.now() */
  readonly receivedAt?: Date;
  /**
   * A record a reconciliation run read from the provider's authenticated API (ARCHITECTURE 20):
   * no signature to check and no secret to read; everything else is a webhook's path, so a late
   * original is a plain duplicate. Never set from an HTTP request.
   */
  readonly recovered?: { readonly runId: string };
}

/**
 * What became of one item. `in-progress`: an item of a batch RECEIVED under another delivery's lease; `deferred`:
 * not reached before the answer was due. Both leave the work to the provider's retry.
 */
export type ItemOutcome =
  'accepted' | 'quarantined' | 'duplicate' | 'requeued' | 'reopened' | 'in-progress' | 'deferred';

/** What every item of a delivery became, and the correlation id the answer names. */
interface Delivered {
  readonly correlationId: string;
  readonly secretIndex: number;
  readonly items: readonly {
    readonly eventId: string;
    readonly outcome: ItemOutcome;
    readonly type?: string;
  }[];
}

export type IngestResult =
  | {
      readonly kind: 'rejected';
      readonly status: 401 | 404 | 405 | 413;
      readonly reason: RejectReason | 'unknown-tenant' | 'method' | 'too-large';
      readonly message: string;
    }
  | { readonly kind: 'no-secrets'; readonly tenant: string }
  /** 202 when anything was new, 200 when every item was already known (decision 4). */
  | ({ readonly kind: 'ingested'; readonly status: 200 | 202 } & Delivered)
  /**
   * An item is still RECEIVED under another delivery's lease, or was not reached before the
   * answer was due: nothing queued it yet, so the provider must keep retrying until a retry
   * completes it.
   */
  | ({ readonly kind: 'unfinished' } & Delivered);

/** What the handler answers: the ingest's result, or the failure that kept it from having one. */
export type IngestOutcome =
  | IngestResult
  /** Our own storage, queue or secrets failed (InfrastructureError): the provider retries. */
  | { readonly kind: 'unavailable'; readonly dependency: string; readonly error: unknown }
  | { readonly kind: 'failed'; readonly error: unknown };

/** Items named one by one in a log line or an answer; larger batches are counted by outcome. */
export const LISTED_ITEMS = 100;

/**
 * A 10,000-element batch would make a log line of 700 KB (CloudWatch cuts events at 256 KB) and
 * an answer as large: beyond a few items, both carry counts by outcome instead of the items.
 */
export const summarize = (items: Delivered['items']) => {
  const outcomes: Record<string, number> = {};
  for (const item of items) outcomes[item.outcome] = (outcomes[item.outcome] ?? 0) + 1;
  return { outcomes, listed: items.length <= LISTED_ITEMS ? items : undefined };
};

const NEW_OUTCOMES: ReadonlySet<ItemOutcome> = new Set(['accepted', 'quarantined', 'requeued', 'reopened']);
const UNFINISHED_OUTCOMES: ReadonlySet<ItemOutcome> = new Set(['in-progress', 'deferred']);

/** Headers that carry credentials: never stored. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** Elements of a batch body written side by side; bounded so one request cannot flood the table. */
const PARALLEL_WRITES = 16;
/** A batch is stored, enqueued and marked QUEUED this many elements at a time. */
const CHUNK = 100;
const DEFAULT_ANSWER_RESERVE_MS = 1500;

/** A recovered record was authenticated by the provider's API: no secret verified it (as the internal provider's). */
const RECOVERED_VERDICT: VerifyResult = { ok: true, secretIndex: 0, signature: Buffer.alloc(0) };

/**
 * Verifies, stores and enqueues one webhook request (ARCHITECTURE decisions 1–5). Throws
 * InfrastructureError when our own storage or queue fails, so that the caller answers 5xx.
 */
export const ingestWebhook = async <Options extends ProviderOptions>(
  deps: IngestDependencies,
  settings: IngestSettings,
  provider: Provider<Options>,
  options: Options,
  input: IngestInput,
): Promise<IngestResult> => {
  const { request } = input;
  const tenant = input.tenant ?? 'default';
  if (request.method !== 'POST') {
    return { kind: 'rejected', status: 405, reason: 'method', message: 'Only POST is accepted.' };
  }
  if (!settings.tenants.has(tenant)) {
    return { kind: 'rejected', status: 404, reason: 'unknown-tenant', message: 'Unknown tenant.' };
  }
  if (request.body.length > settings.maxBodyBytes) {
    return {
      kind: 'rejected',
      status: 413,
      reason: 'too-large',
      message: `Body exceeds ${settings.maxBodyBytes} bytes.`,
    };
  }
  const now = input.receivedAt ?? deps.now();
  const secrets = input.recovered ? [] : await deps.secretsFor(tenant);
  if (!input.recovered && secrets.length === 0) return { kind: 'no-secrets', tenant };
  const verdict = input.recovered
    ? RECOVERED_VERDICT
    : await provider.verify({ request, secrets, now, options });
  if (!verdict.ok) return { kind: 'rejected', status: 401, reason: verdict.reason, message: verdict.detail };
  const secretId = secretIdOf(secrets[verdict.secretIndex] ?? '');
  const bodySha = sha256Hex(request.body);
  if (verdict.nonce) {
    const fresh = await deps.store.recordNonce(
      provider.id,
      secretId,
      verdict.nonce.value,
      bodySha,
      verdict.nonce.ttlSeconds,
      now,
    );
    if (!fresh)
      return { kind: 'rejected', status: 401, reason: 'replayed', message: 'This request was seen before.' };
  }

  const items = provider.normalize(request, options).map(boundItem);
  for (const item of items) {
    const problem = item.kind === 'event' ? provider.checkTenant?.(item.draft, tenant, options) : undefined;
    if (problem) return { kind: 'rejected', status: 401, reason: 'tenant-mismatch', message: problem };
  }
  const context: ItemContext = {
    deps,
    settings,
    provider: provider.id,
    tenant,
    correlationId: input.correlationId,
    secretIndex: verdict.secretIndex,
    recovered: input.recovered,
    now,
    storedRequest: storedRequestOf(request, provider.signatureHeaders(options)),
    bodySha,
    // Where ids or types come from unsigned headers, the signed bytes decide which event this is.
    signedBytes:
      items.length === 1 && !input.recovered && provider.identityFromUnsignedHeaders(options)
        ? sha256Hex(
            Buffer.concat([Buffer.from(`${secretId}:`), verdict.signature, Buffer.from(`:${bodySha}`)]),
          ).slice(0, 40)
        : undefined,
    raw: undefined,
  };
  const outcomes = await ingestItems(context, request, items);
  const delivered: Delivered = {
    correlationId:
      outcomes.length === 1 && outcomes[0]?.outcome === 'duplicate'
        ? outcomes[0].correlationId
        : input.correlationId,
    secretIndex: verdict.secretIndex,
    items: outcomes.map(({ eventId, outcome, type }) => ({ eventId, outcome, type })),
  };
  const result: IngestResult = outcomes.some((o) => UNFINISHED_OUTCOMES.has(o.outcome))
    ? { kind: 'unfinished', ...delivered }
    : {
        kind: 'ingested',
        status: outcomes.some((o) => NEW_OUTCOMES.has(o.outcome)) ? 202 : 200,
        ...delivered,
      };
  await auditDuplicates(context, outcomes, result.kind === 'ingested' ? result.status : 503);
  return result;
};

/** Outcomes that mean this delivery brought nothing new for an event we already hold. */
const DUPLICATE_OUTCOMES: ReadonlySet<ItemOutcome> = new Set(['duplicate', 'requeued', 'in-progress']);

/**
 * Writes each duplicate delivery into its event's timeline (action `duplicate`, "answered 200"),
 * the record that settles "the provider says it sent it twice". A failed write is not a reason
 * to answer 5xx: the provider would only send the duplicate again. The detail names the outcome
 * only where it says more than the action: the entry is written into a state item kept under
 * 1 KB (decision 0060).
 */
const auditDuplicates = async (ctx: ItemContext, outcomes: readonly ItemResult[], answered: number) => {
  const duplicates = outcomes.filter((o) => DUPLICATE_OUTCOMES.has(o.outcome));
  await Promise.allSettled(
    duplicates.map((o) =>
      ctx.deps.store.recordDuplicate(
        o.eventId,
        audit(
          ctx,
          'duplicate',
          `${o.outcome === 'duplicate' ? '' : `${o.outcome}, `}answered ${answered}`,
          o.correlationId,
        ),
      ),
    ),
  );
};

/** Deeper than this, an event cannot be serialized safely (and no provider nests so deep). */
const MAX_DATA_DEPTH = 256;
/** Ids, types and entity names longer than this are not a provider's: they would bloat every state write. */
const MAX_NAME_LENGTH = 256;

/**
 * A verified payload that cannot be stored safely (nested absurdly deep, or with ids no provider
 * issues) is quarantined, never answered 5xx forever.
 */
const boundItem = (item: NormalizedItem): NormalizedItem => {
  if (item.kind !== 'event') return item;
  const { draft } = item;
  const unreadable = (reason: string): NormalizedItem => ({
    kind: 'unreadable',
    ...(draft.externalId.length <= MAX_NAME_LENGTH ? { externalId: draft.externalId } : {}),
    ...(draft.providerType.length <= MAX_NAME_LENGTH ? { providerType: draft.providerType } : {}),
    reason,
  });
  if (nestsDeeperThan(draft.data, MAX_DATA_DEPTH))
    return unreadable(`the payload nests deeper than ${MAX_DATA_DEPTH} levels`);
  const names = [
    draft.externalId,
    draft.providerType,
    draft.type,
    draft.entity?.kind ?? '',
    draft.entity?.id ?? '',
  ];
  if (names.some((name) => name.length > MAX_NAME_LENGTH)) {
    return unreadable(`an id, type or entity of the payload is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return item;
};

interface ItemContext {
  readonly deps: IngestDependencies;
  readonly settings: IngestSettings;
  readonly provider: string;
  readonly tenant: string;
  readonly correlationId: string;
  readonly secretIndex: number;
  readonly recovered: IngestInput['recovered'];
  readonly now: Date;
  readonly storedRequest: StoredRequest;
  readonly bodySha: string;
  /** The signed-bytes cache key, for providers whose identity is read from unsigned headers. */
  readonly signedBytes: string | undefined;
  /** Where the request's body was stored, once, for all its events. */
  raw: Promise<{ location: RawLocation; inlineBody?: Buffer }> | undefined;
}

const storedRequestOf = (request: WebhookRequest, signatureHeaders: readonly string[]): StoredRequest => ({
  method: request.method,
  url: request.url,
  path: request.path,
  rawQueryString: request.rawQueryString,
  headers: maskSignatureHeaders(
    Object.fromEntries(Object.entries(request.headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name))),
    signatureHeaders,
  ),
  sourceIp: request.sourceIp,
});

/**
 * Decides where the exact bytes go: inline in the payload item for a single-event request,
 * a shared raw item for a batch (stored once), S3 when the compressed body is too large.
 */
const storeRaw = (ctx: ItemContext, request: WebhookRequest, batchSize: number) => {
  ctx.raw ??= (async () => {
    // Gzip adds a few bytes per 16 KB at worst, so a body of half the limit cannot compress past
    // it: only a larger one is compressed to find out (the payload item compresses it anyway).
    const inline =
      request.body.length * 2 <= ctx.settings.inlineBodyMaxBytes ||
      gzipSync(request.body).length <= ctx.settings.inlineBodyMaxBytes;
    if (!inline) {
      const key = rawBodyKey(ctx.tenant, ctx.provider, ctx.now, ctx.bodySha);
      const location = await ctx.deps.rawBodies.put(key, request.body, request.headers['content-type']);
      return { location: { kind: 's3' as const, ...location } };
    }
    if (batchSize > 1) {
      const pk = await ctx.deps.store.putRawItem(ctx.bodySha, request.body, { kind: 'inline' }, ctx.now);
      return { location: { kind: 'item' as const, pk } };
    }
    return { location: { kind: 'inline' as const }, inlineBody: request.body };
  })();
  // A failed upload must not be remembered: the next chunk (or retry) tries again.
  ctx.raw.catch(() => (ctx.raw = undefined));
  return ctx.raw;
};

/**
 * An audit entry of this delivery. It names the delivery's correlation id only when that differs
 * from the event's own (a provider retry, a re-open): the state item is billed per KB on every
 * update, so the timeline carries nothing it already has.
 */
const audit = (
  ctx: ItemContext,
  action: string,
  detail?: string,
  eventCorrelationId = ctx.correlationId,
): AuditEntry => ({
  at: ctx.now.toISOString(),
  action,
  by: 'ingest',
  ...(eventCorrelationId !== ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
  ...(detail ? { detail } : {}),
});

interface ItemResult {
  readonly eventId: string;
  readonly outcome: ItemOutcome;
  readonly correlationId: string;
  readonly type?: string;
}

interface Identity {
  readonly providerType: string;
  readonly externalId: string;
  readonly idempotencyKey: string;
  readonly eventId: string;
}

/**
 * Ingests every item of a request: one batched read finds the known ones, the new ones are
 * written a chunk at a time with bounded parallelism, each chunk enqueued (in order per message
 * group) and marked QUEUED before the next starts, so that stopping early never leaves a chunk
 * half done.
 */
const ingestItems = async (
  ctx: ItemContext,
  request: WebhookRequest,
  items: readonly NormalizedItem[],
): Promise<ItemResult[]> => {
  const identities = items.map((item, index) => identityOf(ctx, item, index));
  const first = identities[0];
  if (ctx.signedBytes && first) {
    const bound = await ctx.deps.store.getSignedBytes(ctx.signedBytes);
    if (bound !== undefined && bound !== first.eventId) return [await deliveryOfBound(ctx, bound)];
  }
  const known = await ctx.deps.store.getStates(identities.map((identity) => identity.eventId));
  const results: (ItemResult | undefined)[] = new Array<ItemResult | undefined>(items.length);
  const fresh: number[] = [];
  // In order: a known item rarely needs I/O, and when it does (a re-send) its group's order counts.
  for (const [index, item] of items.entries()) {
    const state = known.get(identities[index]?.eventId ?? '');
    if (state) results[index] = await handleKnown(ctx, state, item, request, items.length);
    else fresh.push(index);
  }

  // The slowest chunk so far: under load one chunk can take longer than the fixed reserve, and a
  // chunk cut off by the timeout leaves its items RECEIVED under the lease instead of deferred.
  let slowestChunkMs = 0;
  for (let start = 0; start < fresh.length; start += CHUNK) {
    const chunk = fresh.slice(start, start + CHUNK);
    const leftAtStart = ctx.deps.timeLeftMs?.();
    // Enough for one more chunk as slow as the slowest (with half again for variance), then the answer.
    const reserve = (ctx.settings.answerReserveMs ?? DEFAULT_ANSWER_RESERVE_MS) + 1.5 * slowestChunkMs;
    if (start > 0 && leftAtStart !== undefined && leftAtStart < reserve) {
      for (const index of fresh.slice(start)) results[index] = deferred(identities[index]);
      break;
    }
    const created = await mapLimit(chunk, PARALLEL_WRITES, (index) =>
      createItem(ctx, request, items[index] as NormalizedItem, identities[index] as Identity, items.length),
    );
    const toQueue = created.flatMap((result) => ('state' in result ? [result.state] : []));
    await ctx.deps.queue.sendMany(toQueue.map((state) => messageOf(state, 1)));
    // A single event is not marked QUEUED (decision 0045): a retry that finds it RECEIVED sends
    // it again, and the queue's deduplication or the consumer drops the copy. A batch's elements
    // are, so that an overlapping batch can tell a sent element from one still being written.
    if (items.length > 1) {
      await mapLimit(toQueue, PARALLEL_WRITES, (state) =>
        ctx.deps.store.transition(state.eventId, ['RECEIVED'], 'QUEUED', {
          ...audit(ctx, 'enqueued', undefined, state.correlationId),
          status: 'QUEUED',
        }),
      );
    }
    const leftAtEnd = ctx.deps.timeLeftMs?.();
    if (leftAtStart !== undefined && leftAtEnd !== undefined)
      slowestChunkMs = Math.max(slowestChunkMs, leftAtStart - leftAtEnd);
    chunk.forEach((index, i) => {
      const result = created[i];
      results[index] =
        result && 'state' in result
          ? {
              eventId: result.state.eventId,
              outcome: 'accepted',
              correlationId: result.state.correlationId,
              type: result.state.type,
            }
          : result;
    });
  }
  return results.map((result, index) => result ?? deferred(identities[index]));
};

const deferred = (identity: Identity | undefined): ItemResult => ({
  eventId: identity?.eventId ?? '',
  outcome: 'deferred',
  correlationId: '',
});

/**
 * Stores a new item: (for header-identified providers) the signed-bytes binding first, so that
 * a capture racing the original writes nothing, then the payload, then the state. Returns the RECEIVED state to enqueue, or the item's result when it is
 * quarantined or another delivery got there first.
 */
const createItem = async (
  ctx: ItemContext,
  request: WebhookRequest,
  item: NormalizedItem,
  identity: Identity,
  batchSize: number,
): Promise<{ state: EventState } | ItemResult> => {
  const { eventId } = identity;
  if (ctx.signedBytes) {
    const bound = await ctx.deps.store.bindSignedBytes(ctx.signedBytes, eventId, ctx.now);
    if (bound !== eventId) return deliveryOfBound(ctx, bound);
  }
  const raw = await storeRaw(ctx, request, batchSize);
  let event =
    item.kind === 'event' ? buildEvent(ctx, eventId, identity.idempotencyKey, item.draft) : undefined;
  let quarantineReason = item.kind === 'unreadable' ? item.reason : undefined;
  const payload = (): EventPayload => ({
    eventId,
    event,
    quarantineReason,
    request: ctx.storedRequest,
    raw: raw.location,
    rawBody: raw.inlineBody,
    bodySha256: ctx.bodySha,
  });
  let correlationId = ctx.correlationId;
  let receivedAt = ctx.now.toISOString();
  let stored: boolean;
  try {
    stored = await ctx.deps.store.putPayloadIfAbsent(payload(), ctx.now);
  } catch (error) {
    if (!(error instanceof ItemTooLargeError)) throw error;
    // Permanent: the same write would fail on every retry. Keep the raw bytes, quarantine.
    quarantineReason = 'the normalized event is too large to store (over 400 KB in the event table)';
    event = undefined;
    stored = await ctx.deps.store.putPayloadIfAbsent(payload(), ctx.now);
  }
  if (!stored) {
    // An earlier delivery stored the payload and then failed before the state: finish its work
    // under its correlation id, so that one event never has two.
    const earlier = await ctx.deps.store.getPayload(eventId);
    if (earlier?.event) ({ correlationId, receivedAt } = earlier.event);
  }

  const quarantined = quarantineReason !== undefined;
  const drift = event
    ? await ctx.deps.detectDrift?.(ctx.provider, event.type, event.data, eventId)
    : undefined;
  const state: EventState = {
    eventId,
    idempotencyKey: identity.idempotencyKey,
    tenant: ctx.tenant,
    provider: ctx.provider,
    type: event?.type ?? `${ctx.provider}.${identity.providerType}`,
    providerType: identity.providerType,
    externalId: identity.externalId,
    entityKind: event?.entity.kind ?? 'event',
    entityId: event?.entity.id ?? eventId,
    // On the state too, so that the consumer's cycle guard needs no payload read.
    ...(event?.causationId === undefined ? {} : { causationId: event.causationId }),
    ...(event?.depth === undefined ? {} : { depth: event.depth }),
    groupId: groupIdOf(
      ctx.tenant,
      ctx.provider,
      event && event.entity.kind !== 'event' ? event.entity : undefined,
      eventId,
    ),
    occurredAt: event?.occurredAt ?? receivedAt,
    receivedAt,
    correlationId,
    status: quarantined ? 'QUARANTINED' : 'RECEIVED',
    statusAt: ctx.now.toISOString(),
    secretIndex: ctx.secretIndex,
    sends: quarantined ? 0 : 1,
    audit: [
      quarantined
        ? { ...audit(ctx, 'quarantined', quarantineReason, correlationId), status: 'QUARANTINED' }
        : { ...audit(ctx, 'accepted', acceptedDetail(ctx), correlationId), status: 'RECEIVED' },
      ...(drift ? [drift.audit] : []),
    ],
  };
  if (!(await ctx.deps.store.createState(state, ctx.now))) {
    const winner = await ctx.deps.store.getState(eventId);
    if (winner) return handleKnown(ctx, winner, item, request, batchSize);
  }
  if (quarantined) return { eventId, outcome: 'quarantined', correlationId, type: state.type };
  return { state };
};

const messageOf = (state: EventState, send: number): Enqueue => ({
  claim: { v: 1, eventId: state.eventId, correlationId: state.correlationId },
  groupId: state.groupId,
  deduplicationId: deduplicationIdOf(state.eventId, send),
  attributes: { tenant: state.tenant, provider: state.provider, type: state.type },
});

/**
 * A delivery whose signed bytes first produced another event than its headers now name: a
 * captured delivery sent again with fresh id or type headers, or the provider's own resend of
 * that event. Either way it is a delivery of the first event, and its headers are not trusted
 * to make it readable or to name another one.
 */
const deliveryOfBound = async (ctx: ItemContext, boundEventId: string): Promise<ItemResult> => {
  const state = await ctx.deps.store.getState(boundEventId);
  // The first delivery died between binding and state: its own retry completes it.
  if (!state) return { eventId: boundEventId, outcome: 'in-progress', correlationId: ctx.correlationId };
  return handleKnown(ctx, state, undefined, undefined, 1);
};

/**
 * A delivery of an event we already hold (decision 5). `item` and `request` are absent when the
 * delivery's own headers are not to be trusted (see deliveryOfBound).
 */
const handleKnown = async (
  ctx: ItemContext,
  state: EventState,
  item: NormalizedItem | undefined,
  request: WebhookRequest | undefined,
  batchSize: number,
): Promise<ItemResult> => {
  const known = { eventId: state.eventId, correlationId: state.correlationId, type: state.type };
  switch (state.status) {
    case 'RECEIVED': {
      const age = (ctx.now.getTime() - Date.parse(state.statusAt)) / 1000;
      const leased = age < ctx.settings.ingestLeaseSeconds;
      // A batch's elements are marked QUEUED once sent, so one still RECEIVED under the lease is
      // being written: sending it from here could put it ahead of an earlier element of its entity.
      if (leased && batchSize > 1) return { ...known, outcome: 'in-progress' };
      // A single event stays RECEIVED once sent (decision 0045): nothing in the store tells a
      // sent one from one whose delivery died first. Sending again settles it either way: within
      // the queue's five-minute deduplication window the copy is dropped by its id; after it, the
      // consumer finds the event final or its run completed.
      await ctx.deps.queue.send(messageOf(state, state.sends));
      // Past the lease the first delivery has surely ended, so this send may be the one that queued it.
      return { ...known, outcome: leased ? 'duplicate' : 'requeued' };
    }
    case 'DEAD_LETTERED':
      return reopen(ctx, state, 'redelivered by the provider after dead-lettering');
    case 'QUARANTINED': {
      if (item?.kind !== 'event' || !request) return { ...known, outcome: 'duplicate' };
      // Only the bytes that were quarantined may re-open it: a body with another digest under
      // the same id is someone else's delivery wearing this event's id.
      if ((await storedBodySha(ctx, state.eventId)) !== ctx.bodySha)
        return { ...known, outcome: 'duplicate' };
      const raw = await storeRaw(ctx, request, batchSize);
      const event = buildEvent(ctx, state.eventId, state.idempotencyKey, item.draft, state);
      await ctx.deps.store.replacePayload(
        {
          eventId: state.eventId,
          event,
          request: ctx.storedRequest,
          raw: raw.location,
          rawBody: raw.inlineBody,
          bodySha256: ctx.bodySha,
        },
        ctx.now,
      );
      return reopen(
        ctx,
        {
          ...state,
          groupId: groupIdOf(
            ctx.tenant,
            ctx.provider,
            event.entity.kind === 'event' ? undefined : event.entity,
            state.eventId,
          ),
        },
        'redelivered and now readable',
      );
    }
    default:
      return { ...known, outcome: 'duplicate' };
  }
};

/**
 * What the `accepted` entry says of the delivery: the secret that verified a webhook, or who
 * published a domain event (the publisher stores its origin with the request; only the internal
 * provider's requests are read for it, so a webhook cannot name its own origin).
 */
const acceptedDetail = (ctx: ItemContext): string => {
  if (ctx.recovered)
    return `recovered by reconciliation run ${ctx.recovered.runId} (verified by the provider API)`;
  const origin = ctx.provider === INTERNAL_PROVIDER_ID ? ctx.storedRequest.headers[ORIGIN_HEADER] : undefined;
  if (!origin) return `secret #${ctx.secretIndex}`;
  try {
    return originText(JSON.parse(origin) as DomainEventOrigin);
  } catch {
    return 'published (origin unreadable)';
  }
};

/** The digest of the bytes stored for an event; older items without it are hashed from the body. */
const storedBodySha = async (ctx: ItemContext, eventId: string): Promise<string | undefined> => {
  const payload = await ctx.deps.store.getPayload(eventId);
  if (!payload) return undefined;
  if (payload.bodySha256) return payload.bodySha256;
  if (payload.rawBody) return sha256Hex(payload.rawBody);
  if (payload.raw.kind === 'item') return payload.raw.pk.replace(/^RAW#/, '');
  if (payload.raw.kind === 's3') return /([0-9a-f]{64})\.gz$/.exec(payload.raw.key)?.[1];
  return undefined;
};

/** Sends a failed event again with a fresh dedup id and marks it QUEUED, audited. */
const reopen = async (ctx: ItemContext, state: EventState, why: string): Promise<ItemResult> => {
  const send = state.sends + 1;
  await ctx.deps.queue.send(messageOf(state, send));
  const moved = await ctx.deps.store.transition(
    state.eventId,
    [state.status],
    'QUEUED',
    { ...audit(ctx, 'reopened', why, state.correlationId), status: 'QUEUED' },
    { sends: send, attempts: 0 },
  );
  return {
    eventId: state.eventId,
    correlationId: state.correlationId,
    type: state.type,
    outcome: moved ? 'reopened' : 'duplicate',
  };
};

/**
 * The dedup identity of an item. An unreadable item whose id could not be read is keyed by
 * the body digest (and its position in a batch), so a redelivery still finds it.
 */
const identityOf = (ctx: ItemContext, item: NormalizedItem, index: number): Identity => {
  const providerType = (item.kind === 'event' ? item.draft.providerType : item.providerType) ?? 'unknown';
  const externalId =
    (item.kind === 'event' ? item.draft.externalId : item.externalId) ?? `sha256:${ctx.bodySha}:${index}`;
  const idempotencyKey = idempotencyKeyOf(ctx.tenant, ctx.provider, providerType, externalId);
  return { providerType, externalId, idempotencyKey, eventId: eventIdOf(idempotencyKey) };
};

const buildEvent = (
  ctx: ItemContext,
  eventId: string,
  idempotencyKey: string,
  draft: EventDraft,
  original?: Pick<EventState, 'correlationId' | 'receivedAt'>,
): IntegrationEvent => {
  const receivedAt = original?.receivedAt ?? ctx.now.toISOString();
  return {
    specVersion: SPEC_VERSION,
    id: eventId,
    idempotencyKey,
    tenant: ctx.tenant,
    provider: ctx.provider,
    type: draft.type,
    providerType: draft.providerType,
    externalId: draft.externalId,
    entity: entityOf(ctx.settings.entityOverride, draft.data, draft.entity, eventId),
    occurredAt: draft.occurredAt ?? receivedAt,
    receivedAt,
    correlationId: original?.correlationId ?? ctx.correlationId,
    data: draft.data,
    ...(draft.causationId === undefined ? {} : { causationId: draft.causationId }),
    ...(draft.depth === undefined ? {} : { depth: draft.depth }),
    ...(ctx.recovered ? { origin: 'reconciliation' as const, verifiedBy: 'provider-api' as const } : {}),
  };
};

/** The configured override wins; else the provider's entity; else the event orders only itself. */
const entityOf = (
  override: IngestSettings['entityOverride'],
  data: Record<string, unknown>,
  fromProvider: Entity | undefined,
  eventId: string,
): Entity => {
  const overridden = override ? readIdPath(data, override.path) : undefined;
  if (override && overridden) return { kind: override.kind, id: overridden };
  return fromProvider ?? { kind: 'event', id: eventId };
};
