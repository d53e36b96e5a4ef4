import { createIngestHandler } from '#shared/ingest/handler';
import { stripeDefinition } from '#shared/providers/stripe/index';

export const handler = createIngestHandler(stripeDefinition);
