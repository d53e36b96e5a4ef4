import * as z from 'zod/mini';
import { ConfigurationError } from '#shared/errors';

/** An environment variable holding JSON, checked against a schema. */
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

/** The environment the IngestApi construct gives every verifier Lambda. Checked at cold start. */
const IngestEnvironmentSchema = z.object({
  PROVIDER_ID: z.string().check(z.minLength(1)),
  PROVIDER_OPTIONS: json(z.record(z.string(), z.unknown())),
  TENANTS: json(z.array(z.string())),
  SECRET_ARN: z.string().check(z.minLength(1)),
  TENANT_SECRET_ARNS: json(z.record(z.string(), z.string())),
  EVENT_TABLE: z.string().check(z.minLength(1)),
  RAW_BUCKET: z.string().check(z.minLength(1)),
  QUEUE_URL: z.string().check(z.minLength(1)),
  PUBLIC_BASE_URL: z.optional(z.string()),
  MAX_BODY_BYTES: positiveInt,
  INLINE_BODY_MAX_BYTES: positiveInt,
  RETENTION_DAYS: positiveInt,
  INGEST_LEASE_SECONDS: positiveInt,
  SECRETS_MAX_AGE_SECONDS: positiveInt,
});
export type IngestEnvironment = z.infer<typeof IngestEnvironmentSchema>;

export const readIngestEnvironment = (env: NodeJS.ProcessEnv): IngestEnvironment => {
  const parsed = IngestEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigurationError(`ingest environment is invalid:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
};
