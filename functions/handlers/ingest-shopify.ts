import { shopifyOptionsSchema, shopifyProvider } from '#shared/providers/shopify/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(shopifyProvider, shopifyOptionsSchema);
