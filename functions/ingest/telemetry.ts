import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { summarize, type IngestOutcome } from '#shared/ingest/ingest';

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

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** One metric value with every dimension it is published under (besides the service). */
export interface MetricPoint {
  readonly name: string;
  readonly unit: Unit;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface Telemetry {
  readonly metrics: readonly MetricPoint[];
  readonly logs: readonly LogLine[];
  /** X-Ray annotations: searchable in traces, so only short, bounded values. */
  readonly annotations: Readonly<Record<string, string>>;
}

export interface DeliveryContext {
  readonly provider: string;
  /** The path's tenant when it is configured, else `unknown`: never an arbitrary path segment. */
  readonly tenant: string;
  readonly correlationId: string;
  readonly sourceIp: string;
  /** The body holds U+FFFD and arrived as text: bytes that were not UTF-8 were replaced on the way. */
  readonly transcoded: boolean;
  readonly contentType: string | undefined;
  readonly latencyMs: number;
}

/**
 * What one delivery reports: its metrics, its log lines and its trace annotations, decided here
 * from the outcome alone so that the handler only carries them out.
 */
export const telemetryOf = (outcome: IngestOutcome, context: DeliveryContext): Telemetry => {
  const { provider, tenant } = context;
  const count = (
    name: string,
    value: number,
    dimensions: Record<string, string> = { provider, tenant },
  ): MetricPoint => ({
    name,
    unit: MetricUnit.Count,
    value,
    dimensions,
  });
  const latency: MetricPoint = {
    name: 'IngestLatency',
    unit: MetricUnit.Milliseconds,
    value: context.latencyMs,
    dimensions: { provider, tenant },
  };
  const annotations = { correlationId: context.correlationId, provider, tenant, outcome: outcome.kind };
  const report = (metrics: MetricPoint[], ...logs: LogLine[]): Telemetry => ({
    metrics: [...metrics, latency],
    logs,
    annotations,
  });

  switch (outcome.kind) {
    case 'rejected': {
      const rejected = count('Rejected', 1, {
        provider,
        reason: REJECT_METRIC_REASON[outcome.reason] ?? 'unknown',
      });
      const line: LogLine = {
        level: 'warn',
        message: 'request rejected',
        fields: { reason: outcome.reason, detail: outcome.message, sourceIp: context.sourceIp },
      };
      if (outcome.reason !== 'signature' || !context.transcoded) return report([rejected], line);
      return report([rejected], line, {
        level: 'warn',
        message:
          'the body holds U+FFFD: bytes that were not UTF-8 were replaced before they reached the verifier',
        fields: {
          contentType: context.contentType,
          hint: 'API Gateway passes text content types as strings; such a body can never verify (see docs/security.md)',
        },
      });
    }
    case 'no-secrets':
      return report([count('SecretMissing', 1)], {
        level: 'error',
        message: 'no signing secret is configured; set it in Secrets Manager (see README)',
        fields: { tenant: outcome.tenant },
      });
    case 'unavailable':
      return report([count('IngestFailed', 1)], {
        level: 'error',
        message: 'our own storage failed; the provider will retry',
        fields: { dependency: outcome.dependency, error: outcome.error },
      });
    case 'failed':
      return report([], {
        level: 'error',
        message: 'unexpected ingest failure',
        fields: { error: outcome.error },
      });
    case 'ingested':
    case 'unfinished': {
      const { items, secretIndex } = outcome;
      const number = (...outcomes: string[]) =>
        items.filter((item) => outcomes.includes(item.outcome)).length;
      const { outcomes, listed } = summarize(items);
      return report(
        [
          count('Received', items.length),
          count('Duplicate', number('duplicate')),
          count('Quarantined', number('quarantined')),
          count('Enqueued', number('accepted', 'requeued', 'reopened')),
        ],
        {
          level: 'info',
          message: 'webhook ingested',
          fields: { outcomes, ...(listed ? { items: listed } : {}), secretIndex },
        },
      );
    }
  }
};

/**
 * Publishes the points as one EMF record per dimension set (one for a delivery that was ingested,
 * two for a rejection): every record is a log line billed by the byte.
 */
export const publishMetrics = (metrics: Metrics, points: readonly MetricPoint[]): void => {
  const groups = new Map<string, MetricPoint[]>();
  for (const point of points) {
    const key = JSON.stringify(Object.entries(point.dimensions).sort(([a], [b]) => a.localeCompare(b)));
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  for (const group of groups.values()) {
    metrics.addDimensions(group[0]?.dimensions ?? {});
    for (const point of group) metrics.addMetric(point.name, point.unit, point.value);
    metrics.publishStoredMetrics();
  }
};
