import { createIngestHandler } from '#shared/ingest/handler';
import { twilioDefinition } from '#shared/providers/twilio/index';

export const handler = createIngestHandler(twilioDefinition);
