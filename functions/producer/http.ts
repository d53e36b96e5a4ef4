import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { jsonResponse } from '#shared/ingest/http';
import { parseUtf8Json } from '#shared/providers/parsed-body';
import type { PublishedEvent } from './contract';

/** What a producer's body holds: one event, or `{ events: [...] }` (checked one by one later). */
export type ProducerBody =
  | { readonly ok: true; readonly items: readonly unknown[] }
  | { readonly ok: false; readonly message: string };

const BatchSchema = z.looseObject({ events: z.array(z.unknown()) });

/**
 * Reads a producer API body: JSON that is one event (an object) or a batch (`{ "events": [...] }`,
 * not empty). Anything else is not events at all (400); whether each event is valid is the
 * publisher's question, answered per event.
 */
export const readProducerBody = (body: Buffer): ProducerBody => {
  const parsed = parseUtf8Json(body);
  if (!parsed.ok) return { ok: false, message: 'The body is not UTF-8 JSON.' };
  const { value } = parsed;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, message: 'Expected one domain event, or { "events": [ ... ] }.' };
  if (!Object.hasOwn(value, 'events')) return { ok: true, items: [value] };
  const batch = BatchSchema.safeParse(value);
  if (!batch.success) return { ok: false, message: '"events" must be a list of domain events.' };
  if (batch.data.events.length === 0) return { ok: false, message: '"events" is empty.' };
  return { ok: true, items: batch.data.events };
};

const NEW: ReadonlySet<PublishedEvent['outcome']> = new Set(['accepted', 'requeued']);
const UNFINISHED: ReadonlySet<PublishedEvent['outcome']> = new Set(['in-progress', 'deferred']);

/**
 * The status of a publish: 503 while an event of it is still being stored by another publish
 * (the caller retries with the same keys); 202 when anything was new; 200 when every valid event
 * was already known; 400 when no event of the body was valid.
 */
export const statusOf = (events: readonly PublishedEvent[]): 200 | 202 | 400 | 503 => {
  if (events.some((e) => UNFINISHED.has(e.outcome))) return 503;
  if (events.some((e) => NEW.has(e.outcome))) return 202;
  return events.some((e) => e.outcome === 'duplicate') ? 200 : 400;
};

/** The answer to a publish: its status, the correlation id, and every event with its outcome, in order. */
export const publishAnswer = (
  events: readonly PublishedEvent[],
  correlationId: string,
): APIGatewayProxyStructuredResultV2 =>
  jsonResponse(statusOf(events), { correlationId, events }, { 'x-correlation-id': correlationId });

/** An answer with a message only (400, 404, 405, 413, 5xx). */
export const messageAnswer = (
  status: number,
  message: string,
  correlationId: string,
): APIGatewayProxyStructuredResultV2 =>
  jsonResponse(status, { message }, { 'x-correlation-id': correlationId });
