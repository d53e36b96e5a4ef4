import * as z from 'zod/mini';
import { ConfigurationError } from '#shared/errors';

const json = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', message: 'not valid JSON', input: text });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );

const positiveInt = z.pipe(z.string(), z.transform(Number)).check(z.refine((n) => Number.isInteger(n) && n > 0, 'a positive integer'));

/** Every provider the stack serves, with its configured options: what `renormalize` runs. */
export const ProvidersSchema = z.record(
  z.string(),
  z.object({ kind: z.enum(['builtin', 'generic-hmac']), options: z.record(z.string(), z.unknown()) }),
);
export type ProvidersConfig = z.infer<typeof ProvidersSchema>;

/** The environment the Replay construct gives the replay Lambda. Checked at cold start. */
const ReplayEnvironmentSchema = z.object({
  EVENT_TABLE: z.string().check(z.minLength(1)),
  RAW_BUCKET: z.string().check(z.minLength(1)),
  QUEUE_URL: z.string().check(z.minLength(1)),
  DEAD_LETTER_QUEUE_URL: z.string().check(z.minLength(1)),
  RETENTION_DAYS: positiveInt,
  PROVIDERS: json(ProvidersSchema),
  DLQ_VISIBILITY_SECONDS: positiveInt,
});
export type ReplayEnvironment = z.infer<typeof ReplayEnvironmentSchema>;

export const readReplayEnvironment = (env: NodeJS.ProcessEnv): ReplayEnvironment => {
  const parsed = ReplayEnvironmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigurationError(`replay environment is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
};
