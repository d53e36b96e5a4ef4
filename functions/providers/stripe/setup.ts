import { matching, type ProviderSetup } from '#shared/providers/setup';
import { STRIPE_CANONICAL_TYPES } from './normalize';

/**
 * Stripe: a webhook endpoint (an event destination) per URL. The secret is the endpoint's own
 * signing secret, `whsec_` and letters and digits (the Stripe CLI's `stripe listen` prints one of
 * the same form), never an API key.
 */
export const stripeSetup: ProviderSetup = {
  dashboard:
    'Stripe Dashboard → Developers → Webhooks → Add destination: Snapshot payload, your account (or connected accounts), Webhook endpoint, this URL as the endpoint URL',
  events: [...STRIPE_CANONICAL_TYPES.keys()],
  otherEvents: 'any other event type you select is stored as stripe.<type>',
  contentType: 'application/json (Stripe always sends JSON)',
  secretSource:
    "the destination's Signing secret (Reveal) on its page; test and live mode destinations each have their own",
  secret: {
    expected: 'a Stripe endpoint signing secret: whsec_ followed by at least 24 letters and digits',
    parse: matching(/^whsec_[A-Za-z0-9]{24,}$/),
  },
  verification:
    'Stripe-Signature carries t=<unix seconds> and one or more v1=<hex HMAC-SHA256 of "t." + the body>, keyed with the endpoint secret; the timestamp must be within the tolerance (300 s by default).',
  request: {
    bodies: { 'application/json': 'object' },
    headers: [
      {
        name: 'Stripe-Signature',
        description: 't=<unix seconds>,v1=<hex HMAC-SHA256>; several v1 entries while a secret is rolled',
        required: true,
      },
    ],
  },
};
