import { createIngestHandler } from '#shared/ingest/handler';
import { hubspotDefinition } from '#shared/providers/hubspot/index';

export const handler = createIngestHandler(hubspotDefinition);
