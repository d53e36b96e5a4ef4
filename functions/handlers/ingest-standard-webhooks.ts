import { createIngestHandler } from '#shared/ingest/handler';
import { standardWebhooksDefinition } from '#shared/providers/standard-webhooks/index';

export const handler = createIngestHandler(standardWebhooksDefinition);
