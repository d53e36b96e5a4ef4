import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ChannelSecrets } from './constructs/channel-secrets';
import { consumerQuotas, tenantQuotas, type RelayFlowConfig } from './config';
import { AuditArchive } from './constructs/audit-archive';
import { EventQueue } from './constructs/event-queue';
import { EventStore } from './constructs/event-store';
import { IngestApi, outputId } from './constructs/ingest-api';
import { Observability } from './constructs/observability';
import { ProviderSecrets } from './constructs/provider-secrets';
import { Processing } from './constructs/processing';
import { ProducerApi } from './constructs/producer-api';
import { RawPayloads } from './constructs/raw-payloads';
import { Reconciliation } from './constructs/reconciliation';
import { receiptDeadlinesMs, reconciledProviders, reconciliationPropsOf } from './reconciliation-config';
import { Replay } from './constructs/replay';
import { Schedules } from './constructs/schedules';
import { TraceSampling } from './constructs/trace-sampling';

export interface RelayFlowStackProps extends StackProps {
  readonly config: RelayFlowConfig;
}

/** Consumer Lambda timeout; the main queue's visibility timeout is derived from it. */
export const CONSUMER_TIMEOUT = Duration.seconds(30);

/** CloudWatch's allowed retention values, in days. */
const RETENTION_STEPS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Log retention: the nearest CloudWatch value at or above the configured retention. */
const logRetentionFor = (days: number): RetentionDays => RETENTION_STEPS.find((step) => step >= days) ?? 3653;

/** The whole pipeline: storage, queueing and ingest, composed from one construct per concern. */
export class RelayFlowStack extends Stack {
  public readonly eventStore: EventStore;
  public readonly rawPayloads: RawPayloads;
  public readonly eventQueue: EventQueue;
  public readonly secrets: ProviderSecrets;
  public readonly ingest: IngestApi;
  public readonly processing: Processing;
  public readonly producer: ProducerApi;
  public readonly observability: Observability;
  public readonly auditArchive: AuditArchive;

  constructor(scope: Construct, id: string, props: RelayFlowStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = logRetentionFor(config.retentionDays);
    const quotas = tenantQuotas(config);
    const channelSecrets =
      Object.keys(config.channels).length > 0
        ? new ChannelSecrets(this, 'ChannelSecrets', { channels: config.channels, removalPolicy })
        : undefined;

    this.eventStore = new EventStore(this, 'EventStore', { removalPolicy });
    this.rawPayloads = new RawPayloads(this, 'RawPayloads', {
      retentionDays: config.retentionDays,
      removalPolicy,
    });
    this.eventQueue = new EventQueue(this, 'EventQueue', {
      maxAttempts: config.retry.maxAttempts,
      consumerTimeout: CONSUMER_TIMEOUT,
      removalPolicy,
    });
    this.secrets = new ProviderSecrets(this, 'ProviderSecrets', {
      providerIds: config.enabledProviders.map((p) => p.id),
      dedicatedTenants: config.tenants.filter((t) => t.dedicatedSecrets).map((t) => t.id),
      removalPolicy,
    });
    this.ingest = new IngestApi(this, 'IngestApi', {
      providers: config.enabledProviders,
      tenants: config.tenants.map((t) => t.id),
      secrets: this.secrets,
      table: this.eventStore.table,
      rawBucket: this.rawPayloads.bucket,
      queue: this.eventQueue.queue,
      publicBaseUrl: config.publicBaseUrl,
      maxBodyBytes: config.maxBodyBytes,
      inlineBodyMaxBytes: config.inlineBodyMaxBytes,
      retentionDays: config.retentionDays,
      throttle: { rateLimit: config.api.throttlingRateLimit, burstLimit: config.api.throttlingBurstLimit },
      logLevel: config.logLevel,
      platformLogLevel: config.platformLogLevel,
      tracing: config.tracing.enabled,
      logRetention,
      removalPolicy,
    });
    this.producer = new ProducerApi(this, 'Producer', {
      api: this.ingest.api,
      stage: this.ingest.stage,
      throttle: { rateLimit: config.api.throttlingRateLimit, burstLimit: config.api.throttlingBurstLimit },
      tenants: config.tenants.map((t) => t.id),
      eventSources: config.eventSources,
      table: this.eventStore.table,
      rawBucket: this.rawPayloads.bucket,
      queue: this.eventQueue.queue,
      maxBodyBytes: config.maxBodyBytes,
      inlineBodyMaxBytes: config.inlineBodyMaxBytes,
      retentionDays: config.retentionDays,
      logLevel: config.logLevel,
      platformLogLevel: config.platformLogLevel,
      tracing: config.tracing.enabled,
      logRetention,
      removalPolicy,
    });
    this.processing = new Processing(this, 'Processing', {
      routes: config.routes,
      maxConcurrency: config.consumer.maxConcurrency,
      idempotencyTtlHours: config.consumer.idempotencyTtlHours,
      retry: config.retry,
      table: this.eventStore.table,
      rawBucket: this.rawPayloads.bucket,
      queue: this.eventQueue.queue,
      deadLetterQueue: this.eventQueue.deadLetterQueue,
      consumerTimeout: CONSUMER_TIMEOUT,
      retentionDays: config.retentionDays,
      logLevel: config.logLevel,
      platformLogLevel: config.platformLogLevel,
      tracing: config.tracing.enabled,
      logRetention,
      removalPolicy,
      maxCausationDepth: config.maxCausationDepth,
      tenants: config.tenants.map((t) => t.id),
      maxBodyBytes: config.maxBodyBytes,
      inlineBodyMaxBytes: config.inlineBodyMaxBytes,
      tenantQuotas: consumerQuotas(quotas),
      ...(channelSecrets
        ? {
            channels: {
              secrets: channelSecrets,
              baseUrls: Object.fromEntries(
                Object.entries(config.channels).map(([via, c]) => [via, c.baseUrl]),
              ),
              webhookBaseUrl: this.ingest.baseUrl,
            },
          }
        : {}),
    });
    const schedules =
      config.schedules.length > 0
        ? new Schedules(this, 'Schedules', {
            // The configuration holds exactly one of cron and rate.
            schedules: config.schedules.map(({ cron, rate, ...schedule }) => ({
              ...schedule,
              expression: cron ?? rate ?? '',
            })),
            target: this.producer.function,
            removalPolicy,
          })
        : undefined;

    const replay = new Replay(this, 'Replay', {
      providers: config.enabledProviders,
      table: this.eventStore.table,
      rawBucket: this.rawPayloads.bucket,
      queue: this.eventQueue.queue,
      deadLetterQueue: this.eventQueue.deadLetterQueue,
      retentionDays: config.retentionDays,
      logLevel: config.logLevel,
      platformLogLevel: config.platformLogLevel,
      tracing: config.tracing.enabled,
      logRetention,
      removalPolicy,
    });
    const reconciliation =
      reconciledProviders(config.reconciliation).length > 0
        ? new Reconciliation(this, 'Reconciliation', {
            providers: reconciliationPropsOf(config, channelSecrets?.arns),
            receiptDeadlinesMs: receiptDeadlinesMs(config.receiptDeadlines),
            table: this.eventStore.table,
            rawBucket: this.rawPayloads.bucket,
            queue: this.eventQueue.queue,
            tenants: config.tenants.map((t) => t.id),
            maxBodyBytes: config.maxBodyBytes,
            inlineBodyMaxBytes: config.inlineBodyMaxBytes,
            retentionDays: config.retentionDays,
            logLevel: config.logLevel,
            platformLogLevel: config.platformLogLevel,
            tracing: config.tracing.enabled,
            logRetention,
            removalPolicy,
          })
        : undefined;
    new TraceSampling(this, 'TraceSampling', config.tracing);
    this.auditArchive = new AuditArchive(this, 'AuditArchive', {
      table: this.eventStore.table,
      tenants: ['default', ...config.tenants.map((t) => t.id), 'unknown'],
      retentionDays: config.audit.archiveRetentionDays,
      objectLock: config.audit.objectLock,
      logLevel: config.logLevel,
      platformLogLevel: config.platformLogLevel,
      tracing: config.tracing.enabled,
      logRetention,
      removalPolicy,
    });

    this.observability = new Observability(this, 'Observability', {
      api: this.ingest.api,
      queue: this.eventQueue.queue,
      deadLetterQueue: this.eventQueue.deadLetterQueue,
      verifiers: this.ingest.verifiers,
      consumer: this.processing.consumer,
      replay: replay.function,
      auditArchiver: this.auditArchive.archiver,
      producer: this.producer.function,
      reconcile: reconciliation?.function,
      auditArchiveFailures: this.auditArchive.failures,
      alarmEmail: config.alarmEmail,
      oldestMessageAgeAlarmSeconds: config.observability.oldestMessageAlarmMinutes * 60,
      signatureFailuresPerMinute: config.observability.signatureFailureAlarmPerMinute,
      piiPaths: config.observability.piiPaths,
      secretRetirement: config.observability.secretRetirement,
      channelHealth: config.observability.channelHealth,
      tenantLagAlarmMinutes: Object.fromEntries(
        [...quotas].flatMap(([id, q]) => (q.lagAlarmMinutes === undefined ? [] : [[id, q.lagAlarmMinutes]])),
      ),
    });

    // The operator CLI finds everything through these (decision 15).
    const outputs: Record<string, { value: string; description: string }> = {
      ApiUrl: { value: this.ingest.baseUrl, description: 'Base of every webhook URL' },
      ProducerUrl: {
        value: this.producer.url,
        description: 'POST domain events here, SigV4-signed for execute-api (docs/workflows.md)',
      },
      ProducerFunctionName: {
        value: this.producer.function.functionName,
        description: 'Producer Lambda: the producer API, event sources and schedule ticks',
      },
      ProducerDeadLetterQueueUrl: {
        value: this.producer.deadLetterQueue.queueUrl,
        description: 'Event source and schedule deliveries the producer could not publish',
      },
      EventTableName: { value: this.eventStore.table.tableName, description: 'Event store table' },
      RetentionDays: {
        value: String(config.retentionDays),
        description: 'Days events, audit entries and ended pauses are kept in the event table',
      },
      RawBucketName: {
        value: this.rawPayloads.bucket.bucketName,
        description: 'Claim-check bucket for large bodies',
      },
      MainQueueUrl: { value: this.eventQueue.queue.queueUrl, description: 'FIFO main queue' },
      DeadLetterQueueUrl: {
        value: this.eventQueue.deadLetterQueue.queueUrl,
        description: 'FIFO dead-letter queue',
      },
      ConsumerFunctionName: { value: this.processing.consumer.functionName, description: 'Consumer Lambda' },
      ConsumerEventSourceMappingId: {
        value: this.processing.eventSource.eventSourceMappingId,
        description: "UUID of the consumer's event source mapping on the main queue",
      },
      AlarmTopicArn: {
        value: this.observability.topic.topicArn,
        description: 'SNS topic every alarm notifies',
      },
      ReplayStateMachineArn: {
        value: replay.stateMachine.stateMachineArn,
        description: 'Replay state machine (docs/operations.md)',
      },
      ReplayFunctionName: {
        value: replay.function.functionName,
        description: 'Replay Lambda (plan and batches)',
      },
      AuditBucketName: {
        value: this.auditArchive.bucket.bucketName,
        description: 'Audit archive: gzipped JSON lines under audit/day=…/tenant=… (docs/audit.md)',
      },
      AuditDatabaseName: {
        value: this.auditArchive.database.ref,
        description: 'Glue database of the audit table',
      },
      AuditWorkGroupName: {
        value: this.auditArchive.workGroup.ref,
        description: 'Athena workgroup for relayflow audit query',
      },
      TargetSigningSecretName: {
        value: this.processing.signingSecret.secretName,
        description: 'HTTP target receivers verify signatures with whsec_<signingSecret> from this secret',
      },
    };
    if (reconciliation) {
      outputs.ReconcileFunctionName = {
        value: reconciliation.function.functionName,
        description: 'Reconciliation Lambda (relayflow reconcile run, docs/reconciliation.md)',
      };
    }
    if (schedules) {
      outputs.ScheduleGroupName = {
        value: schedules.group.scheduleGroupName,
        description: 'EventBridge Scheduler group of the schedules (relayflow schedules list)',
      };
      outputs.ScheduleDeadLetterQueueUrl = {
        value: schedules.deadLetterQueue.queueUrl,
        description: 'Schedule ticks Scheduler could not deliver (relayflow schedules replay)',
      };
    }
    for (const provider of config.enabledProviders) {
      outputs[`Secret${outputId(provider.id)}`] = {
        value: this.secrets.secretFor(provider.id).secretName,
        description: `Put ${provider.id}'s signing secret here as {"signingSecrets":["..."]}`,
      };
      // A tenant with its own secret needs its name too: `relayflow send --tenant` signs with it.
      for (const [tenant, secret] of this.secrets.tenantSecretsFor(provider.id)) {
        outputs[`Secret${outputId(provider.id)}${outputId(tenant)}`] = {
          value: secret.secretName,
          description: `Put ${provider.id}'s signing secret for tenant ${tenant} here as {"signingSecrets":["..."]}`,
        };
      }
    }
    for (const [key, output] of Object.entries(outputs)) new CfnOutput(this, key, output);
  }
}
