import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import * as z from 'zod/mini';
import { json, readEnvironment, unlessEmpty } from '#shared/env';
import { RedactingLogFormatter } from '#shared/powertools/formatter';

/** Set by the Observability construct when the configuration names PII paths. */
const RedactionEnvironmentSchema = z.object({ LOG_REDACT_PATHS: unlessEmpty(json(z.array(z.string()))) });

/** PII paths from `LOG_REDACT_PATHS`. */
export const readRedactPaths = (env: NodeJS.ProcessEnv): string[] =>
  readEnvironment('log redaction', RedactionEnvironmentSchema, env).LOG_REDACT_PATHS ?? [];

/**
 * The one Logger, Tracer and Metrics of a function. Service name, namespace and log level come
 * from the environment the construct sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE,
 * POWERTOOLS_LOG_LEVEL), so every function is configured in one place. Every log line passes
 * the redactor: signatures, secrets, authorization headers and the configured PII paths never
 * reach the output (docs/security.md, "Secret leaks").
 */
export const logger = new Logger({
  logFormatter: new RedactingLogFormatter({ paths: readRedactPaths(process.env) }),
});
export const tracer = new Tracer();
export const metrics = new Metrics();
