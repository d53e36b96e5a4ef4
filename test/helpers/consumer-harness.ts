import { S3Client } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { createConsumer, type ConsumerSettings } from '#shared/consumer/create-consumer';
import { ConsumerQueue } from '#shared/consumer/queue';
import { autoDisableObserver } from '#shared/flow/auto-disable';
import { PauseGate } from '#shared/flow/pause-gate';
import {
  MessageDelivery,
  type MessageDeliveryDependencies,
  type MessageMetricSink,
} from '#shared/channels/delivery';
import { MessageStore } from '#shared/channels/message-store';
import { ReceiptMatcher } from '#shared/channels/receipts';
import { adapterSet } from '#shared/channels/registry';
import { templates } from '#shared/channels/templates/index';
import { TargetHealth } from '#shared/flow/target-health';
import { Transforms } from '#shared/targets/transform';
import { PauseStore } from '#shared/flow/pause-store';
import { NO_QUOTAS, type TenantAdmission } from '#shared/flow/contract';
import { TableLimiter } from '#shared/flow/shared-limit';
import { RelayFlowMetrics } from '#shared/powertools/index';
import type { DomainEventPublisher } from '#shared/producer/contract';
import { IngestPublisher } from '#shared/producer/publisher';
import { EventQueue } from '#shared/queue/event-queue';
import { AuditLog } from '#shared/replay/audit-log';
import { resolveRoutes, Router, RoutesSchema } from '#shared/routing/routes';
import { EventStore } from '#shared/store/event-store';
import { ProcessingStore } from '#shared/store/processing-store';
import { RawBodies } from '#shared/store/raw-bodies';
import type { EventState } from '#shared/store/records';
import { EventItemPersistenceLayer } from '#shared/store/run-records';
import { EventBridgeDelivery } from '#shared/targets/eventbridge';
import { HttpDelivery, signerFor } from '#shared/targets/http';
import { Deliveries } from '#shared/targets/index';
import type { Saga, Workflow } from '#shared/targets/types';
import { WorkflowDelivery } from '#shared/targets/workflow';
import { aLambdaContext } from './api-gateway';
import { startEventTable, type LocalEventTable } from './event-table';
import { aStoredEvent, anIntegrationEvent, anSqsBatch } from './sqs-events';

export const HARNESS_SETTINGS: ConsumerSettings = {
  maxAttempts: 3,
  maxReceiveCount: 12,
  backoff: { baseSeconds: 2, maxSeconds: 60 },
  deadlineReserveMs: 100,
  maxCausationDepth: 8,
};

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

export interface ConsumerOptions {
  readonly settings?: ConsumerSettings;
  /** What ctx.emit publishes through. @default the real ingest publisher on the harness's table */
  readonly publisher?: DomainEventPublisher;
  /** Per-tenant quotas. @default NO_QUOTAS */
  readonly admission?: TenantAdmission;
  /** Channel adapters, their credentials and API. @default none configured */
  readonly channels?: Pick<MessageDeliveryDependencies, 'adapters' | 'credentials' | 'baseUrl'> & {
    readonly fetch?: typeof fetch;
  };
  /** What channel metrics count, as `<name> <channel>/<via>/<tenant> <value>`. */
  readonly messageMetrics?: string[];
}

/**
 * Consumers as one Lambda container builds them, over a local event table (dynalite): the real
 * stores, router, targets, saga runtime and ingest publisher. SQS is mocked: the main queue's
 * sends (emitted events) and the DLQ's are recorded, visibility changes accepted.
 */
export class ConsumerHarness {
  readonly sqs = new SQSClient({ region: 'us-east-1', credentials });
  readonly sqsMock = mockClient(this.sqs);
  readonly s3 = new S3Client({ region: 'us-east-1', credentials });
  workflows = new Map<string, Workflow | Saga>();
  readonly pauses: PauseStore;
  readonly messages: MessageStore;

  private constructor(
    readonly tables: LocalEventTable,
    readonly store: EventStore,
    readonly processing: ProcessingStore,
    readonly audit: AuditLog,
  ) {
    this.pauses = new PauseStore(tables.documentClient, {
      tableName: tables.tableName,
      retentionDays: 30,
      // The gate below reads the pauses on every record: a pause may hold at once.
      takesEffectAfterMs: 0,
    });
    this.messages = new MessageStore(tables.documentClient, {
      tableName: tables.tableName,
      retentionDays: 30,
    });
    this.reset();
  }

  static async start(): Promise<ConsumerHarness> {
    const tables = await startEventTable();
    const settings = { tableName: tables.tableName, retentionDays: 30 };
    return new ConsumerHarness(
      tables,
      new EventStore(tables.documentClient, settings),
      new ProcessingStore(tables.documentClient, settings),
      new AuditLog(tables.documentClient, tables.tableName),
    );
  }

  /** Forgets the recorded SQS calls and the workflows of the last test. */
  reset(): void {
    this.sqsMock.reset();
    this.sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    this.sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent' });
    this.workflows = new Map();
  }

  /** The ingest publisher a consumer's wiring builds, on this table and the mocked main queue. */
  publisher(): IngestPublisher {
    const rawBodies = new RawBodies(this.s3, 'raw');
    return new IngestPublisher(
      { store: this.store, queue: new EventQueue(this.sqs, 'main.fifo'), rawBodies, now: () => new Date() },
      {
        tenants: new Set(['default', 'acme']),
        maxBodyBytes: 1 << 20,
        inlineBodyMaxBytes: 65_536,
        ingestLeaseSeconds: 90,
      },
    );
  }

  consumer(routes: unknown[], options: ConsumerOptions = {}) {
    const resolved = resolveRoutes(RoutesSchema.parse(routes), new Set(this.workflows.keys()));
    if (resolved.problems.length) throw new Error(JSON.stringify(resolved.problems));
    // Pauses are read on every record, so that a test's pause takes effect at once.
    const gate = new PauseGate({ pauses: this.pauses, store: this.store, now: () => new Date() }, 0);
    const publisher = options.publisher ?? this.publisher();
    const adapters = options.channels?.adapters ?? adapterSet([]);
    const metric: MessageMetricSink = (name, message, value = 1) =>
      options.messageMetrics?.push(`${name} ${message.channel}/${message.via}/${message.tenant} ${value}`);
    return createConsumer(
      {
        store: this.store,
        processing: this.processing,
        audit: this.audit,
        rawBodies: new RawBodies(this.s3, 'raw'),
        router: new Router(resolved.routes),
        deliveries: new Deliveries(
          {
            http: new HttpDelivery({
              signer: () =>
                Promise.resolve(signerFor(['whsec_' + Buffer.from('x'.repeat(32)).toString('base64')])),
              limiter: new TableLimiter(this.tables.documentClient, { tableName: this.tables.tableName }),
            }),
            eventbridge: new EventBridgeDelivery(new EventBridgeClient({ region: 'us-east-1', credentials })),
            workflow: new WorkflowDelivery(this.workflows, {
              records: this.processing,
              audit: this.audit,
              publisher,
              now: () => new Date(),
            }),
            message: new MessageDelivery({
              store: this.messages,
              adapters,
              credentials:
                options.channels?.credentials ?? (() => Promise.reject(new Error('no channels here'))),
              baseUrl: options.channels?.baseUrl ?? ((adapter) => adapter.defaultBaseUrl),
              statusCallbackUrl: (via, tenant) => `https://hooks.example.com/webhooks/${via}/${tenant}`,
              templates,
              fetch: options.channels?.fetch ?? ((...args) => fetch(...args)),
              now: () => new Date(),
              timeoutMs: 2000,
              metric,
            }),
          },
          new Transforms(),
          autoDisableObserver({
            health: new TargetHealth(),
            pauses: this.pauses,
            gate,
            logger: new Logger({ logLevel: 'SILENT' }),
            metrics: new RelayFlowMetrics({ namespace: 'RelayFlowTest' }),
            now: () => new Date(),
          }),
        ),
        admission: options.admission ?? NO_QUOTAS,
        gate,
        receipts: new ReceiptMatcher({
          store: this.messages,
          adapters,
          publisher,
          now: () => new Date(),
          metric,
        }),
        queue: new ConsumerQueue(this.sqs, { main: 'main.fifo', deadLetter: 'dlq.fifo' }),
        idempotency: {
          persistenceStore: new EventItemPersistenceLayer(this.store),
          config: new IdempotencyConfig({ expiresAfterSeconds: 72 * 3600 }),
        },
        logger: new Logger({ logLevel: 'SILENT' }),
        metrics: new RelayFlowMetrics({ namespace: 'RelayFlowTest' }),
        now: () => new Date(),
        random: () => 0.5,
      },
      options.settings ?? HARNESS_SETTINGS,
    );
  }

  /** An event stored as ingest leaves it (QUEUED). */
  async stored(
    overrides: Partial<IntegrationEvent> = {},
    state: Partial<EventState> = {},
  ): Promise<IntegrationEvent> {
    const event = anIntegrationEvent(overrides);
    const items = aStoredEvent(event, state);
    await this.store.putPayloadIfAbsent(items.payload, new Date());
    await this.store.createState(items.state, new Date());
    return event;
  }

  run(
    consumer: ReturnType<ConsumerHarness['consumer']>,
    records: SQSRecord[],
    context: Context = aLambdaContext(),
  ) {
    return consumer(anSqsBatch(records), context);
  }

  /** Claim checks sent to a queue, by event id. */
  sentTo(queue: 'main.fifo' | 'dlq.fifo'): string[] {
    return this.sqsMock
      .commandCalls(SendMessageCommand)
      .filter((call) => call.args[0].input.QueueUrl === queue)
      .map((call) => (JSON.parse(call.args[0].input.MessageBody ?? '{}') as { eventId: string }).eventId);
  }

  /** The FIFO deduplication ids of the messages sent to a queue. */
  deduplicationIdsTo(queue: 'main.fifo' | 'dlq.fifo'): string[] {
    return this.sqsMock
      .commandCalls(SendMessageCommand)
      .filter((call) => call.args[0].input.QueueUrl === queue)
      .map((call) => call.args[0].input.MessageDeduplicationId ?? '');
  }

  /** The sort keys of an event's partition: its state, payload and the consumer's records. */
  async recordsOf(eventId: string): Promise<string[]> {
    const { Items = [] } = await this.tables.documentClient.send(
      new QueryCommand({
        TableName: this.tables.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `EVT#${eventId}` },
      }),
    );
    return Items.map((item) => String(item.SK));
  }

  async stop(): Promise<void> {
    this.sqsMock.restore();
    await this.tables.stop();
  }
}

export const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);
