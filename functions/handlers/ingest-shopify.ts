import { createIngestHandler } from '#shared/ingest/handler';
import { shopifyDefinition } from '#shared/providers/shopify/index';

export const handler = createIngestHandler(shopifyDefinition);
