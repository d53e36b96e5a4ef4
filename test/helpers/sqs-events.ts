import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { SPEC_VERSION, type IntegrationEvent } from '#shared/contract/integration-event';
import type { EventPayload } from '#shared/store/event-store';
import { eventIdOf, groupIdOf, idempotencyKeyOf, type EventState } from '#shared/store/records';
import { Processing } from '../../lib/constructs/processing';
import { startEventTable, type LocalEventTable } from './event-table';

let counter = 0;

/** A canonical event; `externalId` makes it a distinct event, everything else is overridable. */
export const anIntegrationEvent = (overrides: Partial<IntegrationEvent> = {}): IntegrationEvent => {
  counter += 1;
  const tenant = overrides.tenant ?? 'default';
  const provider = overrides.provider ?? 'stripe';
  const providerType = overrides.providerType ?? 'payment_intent.succeeded';
  const externalId = overrides.externalId ?? `evt_${Date.now()}_${counter}`;
  const idempotencyKey = idempotencyKeyOf(tenant, provider, providerType, externalId);
  return {
    specVersion: SPEC_VERSION,
    id: eventIdOf(idempotencyKey),
    idempotencyKey,
    tenant,
    provider,
    type: 'payment.succeeded',
    providerType,
    externalId,
    entity: { kind: 'customer', id: 'cus_1' },
    occurredAt: '2025-06-01T12:00:00.000Z',
    receivedAt: new Date(Date.now() - 250).toISOString(),
    correlationId: `corr-${counter}-abcdefgh`,
    data: { amount: 1000 },
    ...overrides,
  };
};

/** The state and payload items ingest would have written for `event`, status QUEUED. */
export const aStoredEvent = (
  event: IntegrationEvent,
  state: Partial<EventState> = {},
): { state: EventState; payload: EventPayload } => ({
  state: {
    eventId: event.id,
    idempotencyKey: event.idempotencyKey,
    tenant: event.tenant,
    provider: event.provider,
    type: event.type,
    providerType: event.providerType,
    externalId: event.externalId,
    entityKind: event.entity.kind,
    entityId: event.entity.id,
    groupId: groupIdOf(event.tenant, event.provider, event.entity, event.id),
    occurredAt: event.occurredAt,
    receivedAt: event.receivedAt,
    correlationId: event.correlationId,
    status: 'QUEUED',
    statusAt: event.receivedAt,
    secretIndex: 0,
    sends: 1,
    audit: [
      {
        at: event.receivedAt,
        action: 'accepted',
        by: 'ingest',
        status: 'RECEIVED',
        correlationId: event.correlationId,
      },
      {
        at: event.receivedAt,
        action: 'enqueued',
        by: 'ingest',
        status: 'QUEUED',
        correlationId: event.correlationId,
      },
    ],
    ...state,
  },
  payload: {
    eventId: event.id,
    event,
    request: {
      method: 'POST',
      url: 'https://api.example.com/webhooks/stripe',
      path: '/webhooks/stripe',
      rawQueryString: '',
      headers: {},
      sourceIp: '203.0.113.9',
    },
    raw: { kind: 'inline' },
    rawBody: Buffer.from(JSON.stringify(event.data)),
  },
});

let messages = 0;

/** An SQS record as the FIFO event source mapping delivers it: a claim check for `event`. */
export const anSqsRecord = (
  event: Pick<IntegrationEvent, 'id' | 'correlationId' | 'tenant' | 'provider' | 'entity'>,
  options: { receiveCount?: number; groupId?: string; body?: string } = {},
): SQSRecord => {
  messages += 1;
  return {
    messageId: `msg-${messages}`,
    receiptHandle: `receipt-${messages}`,
    body: options.body ?? JSON.stringify({ v: 1, eventId: event.id, correlationId: event.correlationId }),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      SequenceNumber: String(10_000 + messages),
      MessageGroupId: options.groupId ?? groupIdOf(event.tenant, event.provider, event.entity, event.id),
      MessageDeduplicationId: event.id,
    },
    messageAttributes: { correlationId: { dataType: 'String', stringValue: event.correlationId } },
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:main.fifo',
    awsRegion: 'us-east-1',
  };
};

export const anSqsBatch = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/** The idempotency table exactly as the Processing construct synthesizes it. */
export const idempotencyTableDefinition = (tableName: string): CreateTableCommandInput => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'IdempotencyDefinition');
  new Processing(stack, 'Processing', {
    routes: [],
    maxConcurrency: 2,
    idempotencyTtlHours: 72,
    retry: { maxAttempts: 3, backoffBaseSeconds: 1, backoffMaxSeconds: 10 },
    table: new Table(stack, 'Events', { partitionKey: { name: 'PK', type: AttributeType.STRING } }),
    rawBucket: new Bucket(stack, 'Raw'),
    queue: new Queue(stack, 'Main', { fifo: true }),
    deadLetterQueue: new Queue(stack, 'Dlq', { fifo: true }),
    consumerTimeout: Duration.seconds(30),
    retentionDays: 1,
    logLevel: 'INFO',
    logRetention: RetentionDays.ONE_DAY,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const tables = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table')) as {
    Properties: Omit<CreateTableCommandInput, 'TableName'>;
  }[];
  const table = tables.find((t) => t.Properties.KeySchema?.[0]?.AttributeName === 'id');
  if (!table) throw new Error('Processing synthesized no idempotency table');
  const { KeySchema, AttributeDefinitions } = table.Properties;
  return { TableName: tableName, KeySchema, AttributeDefinitions, BillingMode: 'PAY_PER_REQUEST' };
};

export interface LocalProcessingTables extends LocalEventTable {
  readonly idempotencyTableName: string;
  /** A low-level client for the Powertools persistence layer. */
  readonly client: DynamoDBClient;
}

/** dynalite holding the event table and the idempotency table, both from their constructs. */
export const startProcessingTables = async (): Promise<LocalProcessingTables> => {
  const events = await startEventTable('events');
  const client = new DynamoDBClient({
    endpoint: events.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new CreateTableCommand(idempotencyTableDefinition('idempotency')));
  return {
    ...events,
    idempotencyTableName: 'idempotency',
    client,
    stop: async () => {
      client.destroy();
      await events.stop();
    },
  };
};
