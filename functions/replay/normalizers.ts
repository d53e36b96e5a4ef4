import { ConfigurationError } from '#shared/errors';
import { resolveProvider } from '#shared/providers/registry';
import { formatIssue } from '#shared/providers/types';
import type { Normalizer } from '#shared/replay/renormalize';
import type { ProvidersConfig } from '#shared/replay/config';

/**
 * The current normalizer of every configured provider, with the options its verifier runs with.
 * @throws ConfigurationError naming every provider whose options do not fit.
 */
export const normalizersFor = (providers: ProvidersConfig): Record<string, Normalizer> => {
  const problems: string[] = [];
  const normalizers: Record<string, Normalizer> = {};
  for (const [id, { kind, options }] of Object.entries(providers)) {
    const resolved = resolveProvider({ id, kind, options });
    if (!resolved.success) {
      problems.push(...resolved.issues.map((issue) => formatIssue([id], issue)));
      continue;
    }
    const { provider, options: parsed, entityOverride } = resolved.data;
    normalizers[id] = { normalize: (request) => provider.normalize(request, parsed), entityOverride };
  }
  if (problems.length > 0) throw new ConfigurationError(`PROVIDERS cannot be used: ${problems.join('; ')}`);
  return normalizers;
};
