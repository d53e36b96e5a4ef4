import * as z from 'zod/mini';
import { builtInDefinition, type Provider } from '#shared/providers/types';
import { normalizePostmark } from './normalize';
import { isIpOrCidr } from './schemas';
import { verifyPostmark } from './verify';

export const postmarkOptionsSchema = z.object({
  /** Postmark signs nothing and sends no timestamp; kept for the common options shape. */
  toleranceSeconds: z._default(z.int().check(z.nonnegative()), 300),
  /**
   * Source addresses or CIDR ranges (IPv4 or IPv6) allowed to call; empty allows any. Postmark
   * publishes the addresses its webhooks come from; this list is where to paste them.
   */
  allowedSourceIps: z._default(
    z.array(z.string().check(z.refine(isIpOrCidr, 'Expected an IPv4/IPv6 address or CIDR range'))),
    [],
  ),
});
export type PostmarkOptions = z.infer<typeof postmarkOptionsSchema>;

/** Postmark outbound webhooks (Delivery, Bounce, SpamComplaint, Open, Click, SubscriptionChange). */
export const postmarkProvider: Provider<PostmarkOptions> = {
  id: 'postmark',
  verify: verifyPostmark,
  normalize: normalizePostmark,
  identityFromUnsignedHeaders: () => false,
  // The credentials travel in Authorization, which the ingest never stores.
  signatureHeaders: () => [],
};

/** What the registry and the postmark verifier entry build the provider from. */
export const postmarkDefinition = builtInDefinition(postmarkProvider, postmarkOptionsSchema);
