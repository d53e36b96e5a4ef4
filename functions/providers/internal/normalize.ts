import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.cjs';
import { parseUtf8Json } from '#shared/providers/parsed-body';
import type { EventDraft, NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { InternalBodySchema, SettledDomainEventSchema, type SettledDomainEvent } from './schemas';

/**
 * A domain event as the ingest's draft: the producer's type is both the canonical type and the
 * provider type, its idempotency key the external id. An entity of kind `event` names no entity
 * (the contract's convention), so the event is ordered by itself under its own event id.
 * `occurredAt` is written in UTC, so that stale suppression compares instants, not spellings.
 */
export const draftOf = (event: SettledDomainEvent): EventDraft => ({
  providerType: event.type,
  externalId: event.idempotencyKey,
  type: event.type,
  ...(event.entity.kind === 'event' ? {} : { entity: { kind: event.entity.kind, id: event.entity.id } }),
  ...(event.occurredAt === undefined ? {} : { occurredAt: new Date(event.occurredAt).toISOString() }),
  data: event.data,
});

const KEY_AND_TYPE = z.looseObject({
  idempotencyKey: z.optional(z.string()),
  type: z.optional(z.string()),
});

/** zod/mini carries no messages: the quarantine reason is for an operator to read. */
const MESSAGES = { error: english().localeError };

const elementOf = (element: unknown): NormalizedItem => {
  const parsed = SettledDomainEventSchema.safeParse(element, MESSAGES);
  if (parsed.success) return { kind: 'event', draft: draftOf(parsed.data) };
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
  return parsed.data.events.map(elementOf);
};
