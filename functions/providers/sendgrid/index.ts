import * as z from 'zod/mini';
import { builtInDefinition, type Provider } from '#shared/providers/types';
import { normalizeSendgrid } from './normalize';
import { SIGNATURE_HEADER, verifySendgrid } from './verify';

/** SendGrid's options. Its docs ask receivers to check the timestamp; 300 s both ways. */
export const sendgridOptionsSchema = z.object({
  toleranceSeconds: z._default(z.int().check(z.nonnegative()), 300),
});
export type SendgridOptions = z.infer<typeof sendgridOptionsSchema>;

/** Twilio SendGrid Signed Event Webhook: batches of email delivery and engagement events. */
export const sendgridProvider: Provider<SendgridOptions> = {
  id: 'sendgrid',
  verify: verifySendgrid,
  normalize: normalizeSendgrid,
  identityFromUnsignedHeaders: () => false,
  signatureHeaders: () => [SIGNATURE_HEADER],
};

/** What the registry and the sendgrid verifier entry build the provider from. */
export const sendgridDefinition = builtInDefinition(sendgridProvider, sendgridOptionsSchema);
