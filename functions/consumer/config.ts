import * as z from 'zod/mini';
import { integer, json, readEnvironment, required, unlessEmpty } from '#shared/env';
import { TenantQuotasSchema } from '#shared/flow/tenant-admission';
import { RoutesSchema } from '#shared/routing/routes';
import { ChannelsEnvironmentSchema } from '#shared/channels/wiring';

/** The environment the Processing construct gives the consumer. Checked at cold start. */
const ConsumerEnvironmentSchema = z.object({
  EVENT_TABLE: required(),
  RAW_BUCKET: required(),
  QUEUE_URL: required(),
  DEAD_LETTER_QUEUE_URL: required(),
  TARGET_SIGNING_SECRET_ARN: required(),
  ROUTES: json(RoutesSchema),
  RETENTION_DAYS: integer(1),
  IDEMPOTENCY_TTL_HOURS: integer(72),
  MAX_ATTEMPTS: integer(1),
  MAX_RECEIVE_COUNT: integer(1),
  BACKOFF_BASE_SECONDS: integer(0),
  BACKOFF_MAX_SECONDS: integer(0),
  SECRETS_MAX_AGE_SECONDS: integer(1),
  /** Events deeper in a chain of workflow emissions are quarantined as cycles (decision 0049). */
  MAX_CAUSATION_DEPTH: integer(1),
  /** What `ctx.emit` publishes through (the producer's ingest): tenant ids besides `default`. */
  TENANTS: json(z.array(z.string())),
  MAX_BODY_BYTES: integer(1),
  INLINE_BODY_MAX_BYTES: integer(1),
  INGEST_LEASE_SECONDS: integer(1),
  /** Per-tenant quotas (decision 0052); unset when no tenant has one. */
  TENANT_QUOTAS: unlessEmpty(json(TenantQuotasSchema)),
  /** Outbound channel adapters (docs/channels.md); unset when none is configured. */
  CHANNELS: unlessEmpty(json(ChannelsEnvironmentSchema)),
});
export type ConsumerEnvironment = z.infer<typeof ConsumerEnvironmentSchema>;

export const readConsumerEnvironment = (env: NodeJS.ProcessEnv): ConsumerEnvironment =>
  readEnvironment('consumer', ConsumerEnvironmentSchema, env);
