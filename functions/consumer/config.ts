import * as z from 'zod/mini';
import { ConfigurationError } from '#shared/errors';
import { RoutesSchema } from '#shared/routing/routes';

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

const int = (min: number) =>
  z.pipe(z.string(), z.transform(Number)).check(z.refine((n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`));

/** The environment the Processing construct gives the consumer. Checked at cold start. */
const ConsumerEnvironmentSchema = z.object({
  EVENT_TABLE: z.string().check(z.minLength(1)),
  IDEMPOTENCY_TABLE: z.string().check(z.minLength(1)),
  RAW_BUCKET: z.string().check(z.minLength(1)),
  QUEUE_URL: z.string().check(z.minLength(1)),
  DEAD_LETTER_QUEUE_URL: z.string().check(z.minLength(1)),
  TARGET_SIGNING_SECRET_ARN: z.string().check(z.minLength(1)),
  ROUTES: json(RoutesSchema),
  RETENTION_DAYS: int(1),
  IDEMPOTENCY_TTL_HOURS: int(72),
  MAX_ATTEMPTS: int(1),
  MAX_RECEIVE_COUNT: int(1),
  BACKOFF_BASE_SECONDS: int(0),
  BACKOFF_MAX_SECONDS: int(0),
  SECRETS_MAX_AGE_SECONDS: int(1),
});
export type ConsumerEnvironment = z.infer<typeof ConsumerEnvironmentSchema>;

export const readConsumerEnvironment = (env: NodeJS.ProcessEnv): ConsumerEnvironment => {
  const parsed = ConsumerEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigurationError(`consumer environment is invalid:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
};
