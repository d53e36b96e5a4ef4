import * as z from 'zod/mini';

/**
 * `event-data` of a JSON webhook: only the fields RelayFlow reads. Loose, because Mailgun adds
 * fields (geolocation, client-info, user-variables…) that must survive in `payload`.
 */
export const MailgunEventDataSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  event: z.string().check(z.minLength(1)),
  /** Unix seconds with a fraction. */
  timestamp: z.number(),
  recipient: z.optional(z.string()),
  /** On `failed`: `permanent` or `temporary`. */
  severity: z.optional(z.string()),
  reason: z.optional(z.string()),
  url: z.optional(z.string()),
  'delivery-status': z.optional(
    z.looseObject({ message: z.optional(z.string()), description: z.optional(z.string()) }),
  ),
  message: z.optional(
    z.looseObject({ headers: z.optional(z.looseObject({ 'message-id': z.optional(z.string()) })) }),
  ),
});
export type MailgunEventData = z.infer<typeof MailgunEventDataSchema>;

export const MailgunWebhookSchema = z.looseObject({
  signature: z.optional(z.unknown()),
  'event-data': z.unknown(),
});
