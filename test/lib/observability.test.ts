import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Observability } from '../../lib/constructs/observability';
import { synthStack } from '../helpers/stack';

const VERIFIER_PROVIDERS = ['stripe', 'github', 'shopify', 'standard-webhooks', 'acme-billing'];

// Synthesis is the slow part: one template with every option set, one with none.
const { template } = synthStack({
  alarmEmail: 'ops@example.com',
  observability: {
    oldestMessageAlarmMinutes: 30,
    signatureFailureAlarmPerMinute: 25,
    piiPaths: ['**.email', 'data.customer.phone'],
    secretRetirement: { stripe: '2025-07-01' },
  },
});
const { template: defaults } = synthStack();

interface AlarmProps {
  AlarmName: unknown;
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
  AlarmActions?: unknown[];
  OKActions?: unknown[];
}

const alarmsOf = (t: Template) =>
  Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
    (r) => (r as { Properties: AlarmProps }).Properties,
  );

/** Finds the one alarm named `<stack name>-<name>`. */
const alarmNamed = (t: Template, name: string): AlarmProps => {
  const found = alarmsOf(t).filter((a) => a.AlarmName === `RelayFlowTest-${name}`);
  expect(found).toHaveLength(1);
  return found[0] as AlarmProps;
};

const logicalIdOf = (t: Template, type: string, predicate: (props: Record<string, unknown>) => boolean) => {
  const ids = Object.entries(t.findResources(type))
    .filter(([, r]) => predicate((r as { Properties: Record<string, unknown> }).Properties))
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

const topicId = () => logicalIdOf(template, 'AWS::SNS::Topic', () => true);
const deadLetterQueueId = () =>
  logicalIdOf(template, 'AWS::SQS::Queue', (p) => p.RedrivePolicy === undefined && p.FifoQueue === true);
const mainQueueId = () => logicalIdOf(template, 'AWS::SQS::Queue', (p) => p.RedrivePolicy !== undefined);

describe('Observability alarm topic', () => {
  it('is encrypted with a rotating customer managed key that CloudWatch alarms may use', () => {
    const keyId = logicalIdOf(
      template,
      'AWS::KMS::Key',
      (p) => p.Description === 'Encrypts the RelayFlow alarm topic',
    );
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Effect: 'Allow',
          }),
        ]),
      },
    });
  });

  it('refuses any publish that is not over TLS and lets CloudWatch of this account publish', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('e-mails the configured address', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId() },
    });
  });

  it('has no subscription when no alarm e-mail is configured', () => {
    expect(defaults.findResources('AWS::SNS::Subscription')).toEqual({});
  });

  it('receives the alarm and the recovery of every alarm', () => {
    const alarms = alarmsOf(template);
    expect(alarms.length).toBeGreaterThan(7);
    for (const alarm of alarms) {
      expect({ name: alarm.AlarmName, actions: alarm.AlarmActions, ok: alarm.OKActions }).toEqual({
        name: alarm.AlarmName,
        actions: [{ Ref: topicId() }],
        ok: [{ Ref: topicId() }],
      });
    }
  });
});

describe('Observability alarms', () => {
  it('raises DeadLetterQueueNotEmpty on the first visible message in the dead-letter queue', () => {
    const alarm = alarmNamed(template, 'DeadLetterQueueNotEmpty');

    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueId(), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it("raises OldestMessageTooOld past the configured age of the main queue's oldest message", () => {
    expect(alarmNamed(template, 'OldestMessageTooOld')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [mainQueueId(), 'QueueName'] } }],
      Threshold: 1800,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('raises TargetDisabled on the first target auto-disabled, whichever target, with its runbook section', () => {
    expect(alarmNamed(template, 'TargetDisabled')).toMatchObject({
      Metrics: [expect.objectContaining({ Expression: 'SELECT SUM(TargetDisabled) FROM "RelayFlow"' })],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmDescription: expect.stringContaining('Runbook: docs/operations.md#targetdisabled'),
    });
  });

  it('defaults the oldest-message threshold to 15 minutes', () => {
    expect(alarmNamed(defaults, 'OldestMessageTooOld').Threshold).toBe(900);
  });

  it('raises SignatureFailureSpike when signature rejections of all providers exceed the rate 3 minutes out of 5', () => {
    const alarm = alarmNamed(template, 'SignatureFailureSpike');

    expect(alarm.Metrics).toEqual([
      expect.objectContaining({
        Expression: `SELECT SUM(Rejected) FROM "RelayFlow" WHERE reason = 'signature'`,
        Period: 60,
      }),
    ]);
    expect(alarm).toMatchObject({
      Threshold: 25,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarmNamed(defaults, 'SignatureFailureSpike').Threshold).toBe(50);
  });

  it.each([
    ['Quarantined', 'Quarantined'],
    ['SchemaDrift', 'SchemaDrift'],
    ['OldSecretUsed', 'OldSecretUsed'],
  ])('raises %s on the first %s metric of any provider and tenant', (name, metric) => {
    const alarm = alarmNamed(template, name);

    expect(alarm.Metrics).toEqual([
      expect.objectContaining({ Expression: `SELECT SUM(${metric}) FROM "RelayFlow"`, Period: 60 }),
    ]);
    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('raises ApiServerErrors on any 5xx answer of the webhook API', () => {
    const apiId = logicalIdOf(template, 'AWS::ApiGatewayV2::Api', () => true);

    expect(alarmNamed(template, 'ApiServerErrors')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
      Threshold: 0,
    });
  });

  it.each([...VERIFIER_PROVIDERS.map((p) => `verifier-${p}`), 'consumer', 'replay'])(
    'raises FunctionFaults-%s on any error or throttle of that function',
    (role) => {
      const alarm = alarmNamed(template, `FunctionFaults-${role}`);

      const metricNames = (alarm.Metrics ?? []).flatMap((m) =>
        m.MetricStat ? [m.MetricStat.Metric.MetricName] : [],
      );
      expect(metricNames.sort()).toEqual(['Errors', 'Throttles']);
      expect(alarm.Metrics).toEqual(
        expect.arrayContaining([expect.objectContaining({ Expression: 'errors + throttles' })]),
      );
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    },
  );
});

describe('Observability dashboard', () => {
  const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));

  it.each([
    'Ingest rate',
    'Rejected by reason',
    'Quarantine, schema drift, old secrets',
    'Main queue',
    'Age of oldest message (s)',
    'Dead-letter queue depth',
    'Processing errors and retries',
    'Replay outcomes',
    'Ingest latency p50 / p99 (ms)',
    'End-to-end latency p50 / p99 (ms)',
    'Lambda errors',
    'Lambda throttles',
    'API responses',
    'Events verified by an older secret (rotation report)',
  ])('has a "%s" panel', (title) => {
    expect(body).toContain(`\\"title\\":\\"${title}\\"`);
  });

  it.each([
    'Received',
    'Enqueued',
    'Duplicate',
    'Quarantined',
    'Processed',
    'Retried',
    'DeadLettered',
    'Stale',
    'Unrouted',
    'Replayed',
    'ReplaySkipped',
    'ReplayFailed',
  ])('graphs %s through a bounded SEARCH over the RelayFlow namespace', (metric) => {
    expect(body).toContain(
      `SEARCH('Namespace=\\\\\\"RelayFlow\\\\\\" MetricName=\\\\\\"${metric}\\\\\\"', 'Sum', 60)`,
    );
  });

  it('graphs p50 and p99 of both latencies', () => {
    for (const metric of ['IngestLatency', 'EndToEndLatency']) {
      for (const stat of ['p50', 'p99'])
        expect(body).toContain(`MetricName=\\\\\\"${metric}\\\\\\"', '${stat}', 60)`);
    }
  });

  it('graphs rejections by their provider and reason dimensions', () => {
    expect(body).toContain(
      `SEARCH('{RelayFlow,provider,reason,service} MetricName=\\\\\\"Rejected\\\\\\"', 'Sum', 60)`,
    );
  });
});

describe('Observability function settings', () => {
  it('tells every watched function which paths its Logger redacts', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, string> } };
    }[];
    // The verifiers, the consumer, replay, the audit archiver and the producer.
    expect(functions.length).toBe(VERIFIER_PROVIDERS.length + 4);
    for (const fn of functions) {
      expect(fn.Properties.Environment?.Variables?.LOG_REDACT_PATHS).toBe(
        '["**.email","data.customer.phone"]',
      );
    }
  });

  it("gives the retirement date of a provider's older secrets to that provider's verifier only", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROVIDER_ID: 'stripe',
          SECRET_RETIRE_AFTER: '2025-07-01T00:00:00.000Z',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ PROVIDER_ID: 'github', SECRET_RETIRE_AFTER: Match.absent() }),
      },
    });
  });

  it('adds no redaction variable when no PII path is configured', () => {
    expect(JSON.stringify(defaults.findResources('AWS::Lambda::Function'))).not.toContain('LOG_REDACT_PATHS');
  });
});

describe('Observability props', () => {
  it('refuses props it cannot honour, listing every problem at once', () => {
    const stack = new Stack(new App(), 'Bad');
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('x'),
    });

    expect(
      () =>
        new Observability(stack, 'Observability', {
          api: new HttpApi(stack, 'Api'),
          queue: new Queue(stack, 'Queue'),
          deadLetterQueue: new Queue(stack, 'Dlq'),
          verifiers: new Map([['stripe', fn]]),
          oldestMessageAgeAlarmSeconds: 10,
          signatureFailuresPerMinute: 0,
          secretRetirement: { github: 'soon' },
        }),
    ).toThrow(
      /oldestMessageAgeAlarmSeconds.*; signatureFailuresPerMinute.*; secretRetirement.github: no such provider.*; secretRetirement.github: "soon" is not a date/,
    );
  });
});
