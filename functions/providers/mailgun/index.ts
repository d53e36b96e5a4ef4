import * as z from 'zod/mini';
import { builtInDefinition, type Provider } from '#shared/providers/types';
import { normalizeMailgun } from './normalize';
import { verifyMailgun } from './verify';

/** Mailgun's options. Mailgun documents no tolerance; 300 s both ways, as for the others. */
export const mailgunOptionsSchema = z.object({
  toleranceSeconds: z._default(z.int().check(z.nonnegative()), 300),
});
export type MailgunOptions = z.infer<typeof mailgunOptionsSchema>;

/** Mailgun webhooks: JSON `signature` + `event-data`, or legacy form posts. */
export const mailgunProvider: Provider<MailgunOptions> = {
  id: 'mailgun',
  verify: verifyMailgun,
  normalize: normalizeMailgun,
  identityFromUnsignedHeaders: () => false,
  // The signature travels in the body, not in a header.
  signatureHeaders: () => [],
};

/** What the registry and the mailgun verifier entry build the provider from. */
export const mailgunDefinition = builtInDefinition(mailgunProvider, mailgunOptionsSchema);
