import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one Logger, Tracer and Metrics of a function. Service name, namespace and log level come
 * from the environment the construct sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE,
 * POWERTOOLS_LOG_LEVEL), so every function is configured in one place.
 */
export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics();
