import { createIngestHandler } from '#shared/ingest/handler';
import { postmarkDefinition } from '#shared/providers/postmark/index';

export const handler = createIngestHandler(postmarkDefinition);
