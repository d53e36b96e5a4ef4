import { createIngestHandler } from '#shared/ingest/handler';
import { sendgridDefinition } from '#shared/providers/sendgrid/index';

export const handler = createIngestHandler(sendgridDefinition);
