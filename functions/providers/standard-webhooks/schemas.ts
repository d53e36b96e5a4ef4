import * as z from 'zod/mini';

/**
 * The payload shape the Standard Webhooks spec recommends (`type`, `timestamp`, `data`), as sent
 * by Svix and the senders built on it (Resend, Clerk…). Every field is optional: the spec does
 * not require it, and the rest of the payload is the sender's.
 */
export const StandardWebhooksPayloadSchema = z.looseObject({
  type: z.optional(z.unknown()),
  timestamp: z.optional(z.unknown()),
});
export type StandardWebhooksPayload = z.infer<typeof StandardWebhooksPayloadSchema>;
