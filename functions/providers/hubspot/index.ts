import type { Provider } from '#shared/providers/types';
import { normalizeHubspot } from './normalize';
import type { HubspotOptions } from './schemas';
import { verifyHubspot } from './verify';

export { HubspotOptionsSchema as hubspotOptionsSchema, type HubspotOptions } from './schemas';

/** HubSpot webhooks (v3 signature), one event per element of the batch. */
export const hubspotProvider: Provider<HubspotOptions> = {
  id: 'hubspot',
  verify: verifyHubspot,
  normalize: normalizeHubspot,
};
