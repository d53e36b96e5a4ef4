import { builtInDefinition, type Provider } from '#shared/providers/types';
import { normalizeTwilio } from './normalize';
import { TwilioOptionsSchema, type TwilioOptions } from './schemas';
import { SIGNATURE_HEADER, verifyTwilio } from './verify';

export { TwilioOptionsSchema as twilioOptionsSchema, type TwilioOptions } from './schemas';

/** Twilio Messaging status callbacks and incoming-message webhooks. */
export const twilioProvider: Provider<TwilioOptions> = {
  id: 'twilio',
  verify: verifyTwilio,
  normalize: normalizeTwilio,
  // The event is keyed on the signed MessageSid and status, never on an unsigned header.
  identityFromUnsignedHeaders: () => false,
  signatureHeaders: () => [SIGNATURE_HEADER],
};

/** What the registry and the twilio verifier entry build the provider from. */
export const twilioDefinition = builtInDefinition(twilioProvider, TwilioOptionsSchema);
