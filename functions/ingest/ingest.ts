import { SPEC_VERSION, type Entity, type IntegrationEvent } from '#shared/contract/integration-event';
import { nestsDeeperThan } from '#shared/json/depth';
import { readIdPath } from '#shared/json/path';
import type { NormalizedItem, Provider, ProviderOptions, RejectReason, WebhookRequest } from '#shared/providers/types';
import type { EventPayload, EventStore } from '#shared/store/event-store';
import type { RawBodies } from '#shared/store/raw-bodies';
import { rawBodyKey } from '#shared/store/raw-bodies';
import {
  eventIdOf,
  groupIdOf,
  idempotencyKeyOf,
  sha256Hex,
  type AuditEntry,
  type EventState,
  type RawLocation,
  type StoredRequest,
} from '#shared/store/records';
import { deduplicationIdOf, type EventQueue } from '#shared/queue/event-queue';
import { gzipSync } from 'node:zlib';

/** Everything the ingest needs from outside, passed in so that tests can use real or fake parts. */
export interface IngestDependencies {
  readonly store: EventStore;
  /**
   * Compares an event's data with the known shape of its (provider, type); returns an audit
   * entry when a field appeared, went missing or changed type (functions/drift).
   */
  readonly detectDrift?: (provider: string, type: string, data: unknown, eventId: string) => Promise<{ audit: AuditEntry } | undefined>;
  readonly rawBodies: RawBodies;
  readonly queue: EventQueue;
  /** Active secrets for a tenant, newest first. */
  readonly secretsFor: (tenant: string) => Promise<readonly string[]>;
  readonly now: () => Date;
}

export interface IngestSettings {
  readonly tenants: ReadonlySet<string>;
  readonly maxBodyBytes: number;
  /** Compressed bodies above this go to S3. */
  readonly inlineBodyMaxBytes: number;
  /**
   * How long a RECEIVED event is presumed to be in the hands of the delivery that created it.
   * A retry that finds it RECEIVED after this re-enqueues (that delivery crashed); before it,
   * the retry answers 200 and lets the first finish.
   */
  readonly ingestLeaseSeconds: number;
  /** Entity extraction override from the configuration: a dot path into `data`. */
  readonly entityOverride?: { readonly kind: string; readonly path: string };
}

export interface IngestInput {
  readonly tenant: string | undefined;
  readonly request: WebhookRequest;
  readonly correlationId: string;
}

export type ItemOutcome = 'accepted' | 'quarantined' | 'duplicate' | 'requeued' | 'reopened' | 'in-progress';

export type IngestResult =
  | { readonly kind: 'rejected'; readonly status: 401 | 404 | 405 | 413; readonly reason: RejectReason | 'unknown-tenant' | 'method' | 'too-large'; readonly message: string }
  | { readonly kind: 'no-secrets'; readonly tenant: string }
  | {
      readonly kind: 'ingested';
      /**
       * 202 when anything was new, 200 when every item was already known (decision 4), 503 when
       * an item is still RECEIVED under another delivery's lease: nothing is queued yet, so the
       * provider must keep retrying until a retry after the lease completes it.
       */
      readonly status: 200 | 202 | 503;
      readonly correlationId: string;
      readonly secretIndex: number;
      readonly items: readonly { readonly eventId: string; readonly outcome: ItemOutcome; readonly type?: string }[];
    };

const NEW_OUTCOMES: ReadonlySet<ItemOutcome> = new Set(['accepted', 'quarantined', 'requeued', 'reopened']);

/** Headers that carry credentials: never stored. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

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
    return { kind: 'rejected', status: 413, reason: 'too-large', message: `Body exceeds ${settings.maxBodyBytes} bytes.` };
  }
  const secrets = await deps.secretsFor(tenant);
  if (secrets.length === 0) return { kind: 'no-secrets', tenant };

  const now = deps.now();
  const verdict = await provider.verify({ request, secrets, now, options });
  if (!verdict.ok) return { kind: 'rejected', status: 401, reason: verdict.reason, message: verdict.detail };
  if (verdict.nonce) {
    const fresh = await deps.store.recordNonce(provider.id, tenant, verdict.nonce.value, verdict.nonce.ttlSeconds, now);
    if (!fresh) return { kind: 'rejected', status: 401, reason: 'replayed', message: 'This request was seen before.' };
  }

  const items = provider.normalize(request, options).map(boundDepth);
  const context: ItemContext = {
    deps,
    settings,
    provider: provider.id,
    tenant,
    correlationId: input.correlationId,
    secretIndex: verdict.secretIndex,
    now,
    storedRequest: storedRequestOf(request),
    bodySha: sha256Hex(request.body),
    raw: undefined,
  };
  const outcomes = [];
  for (const [index, item] of items.entries()) {
    outcomes.push(await ingestItem(context, request, item, index, items.length));
  }
  return {
    kind: 'ingested',
    status: outcomes.some((o) => o.outcome === 'in-progress') ? 503 : outcomes.some((o) => NEW_OUTCOMES.has(o.outcome)) ? 202 : 200,
    correlationId: outcomes.length === 1 && outcomes[0]?.outcome === 'duplicate' ? outcomes[0].correlationId : input.correlationId,
    secretIndex: verdict.secretIndex,
    items: outcomes.map(({ eventId, outcome, type }) => ({ eventId, outcome, type })),
  };
};

/** Deeper than this, an event cannot be serialized safely (and no provider nests so deep). */
const MAX_DATA_DEPTH = 256;

/** A verified payload nested absurdly deep is quarantined, never answered 5xx forever. */
const boundDepth = (item: NormalizedItem): NormalizedItem =>
  item.kind === 'event' && nestsDeeperThan(item.draft.data, MAX_DATA_DEPTH)
    ? {
        kind: 'unreadable',
        externalId: item.draft.externalId,
        providerType: item.draft.providerType,
        reason: `the payload nests deeper than ${MAX_DATA_DEPTH} levels`,
      }
    : item;

interface ItemContext {
  readonly deps: IngestDependencies;
  readonly settings: IngestSettings;
  readonly provider: string;
  readonly tenant: string;
  readonly correlationId: string;
  readonly secretIndex: number;
  readonly now: Date;
  readonly storedRequest: StoredRequest;
  readonly bodySha: string;
  /** Where a batch request's body was stored, once, for all its events. */
  raw: { location: RawLocation; inlineBody?: Buffer } | undefined;
}

const storedRequestOf = (request: WebhookRequest): StoredRequest => ({
  method: request.method,
  url: request.url,
  path: request.path,
  rawQueryString: request.rawQueryString,
  headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name))),
  sourceIp: request.sourceIp,
});

/**
 * Decides where the exact bytes go: inline in the payload item for a single-event request,
 * a shared raw item for a batch (stored once), S3 when the compressed body is too large.
 */
const storeRaw = async (ctx: ItemContext, request: WebhookRequest, batchSize: number) => {
  if (ctx.raw) return ctx.raw;
  const compressedSize = gzipSync(request.body).length;
  if (compressedSize > ctx.settings.inlineBodyMaxBytes) {
    const key = rawBodyKey(ctx.tenant, ctx.provider, ctx.now, ctx.bodySha);
    const location = await ctx.deps.rawBodies.put(key, request.body, request.headers['content-type']);
    ctx.raw = { location: { kind: 's3', ...location } };
  } else if (batchSize > 1) {
    const pk = await ctx.deps.store.putRawItem(ctx.bodySha, request.body, { kind: 'inline' }, ctx.now);
    ctx.raw = { location: { kind: 'item', pk } };
  } else {
    ctx.raw = { location: { kind: 'inline' }, inlineBody: request.body };
  }
  return ctx.raw;
};

/**
 * An audit entry of this delivery. It names the delivery's correlation id only when that differs
 * from the event's own (a provider retry, a re-open): the state item is billed per KB on every
 * update, so the timeline carries nothing it already has.
 */
const audit = (ctx: ItemContext, action: string, detail?: string, eventCorrelationId = ctx.correlationId): AuditEntry => ({
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

const ingestItem = async (
  ctx: ItemContext,
  request: WebhookRequest,
  item: NormalizedItem,
  index: number,
  batchSize: number,
): Promise<ItemResult> => {
  const identity = identityOf(ctx, item, index);
  const eventId = eventIdOf(identity.idempotencyKey);

  const existing = await ctx.deps.store.getState(eventId);
  if (existing) return handleKnown(ctx, existing, item, request, batchSize);

  const raw = await storeRaw(ctx, request, batchSize);
  const event = item.kind === 'event' ? buildEvent(ctx, eventId, identity.idempotencyKey, item.draft) : undefined;
  const payload: EventPayload = {
    eventId,
    event,
    quarantineReason: item.kind === 'unreadable' ? item.reason : undefined,
    request: ctx.storedRequest,
    raw: raw.location,
    rawBody: raw.inlineBody,
  };
  let correlationId = ctx.correlationId;
  let receivedAt = ctx.now.toISOString();
  if (!(await ctx.deps.store.putPayloadIfAbsent(payload, ctx.now))) {
    // An earlier delivery stored the payload and then failed before the state: finish its work
    // under its correlation id, so that one event never has two.
    const earlier = await ctx.deps.store.getPayload(eventId);
    if (earlier?.event) ({ correlationId, receivedAt } = earlier.event);
  }

  const quarantined = item.kind === 'unreadable';
  const drift = event ? await ctx.deps.detectDrift?.(ctx.provider, event.type, event.data, eventId) : undefined;
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
    groupId: groupIdOf(ctx.tenant, ctx.provider, event && event.entity.kind !== 'event' ? event.entity : undefined, eventId),
    occurredAt: event?.occurredAt ?? receivedAt,
    receivedAt,
    correlationId,
    status: quarantined ? 'QUARANTINED' : 'RECEIVED',
    statusAt: ctx.now.toISOString(),
    secretIndex: ctx.secretIndex,
    sends: quarantined ? 0 : 1,
    audit: [
      quarantined
        ? { ...audit(ctx, 'quarantined', item.reason, correlationId), status: 'QUARANTINED' }
        : { ...audit(ctx, 'accepted', `secret #${ctx.secretIndex}`, correlationId), status: 'RECEIVED' },
      ...(drift ? [drift.audit] : []),
    ],
  };
  if (!(await ctx.deps.store.createState(state, ctx.now))) {
    const winner = await ctx.deps.store.getState(eventId);
    if (winner) return handleKnown(ctx, winner, item, request, batchSize);
  }
  if (quarantined) return { eventId, outcome: 'quarantined', correlationId, type: state.type };

  await enqueue(ctx, state, 1);
  await ctx.deps.store.transition(eventId, ['RECEIVED'], 'QUEUED', { ...audit(ctx, 'enqueued', undefined, correlationId), status: 'QUEUED' });
  return { eventId, outcome: 'accepted', correlationId, type: state.type };
};

const enqueue = (ctx: ItemContext, state: EventState, send: number) =>
  ctx.deps.queue.send({
    claim: { v: 1, eventId: state.eventId, correlationId: state.correlationId },
    groupId: state.groupId,
    deduplicationId: deduplicationIdOf(state.eventId, send),
    attributes: { tenant: state.tenant, provider: state.provider, type: state.type },
  });

/** A delivery of an event we already hold (decision 5). */
const handleKnown = async (
  ctx: ItemContext,
  state: EventState,
  item: NormalizedItem,
  request: WebhookRequest,
  batchSize: number,
): Promise<ItemResult> => {
  const known = { eventId: state.eventId, correlationId: state.correlationId, type: state.type };
  switch (state.status) {
    case 'RECEIVED': {
      const age = (ctx.now.getTime() - Date.parse(state.statusAt)) / 1000;
      // Not acknowledged: if the delivery holding the lease died, this answer is the provider's
      // only reason to come back after the lease and complete the event.
      if (age < ctx.settings.ingestLeaseSeconds) return { ...known, outcome: 'in-progress' };
      // The delivery that stored it died before the queue had it. The same dedup id makes a
      // second copy impossible if it did reach the queue after all.
      await enqueue(ctx, state, state.sends);
      await ctx.deps.store.transition(state.eventId, ['RECEIVED'], 'QUEUED', {
        ...audit(ctx, 'enqueued', 'completed by a provider retry', state.correlationId),
        status: 'QUEUED',
      });
      return { ...known, outcome: 'requeued' };
    }
    case 'DEAD_LETTERED':
      return reopen(ctx, state, 'redelivered by the provider after dead-lettering');
    case 'QUARANTINED': {
      if (item.kind !== 'event') return { ...known, outcome: 'duplicate' };
      const raw = await storeRaw(ctx, request, batchSize);
      const event = buildEvent(ctx, state.eventId, state.idempotencyKey, item.draft, state);
      await ctx.deps.store.replacePayload(
        { eventId: state.eventId, event, request: ctx.storedRequest, raw: raw.location, rawBody: raw.inlineBody },
        ctx.now,
      );
      return reopen(ctx, { ...state, groupId: groupIdOf(ctx.tenant, ctx.provider, event.entity.kind === 'event' ? undefined : event.entity, state.eventId) }, 'redelivered and now readable');
    }
    default:
      return { ...known, outcome: 'duplicate' };
  }
};

/** Sends a failed event again with a fresh dedup id and marks it QUEUED, audited. */
const reopen = async (ctx: ItemContext, state: EventState, why: string): Promise<ItemResult> => {
  const send = state.sends + 1;
  await enqueue(ctx, state, send);
  const moved = await ctx.deps.store.transition(
    state.eventId,
    [state.status],
    'QUEUED',
    { ...audit(ctx, 'reopened', why, state.correlationId), status: 'QUEUED' },
    { sends: send, attempts: 0 },
  );
  return { eventId: state.eventId, correlationId: state.correlationId, type: state.type, outcome: moved ? 'reopened' : 'duplicate' };
};

/**
 * The dedup identity of an item. An unreadable item whose id could not be read is keyed by
 * the body digest (and its position in a batch), so a redelivery still finds it.
 */
const identityOf = (ctx: ItemContext, item: NormalizedItem, index: number) => {
  const providerType = (item.kind === 'event' ? item.draft.providerType : item.providerType) ?? 'unknown';
  const externalId =
    (item.kind === 'event' ? item.draft.externalId : item.externalId) ?? `sha256:${ctx.bodySha}:${index}`;
  return { providerType, externalId, idempotencyKey: idempotencyKeyOf(ctx.tenant, ctx.provider, providerType, externalId) };
};

const buildEvent = (
  ctx: ItemContext,
  eventId: string,
  idempotencyKey: string,
  draft: Extract<NormalizedItem, { kind: 'event' }>['draft'],
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
