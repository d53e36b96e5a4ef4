import * as z from 'zod/mini';

const nonEmpty = () => z.string().check(z.minLength(1));

/** The object an event is about (`data.object`); only the fields that choose the entity are read. */
export const StripeObjectSchema = z.looseObject({
  id: z.optional(nonEmpty()),
  object: z.optional(nonEmpty()),
  customer: z.optional(z.unknown()),
});

/** A Stripe snapshot event (`object: "event"`), as delivered to webhook endpoints. */
export const StripeEventSchema = z.looseObject({
  id: nonEmpty(),
  type: nonEmpty(),
  /** Unix seconds; bounded so that it always converts to an ISO date (year 9999 at most). */
  created: z.int().check(z.nonnegative(), z.lte(253_402_300_799)),
  data: z.looseObject({ object: StripeObjectSchema }),
});
export type StripeEvent = z.infer<typeof StripeEventSchema>;
