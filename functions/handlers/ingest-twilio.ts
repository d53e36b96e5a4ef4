import { twilioOptionsSchema, twilioProvider } from '#shared/providers/twilio/index';
import { createIngestHandler } from '#shared/ingest/handler';

export const handler = createIngestHandler(twilioProvider, twilioOptionsSchema);
