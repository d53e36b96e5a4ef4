import * as z from 'zod/mini';

const status = z.string().check(z.regex(/^[a-z_-]{1,40}$/i));

/**
 * The parameters RelayFlow reads from a Twilio Messaging status callback or incoming-message
 * webhook (loose: Twilio adds parameters without notice). A parameter sent twice arrives as an
 * array and fails these string checks.
 */
export const TwilioMessageParamsSchema = z.looseObject({
  MessageSid: z.string().check(z.minLength(1)),
  MessageStatus: z.optional(status),
  /** The older name of the status; sent beside MessageStatus on callbacks and alone on incoming messages. */
  SmsStatus: z.optional(status),
  From: z.optional(z.string()),
  To: z.optional(z.string()),
  ErrorCode: z.optional(z.string()),
  Timestamp: z.optional(z.string()),
});
export type TwilioMessageParams = z.infer<typeof TwilioMessageParamsSchema>;

export const TwilioOptionsSchema = z.object({
  /** Unused: Twilio signs no timestamp. Kept because every provider's options carry it. */
  toleranceSeconds: z._default(z.number().check(z.int(), z.positive()), 300),
});
export type TwilioOptions = z.output<typeof TwilioOptionsSchema>;
