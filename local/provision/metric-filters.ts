import { z } from 'zod';
import { resourcesOfType, type LocalResource } from '../template';
import { resolveIn, type Provisioner } from './context';

const MetricFilterProperties = z.object({
  LogGroupName: z.string().min(1),
  FilterPattern: z.string(),
  MetricTransformations: z
    .array(
      z.object({
        MetricName: z.string().min(1),
        MetricNamespace: z.string().min(1),
        MetricValue: z.string().min(1),
        Dimensions: z.array(z.object({ Key: z.string().min(1), Value: z.string().min(1) })).default([]),
      }),
    )
    .min(1),
});

/**
 * AWS::Logs::MetricFilter in the CloudWatch emulator: the functions' lines in a filter's log group
 * then publish its metrics, as CloudWatch Logs publishes them, so that the console and the tests
 * read the same series a deployed stack has. Log groups are named by the inert provisioner first.
 */
export const provisionMetricFilters: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  for (const [id, filter] of resourcesOfType(template, 'AWS::Logs::MetricFilter')) {
    const parsed = MetricFilterProperties.safeParse(resolve(filter.Properties));
    if (!parsed.success) throw new Error(`metric filter ${id}: ${z.prettifyError(parsed.error)}`);
    const { LogGroupName, FilterPattern, MetricTransformations } = parsed.data;
    ctx.services.cloudWatch.putMetricFilter({
      logGroupName: LogGroupName,
      filterPattern: FilterPattern,
      transformations: MetricTransformations.map((t) => ({
        metricName: t.MetricName,
        metricNamespace: t.MetricNamespace,
        metricValue: t.MetricValue,
        dimensions: Object.fromEntries(t.Dimensions.map((d) => [d.Key, d.Value])),
      })),
    });
    resources.set(id, { ref: id });
  }
  return Promise.resolve({ resources });
};
