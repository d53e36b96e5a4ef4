import * as z from 'zod/mini';
import { ConfigurationError } from '#shared/errors';

/*
 * The parts of every Lambda's environment schema. Constructs hand every value over as a string;
 * these read them into the types the code uses, so that each Lambda checks its whole environment
 * once, at cold start, and fails it with one message naming every variable that does not fit.
 */

/** A name, ARN or URL the construct must set. */
export const required = () => z.string().check(z.minLength(1));

/** An integer of at least `min`; an empty value is refused rather than read as 0. */
export const integer = (min: number, expected = `an integer ≥ ${min}`) =>
  z.pipe(required(), z.transform(Number)).check(z.refine((n) => Number.isInteger(n) && n >= min, expected));

export const positiveInt = () => integer(1, 'a positive integer');

/** A variable holding JSON, checked against `schema`. */
export const json = <T extends z.ZodMiniType>(schema: T) =>
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

/** An instant, in any form `Date` reads (the constructs write ISO 8601). */
export const date = () =>
  z.pipe(
    required(),
    z.transform((text, ctx) => {
      const value = new Date(text);
      if (!Number.isNaN(value.getTime())) return value;
      ctx.issues.push({ code: 'custom', message: `not a date: ${text}`, input: text });
      return z.NEVER;
    }),
  );

/** A variable the construct sets only when configured: absent and empty both read as unset. */
export const unlessEmpty = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((value: unknown) => (value === '' ? undefined : value)),
    z.optional(schema),
  );

/**
 * Checks `env` against a Lambda's environment schema.
 * @throws ConfigurationError listing every variable that does not fit, so that the cold start fails.
 */
export const readEnvironment = <T extends z.ZodMiniType>(
  name: string,
  schema: T,
  env: NodeJS.ProcessEnv,
): z.output<T> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new ConfigurationError(`${name} environment is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
};
