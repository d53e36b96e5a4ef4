import {
  IntegrationEventSchema,
  SPEC_VERSION,
  type Entity,
  type IntegrationEvent,
} from '#shared/contract/integration-event';
import { readIdPath } from '#shared/json/path';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { eventIdOf, idempotencyKeyOf, type EventState, type StoredRequest } from '#shared/store/records';

/** A provider's current normalizer with the options the stack configured for it. */
export interface Normalizer {
  normalize(request: WebhookRequest): NormalizedItem[];
  /** The configured entity override (`options.entity`), as the ingest applies it. */
  readonly entityOverride?: { readonly kind: string; readonly path: string };
}

export type Renormalized =
  | { readonly kind: 'event'; readonly event: IntegrationEvent }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Quarantined items whose id could not be read are keyed `sha256:<body digest>:<position in the body>`. */
const DIGEST_ID = /^sha256:[0-9a-f]{64}:(\d+)$/;

/**
 * Which item of a (possibly batch) body is this event: the one whose identity hashes to its id;
 * for an event quarantined before its id could be read, the item at the position it was at.
 */
const itemOf = (state: EventState, items: readonly NormalizedItem[]): NormalizedItem | undefined => {
  const byId = items.find((item) => {
    if (item.kind !== 'event') return false;
    const key = idempotencyKeyOf(
      state.tenant,
      state.provider,
      item.draft.providerType,
      item.draft.externalId,
    );
    return eventIdOf(key) === state.eventId;
  });
  if (byId) return byId;
  const position = DIGEST_ID.exec(state.externalId)?.[1];
  if (position !== undefined) return items[Number(position)];
  return items.length === 1 ? items[0] : undefined;
};

const entityOf = (
  normalizer: Normalizer,
  data: Record<string, unknown>,
  fromProvider: Entity | undefined,
  eventId: string,
): Entity => {
  const override = normalizer.entityOverride;
  const overridden = override ? readIdPath(data, override.path) : undefined;
  if (override && overridden) return { kind: override.kind, id: overridden };
  return fromProvider ?? { kind: 'event', id: eventId };
};

/**
 * Runs the provider's current normalizer over the stored raw body and request headers, and
 * builds the event under its existing identity (id, idempotency key, correlation id, receive
 * time), so that a recovered event stays the same event for every lookup and guard.
 */
export const renormalize = (
  normalizer: Normalizer,
  state: EventState,
  request: StoredRequest,
  rawBody: Buffer,
): Renormalized => {
  const item = itemOf(state, normalizer.normalize({ ...request, body: rawBody }));
  if (!item) return { kind: 'unreadable', reason: 'no item of the stored body matches this event' };
  if (item.kind === 'unreadable') return { kind: 'unreadable', reason: item.reason };
  const { draft } = item;
  const candidate: IntegrationEvent = {
    specVersion: SPEC_VERSION,
    id: state.eventId,
    idempotencyKey: state.idempotencyKey,
    tenant: state.tenant,
    provider: state.provider,
    type: draft.type,
    providerType: draft.providerType,
    externalId: draft.externalId,
    entity: entityOf(normalizer, draft.data, draft.entity, state.eventId),
    occurredAt: draft.occurredAt ?? state.receivedAt,
    receivedAt: state.receivedAt,
    correlationId: state.correlationId,
    data: draft.data,
  };
  const checked = IntegrationEventSchema.safeParse(candidate);
  if (!checked.success)
    return { kind: 'unreadable', reason: 'the normalizer produced an event that breaks the contract' };
  return { kind: 'event', event: checked.data };
};
