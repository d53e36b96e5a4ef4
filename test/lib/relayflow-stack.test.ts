import { Duration, Stack, RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { EventQueue } from '../../lib/constructs/event-queue';
import { synthStack } from '../helpers/stack';

// One synthesized template for the whole file: synthesis is the slow part.
const { template } = synthStack();
const PROVIDERS = ['stripe', 'github', 'shopify', 'standard-webhooks', 'acme-billing'];

const resourcesOf = (type: string) => Object.entries(template.findResources(type));

describe('RelayFlowStack', () => {
  it('creates one verifier Lambda per provider on Node.js 22, arm64, with active tracing', () => {
    const verifiers = resourcesOf('AWS::Lambda::Function').filter(([, r]) =>
      String((r as { Properties: { Description?: string } }).Properties.Description).startsWith(
        'RelayFlow verifier',
      ),
    );
    expect(verifiers).toHaveLength(PROVIDERS.length);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
  });

  it.each(PROVIDERS)('routes /webhooks/%s and its tenant path to the provider verifier', (provider) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `ANY /webhooks/${provider}` });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: `ANY /webhooks/${provider}/{tenant}`,
    });
  });

  it('throttles the stage and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it("keeps the access log in the Infrequent Access class, and the functions' logs, which metric filters read, in Standard", () => {
    type Resource = { Properties: Record<string, unknown> };
    const of = (type: string) => template.findResources(type) as Record<string, Resource>;
    const [stage] = Object.values(of('AWS::ApiGatewayV2::Stage'));
    const settings = stage?.Properties.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string] } };
    const groups = of('AWS::Logs::LogGroup');
    expect(groups[settings.DestinationArn['Fn::GetAtt'][0]]?.Properties.LogGroupClass).toBe(
      'INFREQUENT_ACCESS',
    );
    const filtered = new Set(
      Object.values(of('AWS::Logs::MetricFilter')).map(
        (filter) => (filter.Properties.LogGroupName as { Ref: string }).Ref,
      ),
    );
    expect(filtered.size).toBeGreaterThan(0);
    for (const group of filtered) expect(groups[group]?.Properties.LogGroupClass).toBeUndefined();
  });

  it('makes the main queue a high-throughput FIFO queue redriving to a FIFO DLQ as a backstop at 4 × maxAttempts receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: 180,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 16 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: Match.absent(),
    });
  });

  it("enforces TLS on every queue: main, dead-letter, the producer's dead-letter and the audit archive failures", () => {
    const policies = resourcesOf('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(4);
    for (const [, policy] of policies) {
      expect(JSON.stringify(policy)).toContain('aws:SecureTransport');
    }
  });

  it('keeps events in an on-demand, encrypted table with PITR, TTL and the four lookups, retained on delete', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({ IndexName: 'byEntity' }),
          Match.objectLike({ IndexName: 'byAttention' }),
          Match.objectLike({ IndexName: 'byReceived' }),
        ],
      },
    });
  });

  it('blocks public access to raw bodies, enforces TLS and expires them with the events', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::S3::BucketPolicy'))).toContain('aws:SecureTransport');
  });

  it('creates one secret per provider and one per provider for each tenant, dedicated by default', () => {
    const providerSecrets = resourcesOf('AWS::SecretsManager::Secret').filter(([, r]) =>
      String((r as { Properties: { Description?: string } }).Properties.Description).startsWith(
        'RelayFlow signing secrets for',
      ),
    );
    // 5 providers shared + 5 for each of the two tenants (acme says so, beta takes the default).
    expect(providerSecrets).toHaveLength(PROVIDERS.length * 3);
  });

  it('gives every verifier its table, queue and secret through the environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROVIDER_ID: 'stripe',
          EVENT_TABLE: Match.anyValue(),
          QUEUE_URL: Match.anyValue(),
          SECRET_ARN: Match.anyValue(),
          TENANTS: '["acme","beta"]',
          POWERTOOLS_SERVICE_NAME: 'ingest-stripe',
        }),
      },
    });
  });

  it('prints a webhook URL per provider and per tenant, plus what the CLI needs', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'WebhookUrlStripe',
        'WebhookUrlStripeAcme',
        'WebhookUrlStandardWebhooks',
        'WebhookUrlAcmeBilling',
        'EventTableName',
        'MainQueueUrl',
        'DeadLetterQueueUrl',
        'SecretStripe',
      ]),
    );
  });

  it("names each tenant's own secret in an output, so that the CLI signs with the right one", () => {
    const outputs = template.findOutputs('*');

    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['SecretStripeAcme', 'SecretStripeBeta', 'SecretAcmeBillingAcme']),
    );
    expect(outputs.SecretStripeAcme?.Description).toContain('tenant acme');
  });

  it('grants no wildcard action', () => {
    for (const [id, policy] of resourcesOf('AWS::IAM::Policy')) {
      const statements = (
        policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }
      ).Properties.PolicyDocument.Statement;
      for (const statement of statements) {
        const actions = ([] as string[]).concat(statement.Action);
        expect({ id, wildcards: actions.filter((a) => a === '*' || a.endsWith(':*')) }).toEqual({
          id,
          wildcards: [],
        });
      }
    }
  });
});

describe('EventQueue', () => {
  it('refuses props it cannot honour, listing every problem at once', () => {
    expect(
      () =>
        new EventQueue(new Stack(), 'Queue', {
          maxAttempts: 0,
          consumerTimeout: Duration.hours(3),
          removalPolicy: RemovalPolicy.DESTROY,
        }),
    ).toThrow(/maxAttempts.*; consumerTimeout/);
  });
});
