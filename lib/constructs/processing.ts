import { Stack, Validations, type Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ChannelSecrets } from './channel-secrets';
import { maxReceiveCountFor } from './event-queue';
import { formatPath } from '../../functions/providers/types';
import { resolveRoutes, RoutesSchema } from '../../functions/routing/routes';
import { workflowNames } from '../../functions/workflows/index';
import { MAX_JSON_ENV_BYTES, type RouteConfig } from '../config';
import { CONSUMER_LINE_METRICS } from '../../functions/powertools/line-metrics';
import { LogMetrics } from './log-metrics';
import { RelayFlowFunction, type FunctionLogLevel, type PlatformLogLevel } from './relayflow-function';

export interface ProcessingProps {
  /** Routes from the configuration; the first matching route wins. */
  readonly routes: readonly RouteConfig[];
  /** Event source mapping MaximumConcurrency (2–1000). */
  readonly maxConcurrency: number;
  /** How long a completed event is remembered by the idempotency layer, at least 72 h. */
  readonly idempotencyTtlHours: number;
  readonly retry: {
    readonly maxAttempts: number;
    readonly backoffBaseSeconds: number;
    readonly backoffMaxSeconds: number;
  };
  readonly table: ITable;
  readonly rawBucket: IBucket;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The consumer's timeout; the main queue's visibility timeout was derived from it. */
  readonly consumerTimeout: Duration;
  readonly retentionDays: number;
  readonly logLevel: FunctionLogLevel;
  /** Lambda's own lines (START, END, REPORT). @default 'WARN' */
  readonly platformLogLevel?: PlatformLogLevel;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** X-Ray tracing of the consumer. @default true */
  readonly tracing?: boolean;
  /** Events deeper than this in a chain of workflow emissions are quarantined as cycles. @default 8 */
  readonly maxCausationDepth?: number;
  /** Tenant ids besides `default`, for which workflow steps may emit domain events. @default none */
  readonly tenants?: readonly string[];
  /** The largest domain event body a step's emit may store. @default 4 MiB */
  readonly maxBodyBytes?: number;
  /** Compressed emitted bodies above this go to the raw-body bucket. @default 64 KiB */
  readonly inlineBodyMaxBytes?: number;
  /** Per-tenant rate and concurrency quotas (decision 0052). @default none: no quota is checked */
  readonly tenantQuotas?: Readonly<Record<string, { eventsPerSecond?: number; maxConcurrent?: number }>>;
  /** Outbound channel adapters (docs/channels.md): their secrets, API base URLs, and where receipts come back. */
  readonly channels?: {
    readonly secrets: ChannelSecrets;
    readonly baseUrls: Readonly<Record<string, string | undefined>>;
    /** The stack's webhook base URL: status callbacks (Twilio) are posted under it. */
    readonly webhookBaseUrl: string;
  };
}

/** Messages per invocation: the most a FIFO event source mapping takes. */
const BATCH_SIZE = 10;

/**
 * The consumer of the main FIFO queue with everything it owns: its Lambda and event source
 * mapping, and the secret it signs HTTP deliveries with. Its idempotency records live in the
 * event table's state items (docs/decisions/0044-idempotency-in-the-state-item.md).
 */
export class Processing extends Construct {
  public readonly consumer: RelayFlowFunction;
  /** Receivers of HTTP targets verify RelayFlow's Standard Webhooks signature with this secret. */
  public readonly signingSecret: Secret;
  public readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: ProcessingProps) {
    super(scope, id);
    const problems: string[] = [];
    const routes = RoutesSchema.safeParse(props.routes);
    if (!routes.success) problems.push(`routes do not fit the consumer's schema: ${routes.error.message}`);
    else
      problems.push(
        ...resolveRoutes(routes.data, workflowNames).problems.map(
          (p) => `${formatPath(['routes', p.route, ...p.path])}: ${p.message}`,
        ),
      );
    const routesJson = JSON.stringify(props.routes);
    if (Buffer.byteLength(routesJson) > MAX_JSON_ENV_BYTES) {
      problems.push(
        `routes take ${Buffer.byteLength(routesJson)} bytes; the consumer's environment allows ${MAX_JSON_ENV_BYTES}`,
      );
    }
    if (!Number.isInteger(props.maxConcurrency) || props.maxConcurrency < 2 || props.maxConcurrency > 1000) {
      problems.push('maxConcurrency must be an integer from 2 to 1000');
    }
    if (props.idempotencyTtlHours < 72) problems.push('idempotencyTtlHours must be at least 72');
    const maxCausationDepth = props.maxCausationDepth ?? 8;
    if (!Number.isInteger(maxCausationDepth) || maxCausationDepth < 1)
      problems.push('maxCausationDepth must be a positive integer');
    for (const [tenant, quota] of Object.entries(props.tenantQuotas ?? {})) {
      if (quota.eventsPerSecond !== undefined && !(quota.eventsPerSecond > 0))
        problems.push(`tenantQuotas.${tenant}.eventsPerSecond must be a positive number`);
      if (
        quota.maxConcurrent !== undefined &&
        (!Number.isInteger(quota.maxConcurrent) || quota.maxConcurrent < 1)
      )
        problems.push(`tenantQuotas.${tenant}.maxConcurrent must be a positive integer`);
    }
    if (problems.length > 0) throw new Error(`Processing: ${problems.join('; ')}`);
    const quotaTenants = Object.keys(props.tenantQuotas ?? {});

    this.signingSecret = new Secret(this, 'TargetSigningSecret', {
      description:
        'RelayFlow signs HTTP target deliveries with this (Standard Webhooks); receivers use whsec_<signingSecret>',
      // Alphanumerics of a length divisible by 4 are valid base64: 40 characters are 30 bytes of key.
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'signingSecret',
        passwordLength: 40,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: props.removalPolicy,
    });

    this.consumer = new RelayFlowFunction(this, 'Consumer', {
      entry: 'functions/handlers/consumer.ts',
      description: 'RelayFlow consumer: routes queued events to their targets',
      serviceName: 'consumer',
      timeout: props.consumerTimeout,
      logLevel: props.logLevel,
      platformLogLevel: props.platformLogLevel,
      tracing: props.tracing,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        EVENT_TABLE: props.table.tableName,
        RAW_BUCKET: props.rawBucket.bucketName,
        QUEUE_URL: props.queue.queueUrl,
        DEAD_LETTER_QUEUE_URL: props.deadLetterQueue.queueUrl,
        TARGET_SIGNING_SECRET_ARN: this.signingSecret.secretArn,
        ROUTES: routesJson,
        RETENTION_DAYS: String(props.retentionDays),
        IDEMPOTENCY_TTL_HOURS: String(props.idempotencyTtlHours),
        MAX_ATTEMPTS: String(props.retry.maxAttempts),
        MAX_RECEIVE_COUNT: String(maxReceiveCountFor(props.retry.maxAttempts)),
        BACKOFF_BASE_SECONDS: String(props.retry.backoffBaseSeconds),
        BACKOFF_MAX_SECONDS: String(props.retry.backoffMaxSeconds),
        SECRETS_MAX_AGE_SECONDS: '300',
        MAX_CAUSATION_DEPTH: String(maxCausationDepth),
        // What a workflow step's ctx.emit publishes through: the producer's ingest (decision 0049).
        TENANTS: JSON.stringify(props.tenants ?? []),
        MAX_BODY_BYTES: String(props.maxBodyBytes ?? 4 * 1024 * 1024),
        INLINE_BODY_MAX_BYTES: String(props.inlineBodyMaxBytes ?? 64 * 1024),
        INGEST_LEASE_SECONDS: String(props.consumerTimeout.toSeconds() * 3),
        // A slot's lease is the consumer's timeout: a crashed invocation's slot frees itself then.
        ...(quotaTenants.length > 0
          ? {
              TENANT_QUOTAS: JSON.stringify({
                leaseSeconds: props.consumerTimeout.toSeconds(),
                tenants: props.tenantQuotas,
              }),
            }
          : {}),
        ...(props.channels
          ? {
              CHANNELS: JSON.stringify({
                webhookBaseUrl: props.channels.webhookBaseUrl,
                adapters: Object.fromEntries(
                  Object.entries(props.channels.secrets.arns).map(([via, arns]) => [
                    via,
                    {
                      ...arns,
                      ...(props.channels?.baseUrls[via] ? { baseUrl: props.channels.baseUrls[via] } : {}),
                    },
                  ]),
                ),
              }),
            }
          : {}),
      },
    });
    new LogMetrics(this.consumer, 'LineMetrics', {
      logGroup: this.consumer.logGroup,
      metrics: CONSUMER_LINE_METRICS,
    });

    this.eventSource = new SqsEventSource(props.queue, {
      batchSize: BATCH_SIZE,
      reportBatchItemFailures: true,
      maxConcurrency: props.maxConcurrency,
    });
    this.consumer.addEventSource(this.eventSource);

    // The table itself only: the consumer reads and writes items by key and queries one event's
    // partition (its completion records), never an index. BatchGetItem is the ingest's, which a
    // workflow step's ctx.emit runs through.
    this.consumer.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ],
        resources: [props.table.tableArn],
      }),
    );
    // Reads raw bodies; writes those of emitted domain events too large for the table.
    this.consumer.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [props.rawBucket.arnForObjects('raw/*')],
      }),
    );
    props.queue.grant(this.consumer, 'sqs:ChangeMessageVisibility');
    // Emitted domain events are queued like any other event.
    props.queue.grantSendMessages(this.consumer);
    props.deadLetterQueue.grantSendMessages(this.consumer);
    this.signingSecret.grantRead(this.consumer);
    if (props.channels) {
      props.channels.secrets.grantRead(this.consumer);
      // SES sends with the function's own role; its credentials secret holds only options.
      if (props.channels.secrets.arns.ses)
        this.consumer.addToRolePolicy(new PolicyStatement({ actions: ['ses:SendEmail'], resources: ['*'] }));
    }
    const buses = [
      ...new Set(
        props.routes.flatMap((r) =>
          r.targets.flatMap((t) => (t.kind === 'eventbridge' ? [t.eventBusName] : [])),
        ),
      ),
    ];
    if (buses.length > 0) {
      this.consumer.addToRolePolicy(
        new PolicyStatement({
          actions: ['events:PutEvents'],
          resources: buses.map((bus) => this.busArn(bus)),
        }),
      );
    }

    Validations.of(this.consumer.executionRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<RawPayloadsBucket5F23724D.Arn>/raw/*]',
      reason:
        'Raw bodies are read (and an emitted domain event too large for the table written) under keys derived from their digest: they cannot be known in advance.',
    });
    Validations.of(this.consumer).acknowledge(
      {
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          "The consumer is invoked by an SQS event source mapping, not asynchronously; failed messages go to the main queue's FIFO dead-letter queue by its redrive policy.",
      },
      {
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason:
          "SQS event source mappings take no on-failure destination; the queue's redrive policy moves failed messages to its FIFO dead-letter queue.",
      },
    );
    Validations.of(this.signingSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Receivers hold a copy of this secret; rotation is an announced, manual step with both secrets active meanwhile (docs/processing.md).',
    });
  }

  private busArn(nameOrArn: string): string {
    if (nameOrArn.startsWith('arn:')) return nameOrArn;
    return Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: nameOrArn });
  }
}
