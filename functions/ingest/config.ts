import * as z from 'zod/mini';
import { json, positiveInt, readEnvironment, required } from '#shared/env';

/** The environment the IngestApi construct gives every verifier Lambda. Checked at cold start. */
const IngestEnvironmentSchema = z.object({
  PROVIDER_ID: required(),
  PROVIDER_OPTIONS: json(z.record(z.string(), z.unknown())),
  TENANTS: json(z.array(z.string())),
  SECRET_ARN: required(),
  TENANT_SECRET_ARNS: json(z.record(z.string(), z.string())),
  EVENT_TABLE: required(),
  RAW_BUCKET: required(),
  QUEUE_URL: required(),
  /** Set only when the configuration has `publicBaseUrl`; else the URL comes from the request. */
  PUBLIC_BASE_URL: z.optional(z.string()),
  MAX_BODY_BYTES: positiveInt(),
  INLINE_BODY_MAX_BYTES: positiveInt(),
  RETENTION_DAYS: positiveInt(),
  INGEST_LEASE_SECONDS: positiveInt(),
  SECRETS_MAX_AGE_SECONDS: positiveInt(),
});
export type IngestEnvironment = z.infer<typeof IngestEnvironmentSchema>;

export const readIngestEnvironment = (env: NodeJS.ProcessEnv): IngestEnvironment =>
  readEnvironment('ingest', IngestEnvironmentSchema, env);
