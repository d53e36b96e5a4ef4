import * as z from 'zod/mini';
import { json, positiveInt, readEnvironment, required } from '#shared/env';

/** Every provider the stack serves, with its configured options: what `renormalize` runs. */
export const ProvidersSchema = z.record(
  z.string(),
  z.object({ kind: z.enum(['builtin', 'generic-hmac']), options: z.record(z.string(), z.unknown()) }),
);
export type ProvidersConfig = z.infer<typeof ProvidersSchema>;

/** The environment the Replay construct gives the replay Lambda. Checked at cold start. */
const ReplayEnvironmentSchema = z.object({
  EVENT_TABLE: required(),
  RAW_BUCKET: required(),
  QUEUE_URL: required(),
  DEAD_LETTER_QUEUE_URL: required(),
  RETENTION_DAYS: positiveInt(),
  PROVIDERS: json(ProvidersSchema),
  DLQ_VISIBILITY_SECONDS: positiveInt(),
});
export type ReplayEnvironment = z.infer<typeof ReplayEnvironmentSchema>;

export const readReplayEnvironment = (env: NodeJS.ProcessEnv): ReplayEnvironment =>
  readEnvironment('replay', ReplayEnvironmentSchema, env);
