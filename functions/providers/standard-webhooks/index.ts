import * as z from 'zod/mini';
import { builtInDefinition, type Provider } from '#shared/providers/types';
import { normalizeStandardWebhooks } from './normalize';
import { verifyStandardWebhooks } from './verify';

const nonEmpty = () => z.string().check(z.minLength(1));

export const standardWebhooksOptionsSchema = z.object({
  /** The spec's recommended tolerance: five minutes, both directions. */
  toleranceSeconds: z._default(z.int().check(z.positive()), 300),
  /**
   * Payload `type` -> canonical type, for a sender whose events mean one of ours. Unlisted types
   * become `standard-webhooks.<type>`. email.* and sms.* are refused: they need a fixed data shape
   * that a generic sender's payload does not have.
   */
  types: z._default(
    z.record(
      nonEmpty(),
      nonEmpty().check(
        z.refine(
          (type) => !/^(?:email|sms)\./.test(type),
          'email.* and sms.* need a provider-specific data shape',
        ),
      ),
    ),
    {},
  ),
  /** Where a sender keeps the id of the entity its events must stay ordered by (a dotted path into the payload). */
  entity: z.optional(z.object({ kind: nonEmpty(), path: nonEmpty() })),
});
export type StandardWebhooksOptions = z.infer<typeof standardWebhooksOptionsSchema>;

/** Any sender that follows the Standard Webhooks spec (Svix, Resend, Clerk, Lemon Squeezy…). */
export const standardWebhooksProvider: Provider<StandardWebhooksOptions> = {
  id: 'standard-webhooks',
  verify: verifyStandardWebhooks,
  normalize: normalizeStandardWebhooks,
  // webhook-id is part of the signed content; the type is read from the signed body.
  identityFromUnsignedHeaders: () => false,
  signatureHeaders: () => ['webhook-signature'],
};

/** What the registry and the standard-webhooks verifier entry build the provider from. */
export const standardWebhooksDefinition = builtInDefinition(
  standardWebhooksProvider,
  standardWebhooksOptionsSchema,
);
