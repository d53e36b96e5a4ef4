import { builtInDefinition, type Provider } from '#shared/providers/types';
import { normalizeHubspot } from './normalize';
import { HubspotOptionsSchema, type HubspotOptions } from './schemas';
import { SIGNATURE_HEADER, verifyHubspot } from './verify';

export { HubspotOptionsSchema as hubspotOptionsSchema, type HubspotOptions } from './schemas';

/** HubSpot webhooks (v3 signature), one event per element of the batch. */
export const hubspotProvider: Provider<HubspotOptions> = {
  id: 'hubspot',
  verify: verifyHubspot,
  normalize: normalizeHubspot,
  identityFromUnsignedHeaders: () => false,
  // Only v3 is verified; HubSpot also sends its v1/v2 signature, which is masked all the same.
  signatureHeaders: () => [SIGNATURE_HEADER, 'x-hubspot-signature'],
};

/** What the registry and the hubspot verifier entry build the provider from. */
export const hubspotDefinition = builtInDefinition(hubspotProvider, HubspotOptionsSchema);
