import 'aws-sdk-client-mock-jest';
import { gzipSync } from 'node:zlib';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { wireConsumer } from '#shared/consumer/wiring';
import { ConfigurationError } from '#shared/errors';
import { logger } from '#shared/powertools/index';
import { aLambdaContext } from '../../helpers/api-gateway';
import { aStoredEvent, anIntegrationEvent, anSqsBatch, anSqsRecord } from '../../helpers/sqs-events';

const documents = mockClient(DynamoDBDocumentClient);
const dynamo = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const eventBridge = mockClient(EventBridgeClient);

const ENV = {
  EVENT_TABLE: 'events',
  RAW_BUCKET: 'raw',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/main.fifo',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq.fifo',
  TARGET_SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:signing',
  ROUTES: JSON.stringify([
    { match: { type: 'payment.*' }, targets: [{ kind: 'eventbridge', eventBusName: 'payments' }] },
  ]),
  RETENTION_DAYS: '30',
  IDEMPOTENCY_TTL_HOURS: '72',
  MAX_ATTEMPTS: '5',
  MAX_RECEIVE_COUNT: '20',
  BACKOFF_BASE_SECONDS: '2',
  BACKOFF_MAX_SECONDS: '300',
  SECRETS_MAX_AGE_SECONDS: '300',
  MAX_CAUSATION_DEPTH: '8',
  TENANTS: '[]',
  MAX_BODY_BYTES: '4194304',
  INLINE_BODY_MAX_BYTES: '65536',
  INGEST_LEASE_SECONDS: '90',
  POWERTOOLS_METRICS_NAMESPACE: 'RelayFlowTest',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** The event table as the mock answers it: state and payload items by event id. */
let held: Map<string, IntegrationEvent>;
let handler: ReturnType<typeof wireConsumer>;

const hold = (overrides: Partial<IntegrationEvent> = {}) => {
  const event = anIntegrationEvent(overrides);
  held.set(event.id, event);
  return event;
};

beforeAll(() => {
  Object.assign(process.env, ENV);
  logger.setLogLevel('SILENT');
  handler = wireConsumer();
});

beforeEach(() => {
  held = new Map();
  documents.on(GetCommand).callsFake((input: { Key: { PK: string; SK: string } }) => {
    const event = held.get(input.Key.PK.slice('EVT#'.length));
    if (!event) return {};
    const { state, payload } = aStoredEvent(event);
    if (input.Key.SK === 'STATE') return { Item: { PK: input.Key.PK, SK: 'STATE', ...state } };
    return {
      Item: {
        PK: input.Key.PK,
        SK: 'PAYLOAD',
        event: gzipSync(JSON.stringify(event)),
        request: gzipSync(JSON.stringify(payload.request)),
        raw: payload.raw,
      },
    };
  });
  documents.on(UpdateCommand).resolves({});
  documents.on(PutCommand).resolves({});
  documents.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-message' });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
});

afterEach(() => {
  documents.reset();
  dynamo.reset();
  sqs.reset();
  eventBridge.reset();
});

const published = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .map((c) => JSON.parse(c.args[0].input.Entries?.[0]?.Detail ?? '{}') as IntegrationEvent);
const statusWrites = () =>
  documents.commandCalls(UpdateCommand).flatMap((c) => {
    const values = c.args[0].input.ExpressionAttributeValues ?? {};
    return values[':to'] ? [{ key: c.args[0].input.Key?.PK as string, to: values[':to'] as string }] : [];
  });

/** Writes of the Powertools run record (decision 0044): claims, completions, releases. */
const runWrites = () =>
  documents.commandCalls(UpdateCommand).flatMap((c) => {
    const { Key, UpdateExpression = '', ExpressionAttributeValues = {} } = c.args[0].input;
    return ExpressionAttributeValues[':k']
      ? [
          {
            key: Key?.PK as string,
            run: ExpressionAttributeValues[':k'] as string,
            expression: UpdateExpression,
          },
        ]
      : [];
  });

describe('consumer handler', () => {
  it('publishes one record to its route and marks it PROCESSED in one write', async () => {
    const event = hold();

    const response = await handler(anSqsBatch([anSqsRecord(event)]), aLambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'payments',
          Source: 'relayflow.stripe',
          DetailType: 'payment.succeeded',
        }),
      ],
    });
    expect(published()).toEqual([event]);
    expect(statusWrites()).toEqual([{ key: `EVT#${event.id}`, to: 'PROCESSED' }]);
  });

  /** Runs a batch of two events at `level` and returns the JSON lines the handler wrote. */
  const runAtLevel = async (level: 'INFO' | 'WARN', events: IntegrationEvent[]) => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    logger.setLogLevel(level);
    try {
      await handler(anSqsBatch(events.map((e) => anSqsRecord(e))), aLambdaContext());
    } finally {
      logger.setLogLevel('SILENT');
      spy.mockRestore();
    }
    return written
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  };

  it('writes one INFO line per event, with the outcome and end-to-end time metric filters read, and no EMF record', async () => {
    const events = [
      hold({ tenant: 'acme' }),
      hold({ tenant: 'acme', entity: { kind: 'customer', id: 'cus_2' } }),
    ];

    const lines = await runAtLevel('INFO', events);

    const infos = lines.filter((line) => line.level === 'INFO' && 'message' in line);
    expect(infos).toEqual(
      events.map((event): unknown =>
        expect.objectContaining({
          message: 'event handled',
          outcome: 'processed',
          endToEndMs: expect.any(Number),
          correlationId: event.correlationId,
          eventId: event.id,
          provider: 'stripe',
          tenant: 'acme',
        }),
      ),
    );
    expect(lines.filter((line) => '_aws' in line)).toEqual([]);
  });

  it('writes the invocation’s metrics as one EMF record per provider and tenant where the level hides those lines', async () => {
    const events = [
      hold({ tenant: 'acme' }),
      hold({ tenant: 'acme', entity: { kind: 'customer', id: 'cus_3' } }),
    ];

    const lines = await runAtLevel('WARN', events);

    expect(lines.filter((line) => line.message === 'event handled')).toEqual([]);
    const records = lines.filter((line) => '_aws' in line);
    expect(records).toEqual([
      expect.objectContaining({
        // The level Lambda's log filter lets through (decision 0058).
        level: 'WARN',
        provider: 'stripe',
        tenant: 'acme',
        Processed: [1, 1],
        EndToEndLatency: [expect.any(Number), expect.any(Number)],
      }),
    ]);
    expect(JSON.stringify(records[0]?._aws)).not.toContain('correlationId');
  });

  it('keys the run record on the event id, not the SQS message id, in the event’s own state item', async () => {
    const event = hold();

    await handler(anSqsBatch([anSqsRecord(event)]), aLambdaContext());
    await handler(anSqsBatch([anSqsRecord(event)]), aLambdaContext());

    const claims = runWrites().filter((w) => w.expression.includes(':inprogress'));
    expect(claims).toEqual([
      expect.objectContaining({ key: `EVT#${event.id}`, run: event.id }),
      expect.objectContaining({ key: `EVT#${event.id}`, run: event.id }),
    ]);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('processes many records of different entities in one batch', async () => {
    const events = [1, 2, 3].map((n) => hold({ entity: { kind: 'customer', id: `cus_${n}` } }));

    const response = await handler(anSqsBatch(events.map((e) => anSqsRecord(e))), aLambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(published().map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('moves a poison record to the dead-letter queue by itself while the others are processed', async () => {
    const good = [
      hold({ entity: { kind: 'customer', id: 'cus_a' } }),
      hold({ entity: { kind: 'customer', id: 'cus_b' } }),
    ];
    const poison = anSqsRecord(anIntegrationEvent({ entity: { kind: 'customer', id: 'cus_p' } }), {
      body: 'not a claim check',
    });

    const response = await handler(
      anSqsBatch([
        anSqsRecord(good[0] as IntegrationEvent),
        poison,
        anSqsRecord(good[1] as IntegrationEvent),
      ]),
      aLambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: ENV.DEAD_LETTER_QUEUE_URL,
      MessageBody: 'not a claim check',
    });
    expect(published().map((e) => e.id)).toEqual(good.map((e) => e.id));
  });

  it('reports a record whose target fails as failed, marks it RETRYING and delays it by backoff', async () => {
    const event = hold();
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    const record = anSqsRecord(event, { receiveCount: 3 });

    const response = await handler(anSqsBatch([record]), aLambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(statusWrites()).toEqual([{ key: `EVT#${event.id}`, to: 'RETRYING' }]);
    const delay = sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.Entries?.[0]
      ?.VisibilityTimeout;
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(8);
    // Powertools forgets the failed run so the retry runs it again.
    expect(runWrites().filter((w) => w.expression.startsWith('REMOVE #k'))).toEqual([
      expect.objectContaining({ key: `EVT#${event.id}`, run: event.id }),
    ]);
  });

  it('returns the later records of a failed record’s group as failed, untried, while other groups proceed', async () => {
    const group = { kind: 'customer', id: 'cus_fifo' };
    const [first, second] = [hold({ entity: group }), hold({ entity: group })] as [
      IntegrationEvent,
      IntegrationEvent,
    ];
    const other = hold({ entity: { kind: 'customer', id: 'cus_other' } });
    eventBridge
      .on(PutEventsCommand)
      .callsFake((input: { Entries: { Detail: string }[] }) =>
        input.Entries[0]?.Detail.includes(first.id)
          ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] }
          : { FailedEntryCount: 0, Entries: [{}] },
      );
    const records = [anSqsRecord(first), anSqsRecord(second), anSqsRecord(other)];

    const response = await handler(anSqsBatch(records), aLambdaContext());

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      records[0]?.messageId,
      records[1]?.messageId,
    ]);
    expect(published().map((e) => e.id)).toEqual([first.id, other.id]);
    const entries = sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.find((e) => e.ReceiptHandle === records[1]?.receiptHandle)?.VisibilityTimeout).toBe(0);
  });

  it('refuses to start with a route naming an unknown workflow', () => {
    process.env.ROUTES = JSON.stringify([
      { match: { type: '*' }, targets: [{ kind: 'workflow', name: 'missing' }] },
    ]);
    try {
      expect(() => wireConsumer()).toThrow(ConfigurationError);
    } finally {
      process.env.ROUTES = ENV.ROUTES;
    }
  });
});
