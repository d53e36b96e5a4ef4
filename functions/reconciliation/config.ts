import * as z from 'zod/mini';
import { json, positiveInt, readEnvironment, required } from '#shared/env';
import { CHANNELS } from '#shared/channels/contract';

/** One reconciled provider as the Reconciliation construct describes it (lib/constructs/reconciliation.ts). */
export const ReconciledProviderSchema = z.object({
  lookbackMs: z.number().check(z.positive()),
  /** Days the provider keeps what it sent, when the account's plan differs from its default. */
  retentionDays: z.optional(z.int().check(z.positive())),
  entities: z.array(z.string()),
  /** The provider API's options (`repository`, `hookId`, `domain`). */
  options: z.record(z.string(), z.unknown()),
  /** The webhook provider's kind and options, to normalize records as its verifier does. */
  webhook: z.object({ kind: z.enum(['builtin', 'generic-hmac']), options: z.unknown() }),
  /** The API credentials secret of each tenant reconciled (`default` included when it is). */
  secrets: z.record(z.string(), z.string().check(z.minLength(1))),
  /** Messages of this provider's channel adapter are checked for missing receipts. */
  receipts: z.boolean(),
  baseUrl: z.optional(z.string()),
});
export type ReconciledProvider = z.infer<typeof ReconciledProviderSchema>;

export const ReconciliationEnvironmentSchema = z.object({
  providers: z.record(z.string(), ReconciledProviderSchema),
  /** Per channel, milliseconds a sent message may wait for its final receipt. */
  receiptDeadlinesMs: z.record(z.enum(CHANNELS), z.number().check(z.positive())),
});
export type ReconciliationEnvironment = z.infer<typeof ReconciliationEnvironmentSchema>;

const ReconcileFunctionEnvironmentSchema = z.object({
  TENANTS: json(z.array(z.string())),
  EVENT_TABLE: required(),
  RAW_BUCKET: required(),
  QUEUE_URL: required(),
  MAX_BODY_BYTES: positiveInt(),
  INLINE_BODY_MAX_BYTES: positiveInt(),
  RETENTION_DAYS: positiveInt(),
  INGEST_LEASE_SECONDS: positiveInt(),
  SECRETS_MAX_AGE_SECONDS: positiveInt(),
  RECONCILIATION: json(ReconciliationEnvironmentSchema),
});
export type ReconcileFunctionEnvironment = z.infer<typeof ReconcileFunctionEnvironmentSchema>;

export const readReconcileEnvironment = (env: NodeJS.ProcessEnv): ReconcileFunctionEnvironment =>
  readEnvironment('reconcile', ReconcileFunctionEnvironmentSchema, env);

/**
 * What starts a run: a schedule's tick (`{ provider, tenant }`) or `relayflow reconcile run`
 * (with `dryRun` and `since`). Answered with the run's report.
 */
export const ReconcileInvocationSchema = z.strictObject({
  provider: z.string().check(z.minLength(1)),
  tenant: z.optional(z.string().check(z.minLength(1))),
  dryRun: z.optional(z.boolean()),
  since: z.optional(z.iso.datetime({ offset: true })),
});
export type ReconcileInvocation = z.infer<typeof ReconcileInvocationSchema>;
