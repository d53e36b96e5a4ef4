import * as z from 'zod/mini';

/**
 * The body of a message on the main queue: a claim check naming the stored event, never the
 * payload itself (the consumer rehydrates from the store).
 */
export const ClaimCheckSchema = z.object({
  v: z.literal(1),
  eventId: z.string().check(z.minLength(1)),
  correlationId: z.string().check(z.minLength(1)),
});
export type ClaimCheck = z.infer<typeof ClaimCheckSchema>;
