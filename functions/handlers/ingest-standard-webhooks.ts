import { standardWebhooksOptionsSchema, standardWebhooksProvider } from '#shared/providers/standard-webhooks/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(standardWebhooksProvider, standardWebhooksOptionsSchema);
