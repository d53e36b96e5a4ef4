import type { Provider, ProviderOptions } from '#shared/providers/types';
import { normalizeInternal } from './normalize';
import { verifyInternal } from './verify';

import { INTERNAL_PROVIDER_ID } from '#shared/producer/origin';

export { INTERNAL_PROVIDER_ID };

/**
 * Domain events (issue 17): what producers, EventBridge sources, schedules and workflow steps
 * publish, run through the same ingest as webhooks. It has no options and no configuration
 * entry: it is not in the registry, has no verifier Lambda and no secret; the producer function
 * and the consumer reach it through functions/producer/publisher.ts.
 */
export const internalProvider: Provider<ProviderOptions> = {
  id: INTERNAL_PROVIDER_ID,
  verify: verifyInternal,
  normalize: normalizeInternal,
  // The identity (type and key) is read from the body the publisher wrote, never from headers.
  identityFromUnsignedHeaders: () => false,
  signatureHeaders: () => [],
};

/** Its (unused) options: the ingest's shape, with nothing to tolerate. */
export const INTERNAL_OPTIONS: ProviderOptions = { toleranceSeconds: 0 };
