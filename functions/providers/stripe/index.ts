import * as z from 'zod/mini';
import { builtInDefinition, type EventDraft, type Provider } from '#shared/providers/types';
import { normalizeStripe } from './normalize';
import { verifyStripe } from './verify';

export const stripeOptionsSchema = z.object({
  /** Stripe's libraries default to 300 s; we apply it in both directions. */
  toleranceSeconds: z._default(z.int().check(z.positive()), 300),
  /**
   * Tenant id -> the Connect account (`acct_…`) whose events that tenant's URL accepts. A Connect
   * platform signs every connected account's events with one endpoint secret, so the secret alone
   * does not say which tenant an event belongs to; the signed `account` field does.
   */
  accounts: z.optional(
    z.record(
      z.string().check(z.minLength(1)),
      z.string().check(z.regex(/^acct_[A-Za-z0-9]{1,64}$/, 'must be a Connect account id (acct_…)')),
    ),
  ),
});
export type StripeOptions = z.infer<typeof stripeOptionsSchema>;

/** Refuses a Connect event whose signed `account` is not the one bound to the receiving tenant. */
export const checkStripeTenant = (
  draft: EventDraft,
  tenant: string,
  options: StripeOptions,
): string | undefined => {
  const accounts = options.accounts ?? {};
  const bound = Object.hasOwn(accounts, tenant) ? accounts[tenant] : undefined;
  if (bound === undefined) return undefined;
  const account = Object.hasOwn(draft.data, 'account') ? draft.data.account : undefined;
  if (typeof account !== 'string')
    return `Tenant ${tenant} accepts only events of ${bound}; this event names no Connect account.`;
  return account === bound
    ? undefined
    : `Tenant ${tenant} accepts only events of ${bound}; this event is from ${account}.`;
};

/** Stripe snapshot events (`Stripe-Signature`), one event per request. */
export const stripeProvider: Provider<StripeOptions> = {
  id: 'stripe',
  verify: verifyStripe,
  normalize: normalizeStripe,
  identityFromUnsignedHeaders: () => false,
  signatureHeaders: () => ['stripe-signature'],
  checkTenant: checkStripeTenant,
};

/** What the registry and the stripe verifier entry build the provider from. */
export const stripeDefinition = builtInDefinition(stripeProvider, stripeOptionsSchema);
