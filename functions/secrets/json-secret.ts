import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type * as z from 'zod/mini';
import { InfrastructureError } from '#shared/errors';

/**
 * Reads a JSON secret through Powertools Parameters (cached for `maxAgeSeconds`) and checks it
 * against `schema`. The secret is parsed here rather than with Powertools' `json` transform,
 * because JSON.parse quotes its input in its error message: a secret stored as a bare string
 * would reach the logs as the error's cause. Both failures say what is wrong, never the value.
 */
export const readJsonSecret = async <T>(
  secrets: Pick<SecretsProvider, 'get'>,
  arn: string,
  schema: z.ZodMiniType<T>,
  options: { readonly maxAgeSeconds: number; readonly expected: string },
): Promise<T> => {
  let text: unknown;
  try {
    text = await secrets.get(arn, { maxAge: options.maxAgeSeconds });
  } catch (error) {
    throw new InfrastructureError('secrets', 'the secret could not be read', { cause: error });
  }
  let value: unknown;
  try {
    value = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InfrastructureError('secrets', `the secret is not ${options.expected}`);
  return parsed.data;
};
