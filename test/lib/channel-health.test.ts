import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Observability, type ObservabilityProps } from '../../lib/constructs/observability';
import { synthStack } from '../helpers/stack';

// The stack once, with the thresholds configured: they reach the alarms through config and stack.
const { template } = synthStack({
  observability: { channelHealth: { bounceRate: 0.02, failureRate: 0.25 } },
});

/** Observability alone, for what the stack's configuration does not change. */
const bare = (props: Partial<ObservabilityProps> = {}) => {
  const stack = new Stack(new App(), 'Bare');
  const fn = new LambdaFunction(stack, 'Fn', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('x'),
  });
  new Observability(stack, 'Observability', {
    api: new HttpApi(stack, 'Api'),
    queue: new Queue(stack, 'Queue'),
    deadLetterQueue: new Queue(stack, 'Dlq'),
    verifiers: new Map([['stripe', fn]]),
    ...props,
  });
  return Template.fromStack(stack);
};

interface AlarmProps {
  AlarmName: string;
  AlarmDescription: string;
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  TreatMissingData: string;
  Metrics: { Id: string; Expression: string; Period?: number; ReturnData: boolean }[];
}

const alarmNamed = (t: Template, name: string): AlarmProps => {
  const found = Object.values(t.findResources('AWS::CloudWatch::Alarm'))
    .map((r) => (r as { Properties: AlarmProps }).Properties)
    .filter((a) => typeof a.AlarmName === 'string' && a.AlarmName.endsWith(`-${name}`));
  expect(found).toHaveLength(1);
  return found[0] as AlarmProps;
};

describe('channel health alarms', () => {
  it.each([
    ['MessageBounceRate', 'MessageBounced', 'bounced', 0.02],
    ['MessageFailureRate', 'MessageFailed', 'failed', 0.25],
  ])(
    'raises %s on the share of %s among sent messages over 15 minutes, every channel and tenant in one query each',
    (name, metric, id, threshold) => {
      const alarm = alarmNamed(template, name);

      expect(alarm.Metrics).toEqual([
        {
          Id: 'expr_1',
          Label: expect.any(String),
          Expression: `IF(FILL(sent, 0) + FILL(${id}, 0) >= 20, FILL(${id}, 0) / MAX([FILL(sent, 0), FILL(${id}, 0)]), 0)`,
          ReturnData: true,
        },
        {
          Id: 'sent',
          Label: 'MessageSent',
          Expression: 'SELECT SUM(MessageSent) FROM "RelayFlow"',
          Period: 900,
          ReturnData: false,
        },
        {
          Id: id,
          Label: metric,
          Expression: `SELECT SUM(${metric}) FROM "RelayFlow"`,
          Period: 900,
          ReturnData: false,
        },
      ]);
      expect(alarm).toMatchObject({
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: expect.stringContaining(`Runbook: docs/operations.md#${name.toLowerCase()}`),
      });
    },
  );

  it('defaults to 5% bounced and 10% failed', () => {
    const defaults = bare();

    expect(alarmNamed(defaults, 'MessageBounceRate')).toMatchObject({
      Threshold: 0.05,
      AlarmDescription: expect.stringMatching(
        /^More than 5% of the messages sent in the last 15 minutes bounced/,
      ),
    });
    expect(alarmNamed(defaults, 'MessageFailureRate').Threshold).toBe(0.1);
  });

  it.each([
    ['MessageUncertain', 'MessageUncertain'],
    ['MessageReceiptMissing', 'MessageReceiptMissing'],
  ])('raises %s on the first %s metric of any channel, adapter and tenant', (name, metric) => {
    const alarm = alarmNamed(template, name);

    expect(alarm.Metrics).toEqual([
      expect.objectContaining({ Expression: `SELECT SUM(${metric}) FROM "RelayFlow"`, Period: 60 }),
    ]);
    expect(alarm).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmDescription: expect.stringContaining(`Runbook: docs/operations.md#${name.toLowerCase()}`),
    });
  });

  it('refuses a share outside 0 to 1, in the configuration and in the construct', () => {
    expect(() => synthStack({ observability: { channelHealth: { bounceRate: 5 } } })).toThrow(
      /observability.channelHealth.bounceRate: Too big: expected number to be <=1/,
    );
    expect(() => bare({ channelHealth: { bounceRate: -0.1, failureRate: 1.5 } })).toThrow(
      /channelHealth.bounceRate must be a share from 0 to 1; channelHealth.failureRate must be a share from 0 to 1/,
    );
  });
});

describe('channel health dashboard row', () => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
  }[];
  const body = (dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? [])
    .filter((part): part is string => typeof part === 'string')
    .join('');
  const widgets = (
    JSON.parse(body.replace(/"region":"[^"]*"/g, '"region":"r"')) as {
      widgets: { width: number; properties: { title?: string; markdown?: string; metrics?: unknown[] } }[];
    }
  ).widgets;
  const panel = (title: string) => {
    const found = widgets.find((w) => w.properties.title === title);
    expect(found).toBeDefined();
    return found as (typeof widgets)[number];
  };
  const expressions = (title: string) =>
    (panel(title).properties.metrics as [{ expression: string; label: string }][]).map(([m]) => m);

  it('opens a full-width row of its own, pointing at the delivery report', () => {
    const header = widgets.findIndex((w) => w.properties.markdown?.startsWith('## Channels'));
    expect(header).toBeGreaterThan(0);
    expect(widgets[header]?.width).toBe(24);
    expect(widgets[header]?.properties.markdown).toContain('relayflow messages report --tenant <id>');
    expect(widgets.slice(header + 1, header + 5).reduce((sum, w) => sum + w.width, 0)).toBe(24);
  });

  it('graphs sent, delivered, bounced, failed, uncertain and receipt missing per channel and adapter', () => {
    const grouped = [
      ...expressions('Messages sent and delivered, per channel and adapter'),
      ...expressions('Messages bounced, failed, uncertain, without receipt, per channel and adapter'),
    ].map((m) => m.expression);
    expect(grouped).toEqual(
      [
        'MessageSent',
        'MessageDelivered',
        'MessageBounced',
        'MessageFailed',
        'MessageUncertain',
        'MessageReceiptMissing',
      ].map((metric) => `SELECT SUM(${metric}) FROM "RelayFlow" GROUP BY channel, via`),
    );
  });

  it('graphs the shares the alarms watch, with both thresholds drawn', () => {
    const shares = panel('Bounce and failure share of sent (15 min, all channels)');
    expect(expressions(shares.properties.title ?? '').map((m) => m.label)).toEqual([
      'bounced / sent',
      'MessageSent',
      'MessageBounced',
      'failed / sent',
      'MessageFailed',
    ]);
    expect(JSON.stringify(shares)).toContain(
      '"horizontal":[{"value":0.02,"label":"bounce alarm","yAxis":"left"},{"value":0.25,"label":"failure alarm","yAxis":"left"}]',
    );
  });

  it('graphs send → delivered latency p50 and p95', () => {
    expect(expressions('Send → delivered latency p50 / p95 (ms), per channel, adapter and tenant')).toEqual([
      expect.objectContaining({
        label: 'p50',
        expression: `SEARCH('Namespace="RelayFlow" MetricName="MessageDeliveryLatency"', 'p50', 60)`,
      }),
      expect.objectContaining({
        label: 'p95',
        expression: `SEARCH('Namespace="RelayFlow" MetricName="MessageDeliveryLatency"', 'p95', 60)`,
      }),
    ]);
  });
});
