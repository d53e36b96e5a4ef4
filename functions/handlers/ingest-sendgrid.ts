import { sendgridOptionsSchema, sendgridProvider } from '#shared/providers/sendgrid/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(sendgridProvider, sendgridOptionsSchema);
