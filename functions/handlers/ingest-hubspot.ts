import { hubspotOptionsSchema, hubspotProvider } from '#shared/providers/hubspot/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(hubspotProvider, hubspotOptionsSchema);
