import { ConfigurationError } from '#shared/errors';
import { createGenericHmacProvider, parseGenericHmacOptions } from '#shared/providers/generic-hmac/index';
import { builtInProviders } from '#shared/providers/registry';
import * as z from 'zod/mini';
import type { Normalizer } from '#shared/replay/renormalize';
import type { ProvidersConfig } from '#shared/replay/config';

const EntityOverrideSchema = z.object({
  entity: z.optional(z.object({ kind: z.string().check(z.minLength(1)), path: z.string().check(z.minLength(1)) })),
});

/**
 * The current normalizer of every configured provider, with the options its verifier runs with.
 * @throws ConfigurationError naming every provider whose options do not fit.
 */
export const normalizersFor = (providers: ProvidersConfig): Record<string, Normalizer> => {
  const problems: string[] = [];
  const normalizers: Record<string, Normalizer> = {};
  for (const [id, { kind, options }] of Object.entries(providers)) {
    const override = EntityOverrideSchema.safeParse(options);
    const entityOverride = override.success ? override.data.entity : undefined;
    if (kind === 'generic-hmac') {
      try {
        const parsed = parseGenericHmacOptions(id, options);
        const provider = createGenericHmacProvider(id, parsed);
        normalizers[id] = { normalize: (request) => provider.normalize(request, parsed), entityOverride };
      } catch (error) {
        problems.push(error instanceof Error ? error.message : `${id}: options do not fit`);
      }
      continue;
    }
    const entry = builtInProviders[id];
    const parsed = entry?.optionsSchema.safeParse(options);
    if (!entry || !parsed?.success) {
      problems.push(`${id}: ${entry ? 'options do not fit the provider' : 'no such built-in provider'}`);
      continue;
    }
    const providerOptions = parsed.data;
    normalizers[id] = { normalize: (request) => entry.provider.normalize(request, providerOptions), entityOverride };
  }
  if (problems.length > 0) throw new ConfigurationError(`PROVIDERS cannot be used: ${problems.join('; ')}`);
  return normalizers;
};
