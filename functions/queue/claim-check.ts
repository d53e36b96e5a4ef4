import * as z from 'zod/mini';

/**
 * The body of a message on the main queue: a claim check naming the stored event, never the
 * payload itself (the consumer rehydrates from the store).
 */
export const ClaimCheckSchema = z.object({
  v: z.literal(1),
  eventId: z.string().check(z.minLength(1)),
  correlationId: z.string().check(z.minLength(1)),
  /**
   * Set by a forced replay of an event that already finished: the n-th deliberate re-run. The
   * replay records the same number on the event's state before it sends; the consumer keys its
   * idempotency record, target completions and downstream keys on the run the state names, so
   * that the run happens again instead of being answered from the first run's record. Anyone
   * allowed to send to the queue can write this field: it is only compared with the state.
   */
  run: z.optional(z.int().check(z.positive())),
});
export type ClaimCheck = z.infer<typeof ClaimCheckSchema>;

/** The key one run of an event is remembered by: the event id, or the id and its forced run. */
export const runKeyOf = (claim: Pick<ClaimCheck, 'eventId' | 'run'>) =>
  claim.run ? `${claim.eventId}#run${claim.run}` : claim.eventId;
