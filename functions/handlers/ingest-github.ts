import { githubOptionsSchema, githubProvider } from '#shared/providers/github/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(githubProvider, githubOptionsSchema);
