import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.cjs';
import { parseUtf8Json } from '#shared/providers/parsed-body';
import { ORIGIN_HEADER } from '#shared/producer/origin';
import type { EventDraft, NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { InternalBodySchema, SettledDomainEventSchema, type SettledDomainEvent } from './schemas';

/**
 * A domain event as the ingest's draft: the producer's type is both the canonical type and the
 * provider type, its idempotency key the external id. An entity of kind `event` names no entity
 * (the contract's convention), so the event is ordered by itself under its own event id.
 * `occurredAt` is written in UTC, so that stale suppression compares instants, not spellings.
 */
export const draftOf = (event: SettledDomainEvent, causation: Causation = {}): EventDraft => ({
  providerType: event.type,
  externalId: event.idempotencyKey,
  type: event.type,
  ...(event.entity.kind === 'event' ? {} : { entity: { kind: event.entity.kind, id: event.entity.id } }),
  ...(event.occurredAt === undefined ? {} : { occurredAt: new Date(event.occurredAt).toISOString() }),
  data: event.data,
  ...causation,
});

type Causation = Pick<EventDraft, 'causationId' | 'depth'>;

/**
 * The origin a publisher stores with the events the consumer emits (functions/producer/publisher.ts):
 * a workflow step's, or a message status from a receipt.
 */
const WorkflowOriginSchema = z.object({
  kind: z.enum(['workflow', 'receipt']),
  causationId: z.string().check(z.minLength(1)),
  depth: z.int().check(z.gte(0)),
});

/**
 * The causation of a request's events: what the consumer emits (a workflow step's, a receipt's
 * message status) carries the emitting event and the chain's depth in the origin its publisher
 * stored; any other origin has none.
 */
const causationOf = (request: WebhookRequest): Causation => {
  const header = request.headers[ORIGIN_HEADER];
  if (header === undefined) return {};
  let origin: unknown;
  try {
    origin = JSON.parse(header);
  } catch {
    return {};
  }
  const parsed = WorkflowOriginSchema.safeParse(origin);
  return parsed.success ? { causationId: parsed.data.causationId, depth: parsed.data.depth } : {};
};

const KEY_AND_TYPE = z.looseObject({
  idempotencyKey: z.optional(z.string()),
  type: z.optional(z.string()),
});

/** zod/mini carries no messages: the quarantine reason is for an operator to read. */
const MESSAGES = { error: english().localeError };

const elementOf = (element: unknown, causation: Causation): NormalizedItem => {
  const parsed = SettledDomainEventSchema.safeParse(element, MESSAGES);
  if (parsed.success) return { kind: 'event', draft: draftOf(parsed.data, causation) };
  // What can be read keys the quarantined item, so that the same element sent again finds it.
  const known = KEY_AND_TYPE.safeParse(element);
  return {
    kind: 'unreadable',
    ...(known.success && known.data.idempotencyKey ? { externalId: known.data.idempotencyKey } : {}),
    ...(known.success && known.data.type ? { providerType: known.data.type } : {}),
    reason: `Not a domain event: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`,
    data: element,
  };
};

/**
 * Reads the body the publisher wrote (`{ events: [...] }`, every key settled) into one draft per
 * event. The publisher checks each event before it writes the body, so an unreadable element
 * means something else wrote it: it is quarantined, never trusted.
 */
export const normalizeInternal = (request: WebhookRequest): NormalizedItem[] => {
  const body = parseUtf8Json(request.body);
  if (!body.ok) return [{ kind: 'unreadable', reason: 'Body is not UTF-8 JSON.' }];
  const parsed = InternalBodySchema.safeParse(body.value);
  if (!parsed.success)
    return [{ kind: 'unreadable', reason: 'Body is not { "events": [...] }.', data: body.value }];
  const causation = causationOf(request);
  return parsed.data.events.map((element) => elementOf(element, causation));
};
