import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import * as z from 'zod/mini';
import { ConfigurationError } from '#shared/errors';
import { RedactingLogFormatter } from '#shared/powertools/formatter';

const RedactPathsSchema = z.array(z.string());

/** PII paths from `LOG_REDACT_PATHS` (set by the Observability construct from the configuration). */
export const readRedactPaths = (env: NodeJS.ProcessEnv): string[] => {
  const raw = env.LOG_REDACT_PATHS;
  if (raw === undefined || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigurationError('LOG_REDACT_PATHS is not JSON');
  }
  const paths = RedactPathsSchema.safeParse(parsed);
  if (!paths.success) throw new ConfigurationError('LOG_REDACT_PATHS is not a JSON array of strings');
  return paths.data;
};

/**
 * The one Logger, Tracer and Metrics of a function. Service name, namespace and log level come
 * from the environment the construct sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE,
 * POWERTOOLS_LOG_LEVEL), so every function is configured in one place. Every log line passes
 * the redactor: signatures, secrets, authorization headers and the configured PII paths never
 * reach the output (docs/security.md, "Secret leaks").
 */
export const logger = new Logger({ logFormatter: new RedactingLogFormatter({ paths: readRedactPaths(process.env) }) });
export const tracer = new Tracer();
export const metrics = new Metrics();
