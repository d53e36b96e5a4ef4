import { brotliDecompressSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '#shared/powertools/index';
import { scheduleTickKey } from '#shared/producer/contract';
import { RefusedEventError, UnknownInvocationError } from '#shared/producer/errors';
import { createProducerHandler } from '#shared/producer/handler';
import { ORIGIN_HEADER } from '#shared/producer/publisher';
import { eventIdOf, idempotencyKeyOf } from '#shared/store/records';
import { aLambdaContext } from '../../helpers/api-gateway';
import { captureOutput, jsonLines } from '../../helpers/log-capture';
import {
  A_PRINCIPAL,
  aProducerRequest,
  aScheduleTick,
  anEventSourceDelivery,
  producerEnv,
} from '../../helpers/producer';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
mockClient(S3Client);
let handler: ReturnType<typeof createProducerHandler>;

beforeAll(() => {
  Object.assign(process.env, producerEnv());
  handler = createProducerHandler();
});

beforeEach(() => {
  dynamo.on(GetCommand).resolves({});
  dynamo.on(BatchGetCommand).resolves({ Responses: {} });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: `m-${entry.Id}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
});

type Answer = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string>; body: string };
const call = async (...args: Parameters<typeof aProducerRequest>) =>
  (await handler(aProducerRequest(...args), aLambdaContext())) as Answer;
const bodyOf = (answer: Answer) => JSON.parse(answer.body) as Record<string, unknown>;

const anEvent = (key: string, overrides: Record<string, unknown> = {}) => ({
  type: 'order.paid',
  entity: { kind: 'order', id: 'ord_1' },
  data: { amount: 1 },
  idempotencyKey: key,
  ...overrides,
});
const writes = () => dynamo.commandCalls(PutCommand).length + dynamo.commandCalls(UpdateCommand).length;
const storedRequest = () => {
  const payload = dynamo.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.SK === 'PAYLOAD')?.args[0]
    .input.Item;
  return (
    JSON.parse(brotliDecompressSync(payload?.blob as Uint8Array).toString('utf8')) as {
      request: { headers: Record<string, string> };
    }
  ).request;
};

describe('the producer API', () => {
  it('answers 202 with every event and its outcome, and stores who signed the request', async () => {
    const answer = await call({ events: [anEvent('k-1'), { type: 'bad type' }] });

    expect(answer.statusCode).toBe(202);
    expect(answer.headers['x-correlation-id']).toMatch(/.{8,}/);
    expect(bodyOf(answer)).toEqual({
      correlationId: answer.headers['x-correlation-id'],
      events: [
        {
          index: 0,
          idempotencyKey: 'k-1',
          eventId: eventIdOf(idempotencyKeyOf('default', 'internal', 'order.paid', 'k-1')),
          outcome: 'accepted',
        },
        { index: 1, idempotencyKey: '', outcome: 'rejected', error: expect.stringMatching(/^type: /) },
      ],
    });
    expect(JSON.parse(storedRequest().headers[ORIGIN_HEADER] ?? '{}')).toEqual({
      kind: 'api',
      principal: A_PRINCIPAL,
    });
  });

  it('answers 200 when every valid event was already known', async () => {
    dynamo.on(GetCommand).resolves({
      Item: {
        PK: 'EVT#x',
        SK: 'STATE',
        eventId: eventIdOf(idempotencyKeyOf('acme', 'internal', 'order.paid', 'k-2')),
        status: 'PROCESSED',
        statusAt: new Date().toISOString(),
        correlationId: 'first',
        tenant: 'acme',
        provider: 'internal',
        type: 'order.paid',
        providerType: 'order.paid',
        externalId: 'k-2',
        entityKind: 'order',
        entityId: 'ord_1',
        occurredAt: new Date().toISOString(),
        receivedAt: new Date().toISOString(),
        secretIndex: 0,
        sends: 1,
        audit: [],
      },
    });

    const answer = await call(anEvent('k-2'), { tenant: 'acme' });

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer).events).toEqual([expect.objectContaining({ outcome: 'duplicate' })]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it.each([
    ['an unknown tenant', () => call(anEvent('k'), { tenant: 'nobody' }), 404, 'Unknown tenant.'],
    ['another method', () => call('', { method: 'GET' }), 405, 'Only POST is accepted.'],
    [
      'a body over MAX_BODY_BYTES',
      () => call({ events: [anEvent('k', { data: { x: 'x'.repeat(70_000) } })] }),
      413,
      'Body exceeds 65536 bytes.',
    ],
    [
      'more than 100 events',
      () => call({ events: Array.from({ length: 101 }, (_, i) => anEvent(`k${i}`)) }),
      413,
      '101 events in one publish; at most 100 are taken.',
    ],
    ['a body that is not JSON', () => call('{"type":'), 400, 'The body is not UTF-8 JSON.'],
    ['a request without an IAM principal', () => call(anEvent('k'), { principal: null }), 403, 'Forbidden'],
  ])('answers %s with its status and a message, storing nothing', async (_name, send, status, message) => {
    const answer = await send();

    expect(answer.statusCode).toBe(status);
    expect(bodyOf(answer)).toEqual({ message });
    expect(writes()).toBe(0);
  });

  it('answers 400 with each reason when no event of the body is valid', async () => {
    const answer = await call({ events: [{ type: 'a' }, 'b'] });

    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer).events).toEqual([
      expect.objectContaining({ index: 0, outcome: 'rejected', error: expect.stringMatching(/entity/) }),
      expect.objectContaining({
        index: 1,
        outcome: 'rejected',
        error: expect.stringMatching(/expected object/),
      }),
    ]);
  });

  it('answers 503, never the cause, when our own storage fails', async () => {
    dynamo.on(PutCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    const answer = await call(anEvent('k-3'));

    expect(answer.statusCode).toBe(503);
    expect(bodyOf(answer)).toEqual({ message: 'Temporarily unavailable; please retry.' });
  });

  it('logs one line per publish with its origin and outcomes, and the metrics on it', async () => {
    logger.setLogLevel('INFO');
    const lines = await captureOutput(() => call(anEvent('k-4')));
    logger.setLogLevel('SILENT');

    const [line] = jsonLines(lines).filter((l) => l.message === 'domain events published');
    expect(line).toMatchObject({
      status: 202,
      origin: 'api',
      publishedBy: { kind: 'api', principal: A_PRINCIPAL },
      events: [{ idempotencyKey: 'k-4', outcome: 'accepted' }],
      DomainEventsPublished: 1,
    });
  });
});

describe('the producer function for event sources and schedules', () => {
  it('publishes an EventBridge event keyed by its id', async () => {
    const result = (await handler(
      anEventSourceDelivery({ entity: { kind: 'order', id: 'o-1' }, data: {} }),
      aLambdaContext(),
    )) as {
      events: { idempotencyKey: string; outcome: string }[];
    };

    expect(result.events).toEqual([
      expect.objectContaining({
        idempotencyKey: '7bf73129-1428-4cd3-a780-95db273d1602',
        outcome: 'accepted',
      }),
    ]);
    expect(JSON.parse(storedRequest().headers[ORIGIN_HEADER] ?? '{}')).toEqual({
      kind: 'eventbridge',
      bus: 'orders',
      eventBridgeId: '7bf73129-1428-4cd3-a780-95db273d1602',
    });
  });

  it('fails the invocation for an event it refuses, so that it ends in the dead-letter queue', async () => {
    await expect(
      handler(anEventSourceDelivery({ entity: { kind: '' }, data: {} }), aLambdaContext()),
    ).rejects.toThrow(RefusedEventError);
    expect(writes()).toBe(0);
  });

  it('publishes a schedule tick under its tick key', async () => {
    const result = (await handler(aScheduleTick(), aLambdaContext())) as {
      events: { idempotencyKey: string }[];
    };

    expect(result.events[0]?.idempotencyKey).toBe(scheduleTickKey('nightly-report', '2025-06-01T02:00:00Z'));
  });

  it('fails the invocation for a tick of an unknown tenant', async () => {
    await expect(handler(aScheduleTick({ tenant: 'nobody' }), aLambdaContext())).rejects.toThrow(
      new RefusedEventError('Unknown tenant nobody.'),
    );
  });

  it('refuses an invocation that is none of the three', async () => {
    await expect(handler({ hello: 'world' }, aLambdaContext())).rejects.toThrow(UnknownInvocationError);
  });
});
