import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type * as PowertoolsTracer from '@aws-lambda-powertools/tracer';
import * as z from 'zod/mini';
import { json, readEnvironment, unlessEmpty } from '#shared/env';
import { RedactingLogFormatter } from '#shared/powertools/formatter';

/** Set by the Observability construct when the configuration names PII paths. */
const RedactionEnvironmentSchema = z.object({ LOG_REDACT_PATHS: unlessEmpty(json(z.array(z.string()))) });

/** PII paths from `LOG_REDACT_PATHS`. */
export const readRedactPaths = (env: NodeJS.ProcessEnv): string[] =>
  readEnvironment('log redaction', RedactionEnvironmentSchema, env).LOG_REDACT_PATHS ?? [];

/** What RelayFlow asks of a tracer. */
export type RelayFlowTracer = Pick<
  PowertoolsTracer.Tracer,
  'captureAWSv3Client' | 'getSegment' | 'setSegment' | 'putAnnotation'
>;

/** Stands in for the Tracer where tracing is off: clients stay as they are, and nothing is recorded. */
const untraced: RelayFlowTracer = {
  captureAWSv3Client: (client) => client,
  getSegment: () => undefined,
  setSegment: () => undefined,
  putAnnotation: () => undefined,
};

/**
 * Powertools' Tracer imports the X-Ray SDK as it loads (about a tenth of a verifier's init CPU),
 * and with `POWERTOOLS_TRACE_ENABLED=false` (tracing switched off in the configuration, and the
 * local runtime) it would only ignore every call. So it is loaded only when tracing may be on:
 * `require` keeps the choice synchronous at init, and esbuild bundles the module behind it to be
 * evaluated only when that line runs.
 */
export const createTracer = (env: NodeJS.ProcessEnv): RelayFlowTracer => {
  if (env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'false') return untraced;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Tracer } = require('@aws-lambda-powertools/tracer') as typeof PowertoolsTracer;
  return new Tracer();
};

/**
 * Powertools' Metrics, saying whether it writes anything (`POWERTOOLS_METRICS_DISABLED`,
 * `POWERTOOLS_DEV`): a metric record that rides on a log line must respect that too.
 */
export class RelayFlowMetrics extends Metrics {
  get publishes(): boolean {
    return !this.isDisabled();
  }
}

/**
 * The one Logger, Tracer and Metrics of a function. Service name, namespace and log level come
 * from the environment the construct sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE,
 * POWERTOOLS_LOG_LEVEL, POWERTOOLS_TRACE_ENABLED), so every function is configured in one place.
 * Every log line passes the redactor: signatures, secrets, authorization headers and the
 * configured PII paths never reach the output (docs/security.md, "Secret leaks").
 */
export const logger = new Logger({
  logFormatter: new RedactingLogFormatter({ paths: readRedactPaths(process.env) }),
});
export const tracer = createTracer(process.env);
export const metrics = new RelayFlowMetrics();
