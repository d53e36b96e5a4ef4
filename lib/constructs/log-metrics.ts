import { Unit } from 'aws-cdk-lib/aws-cloudwatch';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LINE_METRIC_DIMENSIONS, type LineMetric } from '../../functions/powertools/line-metrics';
import { METRIC_NAMESPACE } from './observability';

export interface LogMetricsProps {
  /** The log group of the function whose lines carry the metrics. */
  readonly logGroup: ILogGroup;
  readonly metrics: readonly LineMetric[];
}

/**
 * The metric filters that publish a function's per-event metrics from its INFO lines
 * (docs/decisions/0059-metrics-from-log-lines.md): free to evaluate, and the lines carry no EMF
 * record for them. One filter per metric, each per provider and tenant.
 */
export class LogMetrics extends Construct {
  constructor(scope: Construct, id: string, props: LogMetricsProps) {
    super(scope, id);
    for (const metric of props.metrics) {
      new MetricFilter(this, metric.name, {
        logGroup: props.logGroup,
        filterPattern: FilterPattern.literal(metric.pattern),
        metricNamespace: METRIC_NAMESPACE,
        metricName: metric.name,
        metricValue: metric.value,
        unit: metric.unit === 'Count' ? Unit.COUNT : Unit.MILLISECONDS,
        dimensions: LINE_METRIC_DIMENSIONS,
      });
    }
  }
}
