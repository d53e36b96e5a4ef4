import * as z from 'zod/mini';
import { json, positiveInt, readEnvironment, required } from '#shared/env';

/** The environment the ProducerApi construct gives the producer function. Checked at cold start. */
const ProducerEnvironmentSchema = z.object({
  /** Tenant ids besides `default`. */
  TENANTS: json(z.array(z.string())),
  EVENT_TABLE: required(),
  RAW_BUCKET: required(),
  QUEUE_URL: required(),
  MAX_BODY_BYTES: positiveInt(),
  INLINE_BODY_MAX_BYTES: positiveInt(),
  RETENTION_DAYS: positiveInt(),
  INGEST_LEASE_SECONDS: positiveInt(),
});
export type ProducerEnvironment = z.infer<typeof ProducerEnvironmentSchema>;

export const readProducerEnvironment = (env: NodeJS.ProcessEnv): ProducerEnvironment =>
  readEnvironment('producer', ProducerEnvironmentSchema, env);
