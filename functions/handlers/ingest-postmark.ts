import { postmarkOptionsSchema, postmarkProvider } from '#shared/providers/postmark/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(postmarkProvider, postmarkOptionsSchema);
