import { Annotations, CfnOutput, Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type CfnStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, LogGroupClass, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnabledProvider } from '../config';
import { INGEST_LINE_METRICS } from '../../functions/powertools/line-metrics';
import { LogMetrics } from './log-metrics';
import type { ProviderSecrets } from './provider-secrets';
import { RelayFlowFunction, type FunctionLogLevel, type PlatformLogLevel } from './relayflow-function';

export interface IngestApiProps {
  readonly providers: readonly EnabledProvider[];
  /** Tenant ids served besides `default`. */
  readonly tenants: readonly string[];
  readonly secrets: ProviderSecrets;
  readonly table: ITable;
  readonly rawBucket: IBucket;
  readonly queue: IQueue;
  /**
   * The base URL providers call when it is not the one API Gateway sees (CloudFront, a custom
   * domain mapped under a path): outputs name it and URL-signed providers are verified against
   * it. @default the API's own URL, and for verification the domain each request arrived on
   */
  readonly publicBaseUrl?: string;
  readonly maxBodyBytes: number;
  readonly inlineBodyMaxBytes: number;
  readonly retentionDays: number;
  /** The stage's default route throttle; each provider's routes get their own `limits`. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logLevel: FunctionLogLevel;
  /** Lambda's own lines (START, END, REPORT). @default 'WARN' */
  readonly platformLogLevel?: PlatformLogLevel;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** X-Ray tracing of every verifier. @default true */
  readonly tracing?: boolean;
}

/** Verifier timeout; also how long a RECEIVED event is left to the delivery that created it. */
const VERIFIER_TIMEOUT = Duration.seconds(10);

/** Synth warning ids; `cdk synth` prints them and `Annotations.acknowledgeWarning` silences them. */
export const INGEST_WARNINGS = {
  sharedTenantSecret: 'relayflow:tenant-shares-provider-secret',
} as const;

/**
 * The HTTP API providers call: `POST /webhooks/{provider}` and `/webhooks/{provider}/{tenant}`,
 * one verifier Lambda per provider. Any other method reaches the verifier too, so that the
 * answer is 405 rather than a bare 404. Each provider's routes have their own throttle and its
 * verifier its own reserved concurrency, so that a flood on one URL leaves the others served
 * (docs/decisions/0035-flood-isolation.md).
 */
export class IngestApi extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly verifiers = new Map<string, RelayFlowFunction>();
  /** The base every webhook URL starts with. */
  public readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'RelayFlow webhook ingest',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      // Read only by Logs Insights when a request never reached a verifier; no metric filter or
      // subscription reads it, so it takes the class that ingests at half the price.
      logGroupClass: LogGroupClass.INFREQUENT_ACCESS,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.baseUrl = (props.publicBaseUrl ?? this.api.apiEndpoint).replace(/\/+$/, '');
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        'Providers cannot send IAM, JWT or Lambda-authorizer credentials: each verifier authenticates the request by its provider signature over the raw body.',
    });

    const stage = this.stage.node.defaultChild as CfnStage;
    // RouteSettings is a plain JSON map in CloudFormation: its keys are written as CloudFormation spells them.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};

    for (const provider of props.providers) {
      const verifier = new RelayFlowFunction(this, `Verifier-${provider.id}`, {
        entry:
          provider.kind === 'builtin'
            ? `functions/handlers/ingest-${provider.id}.ts`
            : 'functions/handlers/ingest-generic-hmac.ts',
        description: `RelayFlow verifier for ${provider.id} webhooks`,
        serviceName: `ingest-${provider.id}`,
        timeout: VERIFIER_TIMEOUT,
        reservedConcurrentExecutions: provider.limits.reservedConcurrency,
        logLevel: props.logLevel,
        platformLogLevel: props.platformLogLevel,
        tracing: props.tracing,
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        environment: {
          PROVIDER_ID: provider.id,
          PROVIDER_OPTIONS: JSON.stringify(provider.options),
          TENANTS: JSON.stringify(props.tenants),
          SECRET_ARN: props.secrets.secretFor(provider.id).secretArn,
          TENANT_SECRET_ARNS: JSON.stringify(
            Object.fromEntries(
              [...props.secrets.tenantSecretsFor(provider.id)].map(([t, s]) => [t, s.secretArn]),
            ),
          ),
          EVENT_TABLE: props.table.tableName,
          RAW_BUCKET: props.rawBucket.bucketName,
          QUEUE_URL: props.queue.queueUrl,
          ...(props.publicBaseUrl ? { PUBLIC_BASE_URL: props.publicBaseUrl } : {}),
          MAX_BODY_BYTES: String(props.maxBodyBytes),
          INLINE_BODY_MAX_BYTES: String(props.inlineBodyMaxBytes),
          RETENTION_DAYS: String(props.retentionDays),
          INGEST_LEASE_SECONDS: String(VERIFIER_TIMEOUT.toSeconds() * 3),
          SECRETS_MAX_AGE_SECONDS: '300',
        },
      });
      new LogMetrics(verifier, 'LineMetrics', { logGroup: verifier.logGroup, metrics: INGEST_LINE_METRICS });
      // The table itself only: the verifier reads and writes items by key (a batch body's states in
      // one BatchGetItem) and never queries an index.
      verifier.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [props.table.tableArn],
        }),
      );
      verifier.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [props.rawBucket.arnForObjects('raw/*')],
        }),
      );
      Validations.of(verifier.executionRole).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<RawPayloadsBucket5F23724D.Arn>/raw/*]',
        reason:
          'Raw bodies are written under keys derived from their digest: the key cannot be known in advance.',
      });
      Validations.of(verifier).acknowledge({
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          'Verifiers are invoked synchronously by API Gateway; a Lambda DLQ applies only to asynchronous invocations. A failure answers 5xx and the provider retries.',
      });
      props.queue.grantSendMessages(verifier);
      props.secrets.secretFor(provider.id).grantRead(verifier);
      for (const secret of props.secrets.tenantSecretsFor(provider.id).values()) secret.grantRead(verifier);

      const integration = new HttpLambdaIntegration(`Integration-${provider.id}`, verifier);
      for (const path of [`/webhooks/${provider.id}`, `/webhooks/${provider.id}/{tenant}`]) {
        for (const route of this.api.addRoutes({ path, methods: [HttpMethod.ANY], integration })) {
          routeSettings[`${HttpMethod.ANY} ${path}`] = {
            ThrottlingRateLimit: provider.limits.rateLimit,
            ThrottlingBurstLimit: provider.limits.burstLimit,
          };
          // CloudFormation refuses route settings that name a route it has not created yet.
          this.stage.node.addDependency(route);
        }
      }
      this.verifiers.set(provider.id, verifier);
      for (const warning of provider.warnings)
        Annotations.of(verifier).addWarningV2(warning.id, warning.message);

      new CfnOutput(scope, `WebhookUrl${outputId(provider.id)}`, {
        description: `Paste into ${provider.id}'s webhook settings`,
        value: `${this.baseUrl}/webhooks/${provider.id}`,
      });
      for (const tenant of props.tenants) {
        new CfnOutput(scope, `WebhookUrl${outputId(provider.id)}${outputId(tenant)}`, {
          description: `Webhook URL for ${provider.id}, tenant ${tenant}`,
          value: `${this.baseUrl}/webhooks/${provider.id}/${tenant}`,
        });
      }
    }
    stage.routeSettings = routeSettings;

    const sharing = props.tenants.filter((tenant) =>
      props.providers.some((p) => !props.secrets.tenantSecretsFor(p.id).has(tenant)),
    );
    if (sharing.length > 0) {
      Annotations.of(this).addWarningV2(
        INGEST_WARNINGS.sharedTenantSecret,
        `Tenant(s) ${sharing.join(', ')} have dedicatedSecrets: false and share each provider's signing secret: a delivery signed for one of them is also accepted at the provider's default URL and at every other sharing tenant's URL. Give each tenant its own secret unless they are one sender.`,
      );
    }
  }
}

/** `standard-webhooks` → `StandardWebhooks`: CloudFormation output ids are alphanumeric. */
export const outputId = (id: string) =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
