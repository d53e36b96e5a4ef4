import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { EventQueries } from '#shared/operator/event-queries';
import { E2E_SECRETS, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(240_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const stripe = new Stripe('sk_test_e2e');
let e2e: RunningE2e;

beforeAll(async () => {
  e2e = await startE2eRuntime();
  // Hold the consumers so that the test can look at the queue itself.
  await Promise.all(e2e.runtime.eventSources.map((source) => source.stop()));
});
afterAll(() => e2e.runtime.stop());

const stripeEvent = (id: string, customer = 'cus_e2e') =>
  JSON.stringify({
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, object: 'payment_intent', amount: 1000, currency: 'usd', customer } },
  });

const postStripe = (body: string, timestamp = Math.floor(Date.now() / 1000)) =>
  fetch(`${e2e.runtime.endpoints.api}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: E2E_SECRETS.stripe,
        timestamp,
      }),
    },
    body,
  });

describe('ingest through the local runtime', () => {
  it('finds the events of a correlation id the bundled verifier minted, with or without a caller’s id (decision 0045)', async () => {
    const plain = await postStripe(stripeEvent('evt_e2e_corr_plain'));
    const body = stripeEvent('evt_e2e_corr_caller');
    const offered = await fetch(`${e2e.runtime.endpoints.api}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-correlation-id': 'order-run-12345678',
        'stripe-signature': stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: E2E_SECRETS.stripe,
        }),
      },
      body,
    });
    const queries = new EventQueries(
      DynamoDBDocumentClient.from(
        new DynamoDBClient({ endpoint: e2e.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
      ),
      e2e.runtime.outputs.EventTableName ?? '',
    );

    for (const response of [plain, offered]) {
      expect(response.status).toBe(202);
      const correlationId = response.headers.get('x-correlation-id') ?? '';
      const { events } = (await response.json()) as { events: { id: string }[] };
      expect(await queries.correlated(correlationId)).toEqual(events.map((e) => e.id));
    }
    expect(offered.headers.get('x-correlation-id')).toMatch(/^order-run-12345678\.[0-9a-f]{20}$/);
  });

  it('accepts a request signed by the official Stripe signer, stores it and queues it grouped by customer', async () => {
    const response = await postStripe(stripeEvent('evt_e2e_first', 'cus_group'));

    expect(response.status).toBe(202);
    const correlationId = response.headers.get('x-correlation-id');
    expect(correlationId).toBeTruthy();
    const { events } = (await response.json()) as { events: { id: string }[] };
    const eventId = events[0]?.id ?? '';

    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: e2e.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
    );
    const state = await documents.send(
      new GetCommand({
        TableName: e2e.runtime.outputs.EventTableName,
        Key: { PK: `EVT#${eventId}`, SK: 'STATE' },
      }),
    );
    expect(state.Item).toMatchObject({
      status: 'RECEIVED',
      provider: 'stripe',
      correlationId,
      entityId: 'cus_group',
    });

    const sqs = new SQSClient({ endpoint: e2e.runtime.endpoints.sqs, region: 'us-east-1', credentials });
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: e2e.runtime.outputs.MainQueueUrl,
        MessageSystemAttributeNames: ['All'],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    const message = received.Messages?.find((m) => m.Body?.includes(eventId));
    expect(message?.Attributes?.MessageGroupId).toBe('default#stripe#customer:cus_group');
    expect(JSON.parse(message?.Body ?? '{}')).toEqual({ v: 1, eventId, correlationId });
  });

  it('logs as the stack configures Lambda: one JSON line per delivery, none of Lambda’s START, END or REPORT', async () => {
    const before = e2e.logs.length;
    const accessBefore = e2e.accessLogs.length;
    const response = await postStripe(stripeEvent('evt_e2e_logged', 'cus_logged'));
    expect(response.status).toBe(202);

    // The stage writes its access line in the format the stack gives it (the soak bills these too).
    expect(e2e.accessLogs.slice(accessBefore).map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        requestId: response.headers.get('apigw-requestid'),
        ip: '127.0.0.1',
        method: 'POST',
        path: '/webhooks/stripe',
        status: '202',
        latency: expect.stringMatching(/^\d+$/),
        integrationError: '-',
      },
    ]);

    const lines = e2e.logs.slice(before).filter((entry) => entry.functionName.includes('Verifierstripe'));
    expect(lines.filter((entry) => entry.stream === 'platform')).toEqual([]);
    expect(lines.map((entry) => JSON.parse(entry.line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'webhook ingested',
        correlationId: response.headers.get('x-correlation-id'),
        received: 1,
        enqueued: 1,
        latencyMs: expect.any(Number),
      }),
    ]);
    // Its metrics are read off those fields by the stack's metric filters (decision 0059), not an EMF record.
    expect(lines.some((entry) => entry.line.includes('"_aws"'))).toBe(false);
  });

  it('answers the same delivery again with 200 and the original correlation id', async () => {
    const body = stripeEvent('evt_e2e_duplicate');
    const first = await postStripe(body);

    const second = await postStripe(body);

    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-correlation-id')).toBe(first.headers.get('x-correlation-id'));
  });

  it('answers 401 to a tampered body and to a stale timestamp', async () => {
    const body = stripeEvent('evt_e2e_tampered');
    const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: E2E_SECRETS.stripe });
    const tampered = await fetch(`${e2e.runtime.endpoints.api}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: body.replace('1000', '9000'),
    });
    const stale = await postStripe(stripeEvent('evt_e2e_stale'), Math.floor(Date.now() / 1000) - 600);

    expect(tampered.status).toBe(401);
    expect(stale.status).toBe(401);
  });

  it('answers 404 to an unknown provider', async () => {
    const response = await fetch(`${e2e.runtime.endpoints.api}/webhooks/nosuch`, {
      method: 'POST',
      body: '{}',
    });

    expect(response.status).toBe(404);
  });

  it('accepts GitHub deliveries signed by Octokit and Standard Webhooks signed by the reference library', async () => {
    const githubBody = JSON.stringify({
      zen: 'Keep it logically awesome.',
      hook_id: 1,
      repository: { full_name: 'acme/app' },
    });
    const github = await fetch(`${e2e.runtime.endpoints.api}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'x-hub-signature-256': await octokitSign(E2E_SECRETS.github, githubBody),
      },
      body: githubBody,
    });
    const swBody = JSON.stringify({
      type: 'user.created',
      timestamp: new Date().toISOString(),
      data: { user_id: 'u_1' },
    });
    const headers = { 'webhook-id': 'msg_e2e_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) };
    const signature = new Webhook(E2E_SECRETS['standard-webhooks']).sign(
      headers['webhook-id'],
      new Date(Number(headers['webhook-timestamp']) * 1000),
      swBody,
    );
    const standard = await fetch(`${e2e.runtime.endpoints.api}/webhooks/standard-webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, 'webhook-signature': signature },
      body: swBody,
    });

    expect(github.status).toBe(202);
    expect(standard.status).toBe(202);
  });
});
