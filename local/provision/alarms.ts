import type { AlarmDefinition } from '../emulators/cloudwatch';
import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, resolveIn, stringProperty, type Provisioner } from './context';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const number = (value: unknown): number | undefined => (value === undefined ? undefined : Number(value));
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

/**
 * AWS::CloudWatch::Alarm in the CloudWatch emulator, OK until a test sets it otherwise. Only what
 * DescribeAlarms shows is read: actions resolve to local topic ARNs, and the metric or metric
 * math is left unresolved, since no metric is evaluated locally.
 */
export const provisionAlarms: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  const actions = (value: unknown): string[] | undefined =>
    value === undefined ? undefined : (resolve(value) as unknown[]).map(String);
  for (const [id, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
    const props = alarm.Properties ?? {};
    const name = stringProperty(alarm, 'AlarmName') ?? physicalName(ctx.stackName, id, 255);
    const definition: AlarmDefinition = {
      AlarmName: name,
      AlarmDescription: text(props.AlarmDescription),
      ActionsEnabled: bool(props.ActionsEnabled),
      AlarmActions: actions(props.AlarmActions),
      OKActions: actions(props.OKActions),
      InsufficientDataActions: actions(props.InsufficientDataActions),
      MetricName: text(props.MetricName),
      Namespace: text(props.Namespace),
      Statistic: text(props.Statistic),
      Period: number(props.Period),
      EvaluationPeriods: Number(props.EvaluationPeriods ?? 1),
      DatapointsToAlarm: number(props.DatapointsToAlarm),
      Threshold: number(props.Threshold),
      ComparisonOperator: String(props.ComparisonOperator),
      TreatMissingData: text(props.TreatMissingData),
    };
    const { AlarmArn } = ctx.services.cloudWatch.putMetricAlarm(definition);
    resources.set(id, { ref: name, attributes: { Arn: AlarmArn } });
  }
  return Promise.resolve({ resources });
};
