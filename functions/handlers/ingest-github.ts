import { createIngestHandler } from '#shared/ingest/handler';
import { githubDefinition } from '#shared/providers/github/index';

export const handler = createIngestHandler(githubDefinition);
