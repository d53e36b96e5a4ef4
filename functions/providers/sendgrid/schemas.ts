import * as z from 'zod/mini';

/**
 * One element of an Event Webhook batch: only the fields RelayFlow reads. Loose, because
 * SendGrid adds fields (categories, unique args, pool, tls…) that must survive in `payload`.
 * `email` and `sg_message_id` are optional here because account events carry neither and a
 * delayed bounce carries no `sg_message_id`; the normalizer decides what an email type needs.
 */
export const SendgridEventSchema = z.looseObject({
  event: z.string().check(z.minLength(1)),
  sg_event_id: z.string().check(z.minLength(1)),
  /** Unix seconds. */
  timestamp: z.number(),
  email: z.optional(z.string()),
  sg_message_id: z.optional(z.string()),
  'smtp-id': z.optional(z.string()),
  reason: z.optional(z.string()),
  url: z.optional(z.string()),
  /** On `bounce` events: `bounce` (permanent) or `blocked` (temporary). */
  type: z.optional(z.string()),
});
export type SendgridEvent = z.infer<typeof SendgridEventSchema>;

/** The body is always a JSON array of events; each element is checked on its own. */
export const SendgridBatchSchema = z.array(z.unknown());
