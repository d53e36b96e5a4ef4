import { createIngestHandler } from '#shared/ingest/handler';
import { mailgunDefinition } from '#shared/providers/mailgun/index';

export const handler = createIngestHandler(mailgunDefinition);
