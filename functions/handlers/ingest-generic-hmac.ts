import { createIngestHandler } from '#shared/ingest/handler';
import { genericHmacDefinition } from '#shared/providers/generic-hmac/index';

/** Serves every generic HMAC sender: PROVIDER_ID and PROVIDER_OPTIONS say which one this function is. */
export const handler = createIngestHandler(genericHmacDefinition);
