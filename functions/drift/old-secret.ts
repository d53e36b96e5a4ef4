import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { date, readEnvironment, unlessEmpty } from '#shared/env';

/** Set by the Observability construct from `observability.secretRetirement`, for providers that have one. */
const SecretRetirementEnvironmentSchema = z.object({ SECRET_RETIRE_AFTER: unlessEmpty(date()) });

/** The retirement date of a provider's older secrets. Read once at cold start. */
export const readSecretRetirement = (env: NodeJS.ProcessEnv): Date | undefined =>
  readEnvironment('secret retirement', SecretRetirementEnvironmentSchema, env).SECRET_RETIRE_AFTER;

export interface SecretUse {
  readonly provider: string;
  readonly tenant: string;
  /** Index of the active secret that verified the request; 0 is the newest. */
  readonly secretIndex: number;
  readonly now: Date;
  readonly retireAfter: Date | undefined;
}

/**
 * Emits `OldSecretUsed` (provider dimension) and a warning when a request verified with an
 * older secret (index > 0) arrives after that secret's retirement date: the provider has not
 * switched to the new secret, so removing the old one now would reject its deliveries.
 * Returns whether it reported.
 */
export const reportSecretUse = (
  deps: { readonly metrics: Metrics; readonly logger: Logger },
  use: SecretUse,
): boolean => {
  if (use.secretIndex === 0 || !use.retireAfter || use.now.getTime() < use.retireAfter.getTime())
    return false;
  const single = deps.metrics.singleMetric();
  single.addDimensions({ provider: use.provider });
  single.addMetric('OldSecretUsed', MetricUnit.Count, 1);
  deps.logger.warn('an older signing secret still verifies deliveries after its retirement date', {
    provider: use.provider,
    tenant: use.tenant,
    secretIndex: use.secretIndex,
    retireAfter: use.retireAfter.toISOString(),
  });
  return true;
};
