import { stripeOptionsSchema, stripeProvider } from '#shared/providers/stripe/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(stripeProvider, stripeOptionsSchema);
