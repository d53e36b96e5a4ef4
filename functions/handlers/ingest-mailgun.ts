import { mailgunOptionsSchema, mailgunProvider } from '#shared/providers/mailgun/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(mailgunProvider, mailgunOptionsSchema);
