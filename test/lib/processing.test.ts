import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { parseConfig, type RelayFlowConfigInput } from '../../lib/config';
import { Processing, type ProcessingProps } from '../../lib/constructs/processing';
import { RoutesSchema } from '../../functions/routing/routes';
import { aConfig, synthStack } from '../helpers/stack';

const ROUTES: RelayFlowConfigInput['routes'] = [
  { match: { type: 'email.bounced' }, targets: [{ kind: 'workflow', name: 'suppress-bounced-recipient' }] },
  {
    match: { provider: 'stripe', type: 'payment.*' },
    targets: [
      { kind: 'http', id: 'ledger', url: 'https://ledger.example.com/hooks' },
      { kind: 'eventbridge', eventBusName: 'payments' },
    ],
    onStale: 'skip',
  },
];

const build = (overrides: Partial<ProcessingProps> = {}, routes = ROUTES) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ProcessingTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const config = parseConfig(aConfig({ consumer: { maxConcurrency: 7, idempotencyTtlHours: 96 } }));
  // Past the configuration's own checks, so that the construct's are what the tests see.
  const processing = new Processing(stack, 'Processing', {
    routes: RoutesSchema.parse(routes),
    maxConcurrency: config.consumer.maxConcurrency,
    idempotencyTtlHours: config.consumer.idempotencyTtlHours,
    retry: config.retry,
    table: new Table(stack, 'Events', { partitionKey: { name: 'PK', type: AttributeType.STRING } }),
    rawBucket: new Bucket(stack, 'Raw'),
    queue: new Queue(stack, 'Main', { fifo: true }),
    deadLetterQueue: new Queue(stack, 'Dlq', { fifo: true }),
    consumerTimeout: Duration.seconds(30),
    retentionDays: 30,
    logLevel: 'INFO',
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
    ...overrides,
  });
  return { stack, processing, template: Template.fromStack(stack) };
};

const consumerPolicyStatements = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (
        policy as {
          Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
        }
      ).Properties.PolicyDocument.Statement,
  );

describe('Processing construct', () => {
  it('maps the main queue to the consumer with batch size 10, partial batch responses and the configured concurrency', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 7 },
    });
  });

  it('gives the consumer the 30 s consumer timeout and its handler entry', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 30,
      Description: Match.stringLikeRegexp('consumer'),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'consumer' }) },
    });
  });

  it('creates no table of its own: the run records live in the event table (decision 0044)', () => {
    const { template } = build();

    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(consumerPolicyStatements(template).flatMap((s) => [s.Action].flat())).not.toContain(
      'dynamodb:DeleteItem',
    );
  });

  it('generates a base64-safe signing secret for HTTP targets', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        GenerateStringKey: 'signingSecret',
        PasswordLength: 40,
        ExcludePunctuation: true,
        SecretStringTemplate: '{}',
      },
    });
  });

  it('passes routes, retry policy, idempotency TTL and every name the consumer needs as environment', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ROUTES: Match.stringLikeRegexp('"suppress-bounced-recipient"'),
          MAX_ATTEMPTS: '4',
          MAX_RECEIVE_COUNT: '16',
          BACKOFF_BASE_SECONDS: '2',
          BACKOFF_MAX_SECONDS: '60',
          IDEMPOTENCY_TTL_HOURS: '96',
          EVENT_TABLE: Match.anyValue(),
          RAW_BUCKET: Match.anyValue(),
          QUEUE_URL: Match.anyValue(),
          DEAD_LETTER_QUEUE_URL: Match.anyValue(),
          TARGET_SIGNING_SECRET_ARN: Match.anyValue(),
        }),
      },
    });
  });

  it('allows PutEvents only on the buses the routes name', () => {
    const { template } = build();

    const statement = consumerPolicyStatements(template).find((s) => s.Action === 'events:PutEvents');
    expect(statement?.Resource).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111111111111:event-bus/payments'],
      ],
    });
  });

  it('grants no PutEvents at all when no route targets EventBridge', () => {
    const { template } = build({}, [
      { match: { type: '*' }, targets: [{ kind: 'http', url: 'https://example.com/x' }] },
    ]);

    expect(
      consumerPolicyStatements(template).some((s) => [s.Action].flat().includes('events:PutEvents')),
    ).toBe(false);
  });

  it('grants only named actions, never a service wildcard', () => {
    const { template } = build();

    const actions = consumerPolicyStatements(template).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.endsWith('*') && !a.startsWith('xray:'))).toEqual([]);
    expect(actions).toEqual(
      expect.arrayContaining(['sqs:ChangeMessageVisibility', 'dynamodb:UpdateItem', 's3:GetObject']),
    );
  });

  it('refuses a route naming a workflow that does not exist, listing every problem', () => {
    expect(() =>
      build({}, [
        { match: { type: 'a.*' }, targets: [{ kind: 'workflow', name: 'nope' }] },
        {
          match: { type: 'b.*' },
          targets: [
            { kind: 'workflow', id: 'x', name: 'suppress-bounced-recipient' },
            { kind: 'http', id: 'x', url: 'https://example.com' },
          ],
        },
      ]),
    ).toThrow(
      /routes\[0\]\.targets\[0\]\.name: workflow "nope" does not exist.*routes\[1\]\.targets\[1\]\.id: two targets share the id "x"/s,
    );
  });

  it('refuses an idempotency TTL under 72 hours', () => {
    expect(() => build({ idempotencyTtlHours: 24 })).toThrow(/at least 72/);
  });
});

describe('RelayFlowStack with processing', () => {
  it('outputs the consumer function and target signing secret names', () => {
    const { template } = synthStack();

    for (const output of ['ConsumerFunctionName', 'TargetSigningSecretName']) {
      template.hasOutput(output, { Value: Match.anyValue() });
    }
  });
});
