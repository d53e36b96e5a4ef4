import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { summarize, type IngestOutcome } from '#shared/ingest/ingest';
import { writeWithMetrics, type LogLine, type MetricPoint } from '#shared/powertools/emf';
import type { RelayFlowMetrics } from '#shared/powertools/index';
import { INGEST_COUNT_FIELDS, INGEST_LATENCY_FIELD } from '#shared/powertools/line-metrics';

/** Rejection reasons as metric dimension values: few, fixed, and named for the dashboard. */
const REJECT_METRIC_REASON: Readonly<Record<string, string>> = {
  missing: 'signature',
  signature: 'signature',
  unauthorized: 'signature',
  replayed: 'stale',
  stale: 'stale',
  'unknown-tenant': 'unknown',
  method: 'unknown',
  'too-large': 'too-large',
  'tenant-mismatch': 'signature',
};

export interface Telemetry {
  /** Metrics written as an EMF record on the summary line. */
  readonly metrics: readonly MetricPoint[];
  /**
   * Metrics that metric filters read off the summary line's fields (functions/powertools/line-metrics.ts):
   * written as a record only where the log level hides the line.
   */
  readonly lineMetrics: readonly MetricPoint[];
  /**
   * The delivery's one line at INFO or above: what an operator searches by (the correlation id,
   * provider and tenant are the Logger's appended keys), and the metrics ride on it.
   */
  readonly summary: LogLine;
  /** Anything else worth saying: a hint that saves a search, and what only DEBUG prints. */
  readonly details: readonly LogLine[];
  /** X-Ray annotations: searchable in traces, so only short, bounded values. */
  readonly annotations: Readonly<Record<string, string>>;
}

export interface DeliveryContext {
  readonly provider: string;
  /** The path's tenant when it is configured, else `unknown`: never an arbitrary path segment. */
  readonly tenant: string;
  readonly correlationId: string;
  /** The HTTP status of the answer. */
  readonly status: number | undefined;
  readonly sourceIp: string;
  /** The body holds U+FFFD and arrived as text: bytes that were not UTF-8 were replaced on the way. */
  readonly transcoded: boolean;
  readonly contentType: string | undefined;
  readonly latencyMs: number;
}

/**
 * What one delivery reports: its metrics, its log lines and its trace annotations, decided here
 * from the outcome alone so that the handler only carries them out. A count of zero is left out:
 * it would cost bytes on every event, and a missing value breaches none of the alarms.
 */
export const telemetryOf = (outcome: IngestOutcome, context: DeliveryContext): Telemetry => {
  const { provider, tenant, status } = context;
  const count = (name: string, value: number): MetricPoint[] =>
    value > 0 ? [{ name, unit: MetricUnit.Count, value, dimensions: { provider, tenant } }] : [];
  const annotations = { correlationId: context.correlationId, provider, tenant, outcome: outcome.kind };
  // Every delivery's line carries its handling time, which a metric filter publishes.
  const latencyMs = Math.round(context.latencyMs);
  const latency: MetricPoint = {
    name: 'IngestLatency',
    unit: MetricUnit.Milliseconds,
    value: latencyMs,
    dimensions: { provider, tenant },
  };
  const report = (
    metrics: MetricPoint[],
    summary: LogLine,
    details: LogLine[] = [],
    counts: Partial<Record<keyof typeof INGEST_COUNT_FIELDS, number>> = {},
  ): Telemetry => {
    const counted = Object.entries(counts).filter(([, n]) => n > 0) as [
      keyof typeof INGEST_COUNT_FIELDS,
      number,
    ][];
    return {
      metrics,
      lineMetrics: [...counted.flatMap(([field, n]) => count(INGEST_COUNT_FIELDS[field], n)), latency],
      summary: {
        ...summary,
        fields: { ...summary.fields, ...Object.fromEntries(counted), [INGEST_LATENCY_FIELD]: latencyMs },
      },
      details,
      annotations,
    };
  };

  switch (outcome.kind) {
    case 'rejected': {
      const rejected: MetricPoint = {
        name: 'Rejected',
        unit: MetricUnit.Count,
        value: 1,
        dimensions: { provider, reason: REJECT_METRIC_REASON[outcome.reason] ?? 'unknown' },
      };
      // `reason` is the metric's dimension on the same line: the precise reason is the `cause`.
      const line: LogLine = {
        level: 'warn',
        message: 'request rejected',
        fields: { status, cause: outcome.reason, detail: outcome.message, sourceIp: context.sourceIp },
      };
      if (outcome.reason !== 'signature' || !context.transcoded) return report([rejected], line);
      return report([rejected], line, [
        {
          level: 'warn',
          message:
            'the body holds U+FFFD: bytes that were not UTF-8 were replaced before they reached the verifier',
          fields: {
            contentType: context.contentType,
            hint: 'API Gateway passes text content types as strings; such a body can never verify (see docs/security.md)',
          },
        },
      ]);
    }
    case 'no-secrets':
      return report(count('SecretMissing', 1), {
        level: 'error',
        message: 'no signing secret is configured; set it in Secrets Manager (see README)',
        fields: { status },
      });
    case 'unavailable':
      return report(count('IngestFailed', 1), {
        level: 'error',
        message: 'our own storage failed; the provider will retry',
        fields: { status, dependency: outcome.dependency, error: outcome.error },
      });
    case 'failed':
      return report([], {
        level: 'error',
        message: 'unexpected ingest failure',
        fields: { status, error: outcome.error },
      });
    case 'ingested':
    case 'unfinished': {
      const { items, secretIndex } = outcome;
      const number = (...outcomes: string[]) =>
        items.filter((item) => outcomes.includes(item.outcome)).length;
      const { outcomes, listed } = summarize(items);
      const [only] = items;
      const events =
        items.length === 1 && only
          ? { eventId: only.eventId, type: only.type, outcome: only.outcome }
          : { outcomes, ...(listed ? { items: listed } : {}) };
      return report(
        [],
        {
          level: 'info',
          message: 'webhook ingested',
          // The dashboard's rotation report looks for older secrets only: index 0 says nothing.
          fields: { status, ...events, ...(secretIndex > 0 ? { secretIndex } : {}) },
        },
        [
          {
            level: 'debug',
            message: 'delivery details',
            fields: { sourceIp: context.sourceIp, contentType: context.contentType, secretIndex },
          },
        ],
        {
          received: items.length,
          enqueued: number('accepted', 'requeued', 'reopened'),
          duplicate: number('duplicate'),
          quarantined: number('quarantined'),
        },
      );
    }
  }
};

/**
 * Writes a delivery's telemetry: its summary line carries its metrics, as fields or an EMF record
 * (functions/powertools/emf.ts), then the details.
 */
export const publishTelemetry = (telemetry: Telemetry, logger: Logger, metrics: RelayFlowMetrics): void => {
  writeWithMetrics(logger, metrics, telemetry.summary, telemetry.metrics, telemetry.lineMetrics);
  for (const line of telemetry.details) logger[line.level](line.message, line.fields);
};
