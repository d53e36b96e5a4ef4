import * as z from 'zod/mini';
import type { Provider } from '#shared/providers/types';
import { normalizeStripe } from './normalize';
import { verifyStripe } from './verify';

export const stripeOptionsSchema = z.object({
  /** Stripe's libraries default to 300 s; we apply it in both directions. */
  toleranceSeconds: z._default(z.int().check(z.positive()), 300),
});
export type StripeOptions = z.infer<typeof stripeOptionsSchema>;

/** Stripe snapshot events (`Stripe-Signature`), one event per request. */
export const stripeProvider: Provider<StripeOptions> = {
  id: 'stripe',
  verify: verifyStripe,
  normalize: normalizeStripe,
};
