import { ConfigurationError } from '#shared/errors';
import { createIngestHandler } from '#shared/ingest/handler';
import { createGenericHmacProvider, genericHmacOptionsSchema } from '#shared/providers/generic-hmac/index';

const providerId = process.env.PROVIDER_ID;
if (!providerId) throw new ConfigurationError('PROVIDER_ID is not set');
const options = genericHmacOptionsSchema.safeParse(JSON.parse(process.env.PROVIDER_OPTIONS ?? '{}'));
if (!options.success) throw new ConfigurationError(`PROVIDER_OPTIONS do not fit a generic HMAC provider`);

export const handler = createIngestHandler(createGenericHmacProvider(providerId, options.data), genericHmacOptionsSchema);
