import { LogLevelThreshold, type Logger } from '@aws-lambda-powertools/logger';
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EMF_RECORD } from '#shared/powertools/formatter';
import type { RelayFlowMetrics } from '#shared/powertools/index';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** One metric value with every dimension it is published under (besides the service). */
export interface MetricPoint {
  readonly name: string;
  readonly unit: Unit;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * Metrics as one EMF record, with a metric directive per dimension set: each metric
 * is published under its own dimensions only (a rejection is counted by reason, its latency by
 * tenant), and the delivery costs one record however many sets it has. Undefined when there is
 * nothing to publish.
 */
export const emfRecordOf = (
  metrics: RelayFlowMetrics,
  points: readonly MetricPoint[],
): Record<string, unknown> | undefined => {
  const groups = new Map<string, MetricPoint[]>();
  for (const point of points) {
    const key = JSON.stringify(Object.entries(point.dimensions).sort(([a], [b]) => a.localeCompare(b)));
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  let record: ReturnType<RelayFlowMetrics['serializeMetrics']> | undefined;
  for (const group of groups.values()) {
    metrics.addDimensions(group[0]?.dimensions ?? {});
    for (const point of group) metrics.addMetric(point.name, point.unit, point.value);
    const serialized = metrics.serializeMetrics();
    metrics.clearMetrics();
    metrics.clearDimensions();
    record = {
      ...record,
      ...serialized,
      _aws: {
        Timestamp: record?._aws.Timestamp ?? serialized._aws.Timestamp,
        CloudWatchMetrics: [...(record?._aws.CloudWatchMetrics ?? []), ...serialized._aws.CloudWatchMetrics],
      },
    };
  }
  return record;
};

/**
 * Writes one line with its metrics riding on it, so that an event costs one log line; where the
 * log level hides that line, the record is written alone, as Powertools writes it (straight to
 * stdout: Lambda's console would prefix it and break the JSON). Alone, it carries the Logger's
 * level: Lambda's log filter gives a line without a level INFO, and would drop the metrics with
 * it whenever the functions' level is above INFO (the Logger's level is Lambda's, decision 0058).
 *
 * `linePoints` are what metric filters read off the line's own fields (line-metrics.ts): a written
 * line needs no record for them; a hidden one gives them in the record instead, so that no log
 * level loses a metric.
 */
export const writeWithMetrics = (
  logger: Logger,
  metrics: RelayFlowMetrics,
  line: LogLine,
  points: readonly MetricPoint[],
  linePoints: readonly MetricPoint[] = [],
): void => {
  const shown = isShown(logger, line.level);
  const published = shown ? points : [...points, ...linePoints];
  const record = metrics.publishes ? emfRecordOf(metrics, published) : undefined;
  if (shown) logger[line.level](line.message, { ...line.fields, [EMF_RECORD]: record });
  else if (record) process.stdout.write(`${JSON.stringify({ level: logger.getLevelName(), ...record })}\n`);
};

/** Whether the Logger, and so Lambda (decision 0058), writes a line of this level. */
export const isShown = (logger: Logger, level: LogLine['level']): boolean =>
  logger.level <= LogLevelThreshold[level.toUpperCase() as Uppercase<LogLine['level']>];
