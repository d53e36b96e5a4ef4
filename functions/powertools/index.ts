import { Logger } from '@aws-lambda-powertools/logger';
import { isRequestXRaySampled } from '@aws-lambda-powertools/commons/utils/env';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type * as PowertoolsTracer from '@aws-lambda-powertools/tracer';
import * as z from 'zod/mini';
import { json, readEnvironment, unlessEmpty } from '#shared/env';
import { RedactingLogFormatter } from '#shared/powertools/formatter';
import { functionStackMapper } from '#shared/powertools/stack-map';

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

/** What the sampled tracer needs of an AWS SDK v3 client: its middleware stack. */
interface SdkClient {
  readonly middlewareStack: {
    add(
      middleware: (next: (args: object) => Promise<unknown>) => (args: object) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
    remove(name: string): boolean;
  };
}

const LOAD_ON_SAMPLED_CALL = 'relayflowLoadTracerOnSampledCall';

/**
 * Tracing is on by default, yet most invocations are not sampled (after the 1/s reservoir, only
 * `tracing.samplingRate` of them), and the X-Ray SDK that Powertools' Tracer imports as it loads
 * is about a tenth of a verifier's init CPU (docs/decisions/0061-cold-start-tracer-and-source-map.md).
 * So the Tracer is loaded by the first sampled invocation of a container, not at init: a
 * container that is never sampled never loads it. Until then clients are only remembered, each
 * with a middleware that loads the Tracer on its first sampled call, so that a function that never
 * asks for the segment is traced too (from that call's successor: the call that loads it has
 * already resolved its middleware). Once loaded it is Powertools' Tracer for every invocation,
 * sampled or not, as it would have been from init.
 */
export class SampledTracer implements RelayFlowTracer {
  private tracer: PowertoolsTracer.Tracer | undefined;
  private readonly waiting: SdkClient[] = [];

  constructor(
    private readonly load: () => PowertoolsTracer.Tracer,
    private readonly sampled: () => boolean = isRequestXRaySampled,
  ) {}

  captureAWSv3Client<T>(client: T): T {
    if (this.tracer) return this.tracer.captureAWSv3Client(client);
    const sdkClient = client as unknown as SdkClient;
    this.waiting.push(sdkClient);
    sdkClient.middlewareStack.add(
      (next) => (args) => {
        this.loadedIfSampled();
        return next(args);
      },
      { step: 'initialize', name: LOAD_ON_SAMPLED_CALL },
    );
    return client;
  }

  getSegment(): ReturnType<RelayFlowTracer['getSegment']> {
    return this.loadedIfSampled()?.getSegment();
  }

  setSegment(segment: Parameters<RelayFlowTracer['setSegment']>[0]): void {
    this.loadedIfSampled()?.setSegment(segment);
  }

  putAnnotation(key: string, value: string | number | boolean): void {
    this.loadedIfSampled()?.putAnnotation(key, value);
  }

  private loadedIfSampled(): PowertoolsTracer.Tracer | undefined {
    if (this.tracer || !this.sampled()) return this.tracer;
    const tracer = this.load();
    this.tracer = tracer;
    for (const client of this.waiting.splice(0)) {
      client.middlewareStack.remove(LOAD_ON_SAMPLED_CALL);
      tracer.captureAWSv3Client(client);
    }
    return tracer;
  }
}

/**
 * The tracer of a function: none where tracing is switched off (`POWERTOOLS_TRACE_ENABLED=false`,
 * set by the configuration and by the local runtime), else Powertools' Tracer from the first
 * sampled invocation on. `require` keeps loading it synchronous, and esbuild bundles the module
 * behind it to be evaluated only when that line runs.
 */
export const createTracer = (env: NodeJS.ProcessEnv): RelayFlowTracer => {
  if (env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'false') return untraced;
  return new SampledTracer(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Tracer } = require('@aws-lambda-powertools/tracer') as typeof PowertoolsTracer;
    return new Tracer();
  });
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
  logFormatter: new RedactingLogFormatter({
    paths: readRedactPaths(process.env),
    mapStack: functionStackMapper(process.env),
  }),
});
export const tracer = createTracer(process.env);
export const metrics = new RelayFlowMetrics();
