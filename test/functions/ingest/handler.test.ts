import 'aws-sdk-client-mock-jest';
import type { EventState } from '#shared/store/records';
import { aStoredEvent, anIntegrationEvent } from '../../helpers/sqs-events';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { genericHmacDefinition } from '#shared/providers/generic-hmac/index';
import { stripeDefinition } from '#shared/providers/stripe/index';
import { createIngestHandler } from '#shared/ingest/handler';
import { secretsProvider } from '#shared/clients/secrets';
import { logger, tracer } from '#shared/powertools/index';
import { aLambdaContext, anHttpApiEvent } from '../../helpers/api-gateway';
import { captureOutput, jsonLines } from '../../helpers/log-capture';
import { aSignedStripeRequest, aStripeEvent, stripeBody } from '../../helpers/providers/stripe';
import { verifierEnv } from '../../helpers/verifier-env';

const SECRET = 'whsec_handler_test';
const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);

const ENV = verifierEnv({
  PROVIDER_ID: 'stripe',
  SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:stripe',
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
let handler: ReturnType<typeof createIngestHandler>;

beforeAll(() => {
  Object.assign(process.env, ENV);
  handler = createIngestHandler(stripeDefinition);
});

beforeEach(() => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ signingSecrets: [SECRET] }) });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  s3.on(PutObjectCommand).resolves({});
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  s3.reset();
  secrets.reset();
});

const invoke = async (...args: Parameters<typeof anHttpApiEvent>) =>
  (await handler(anHttpApiEvent(...args), aLambdaContext())) as APIGatewayProxyStructuredResultV2 & {
    headers: Record<string, string>;
    body: string;
  };

const signed = (event = aStripeEvent(), timestamp = nowSeconds()) =>
  aSignedStripeRequest(stripeBody(event), SECRET, timestamp);

/** A state item as the store holds it, minus what it derives. */
const storedState = (fields: Pick<EventState, 'eventId' | 'status' | 'correlationId'>) => {
  const { idempotencyKey: _key, groupId: _group, ...state } = aStoredEvent(anIntegrationEvent()).state;
  return { ...state, ...fields, statusAt: new Date().toISOString() };
};

describe('ingest handler', () => {
  it('answers 202 with a correlation id, stores the event in two writes and enqueues a claim check grouped by entity', async () => {
    const response = await invoke(signed());

    expect(response.statusCode).toBe(202);
    expect(response.headers['x-correlation-id']).toMatch(/.{8,}/);
    const state = dynamo.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.SK === 'STATE')?.args[0]
      .input.Item;
    expect(state).toMatchObject({
      status: 'RECEIVED',
      provider: 'stripe',
      tenant: 'default',
      type: 'payment.succeeded',
      providerType: 'payment_intent.succeeded',
    });
    // Nor what its key says, nor the first secret's index (decision 0060): the item stays under 1 KB.
    expect(state).not.toHaveProperty('eventId');
    expect(state).not.toHaveProperty('secretIndex');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const message = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    const eventId = String(state?.PK).replace('EVT#', '');
    expect(JSON.parse(message?.MessageBody ?? '')).toEqual({
      v: 1,
      eventId,
      correlationId: response.headers['x-correlation-id'],
    });
    // The state item does not store its group: it is derived from tenant, provider and entity.
    expect(state).not.toHaveProperty('groupId');
    expect(message?.MessageGroupId).toBe(`default#stripe#${state?.entityKind}:${state?.entityId}`);
    expect(message?.MessageDeduplicationId).toBe(eventId);
    // The payload and the state, then the send: no QUEUED update (decision 0045).
    const eventItems = dynamo
      .commandCalls(PutCommand)
      .map((c) => String(c.args[0].input.Item?.SK))
      .filter((sk) => sk === 'PAYLOAD' || sk === 'STATE');
    expect(eventItems).toEqual(['PAYLOAD', 'STATE']);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  it('keeps a caller-supplied correlation id as the prefix of its own', async () => {
    const request = signed();
    const response = await invoke({
      ...request,
      headers: { ...request.headers, 'x-correlation-id': 'corr-12345678' },
    });

    expect(response.headers['x-correlation-id']).toMatch(/^corr-12345678\.[0-9a-f]{20}$/);
  });

  it('never adopts a caller-supplied correlation id verbatim, so two deliveries never share one', async () => {
    const request = signed();
    const headers = { ...request.headers, 'x-correlation-id': 'another-events-correlation-id' };

    const first = await invoke({ ...request, headers });
    const second = await invoke({ ...signed(), headers });

    expect(first.headers['x-correlation-id']).not.toBe('another-events-correlation-id');
    expect(first.headers['x-correlation-id']).not.toBe(second.headers['x-correlation-id']);
  });

  it('stores the exact bytes of a base64-encoded body and verifies them', async () => {
    const response = await invoke(signed(), { base64: true });

    expect(response.statusCode).toBe(202);
    const payload = dynamo.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.SK === 'PAYLOAD')
      ?.args[0].input.Item;
    // The payload item packs request, event and body into one Brotli stream (decision 0045).
    const packed = JSON.parse(brotliDecompressSync(payload?.blob as Uint8Array).toString('utf8')) as {
      body: string;
    };
    expect(Buffer.from(packed.body, 'utf8').equals(signed().body)).toBe(true);
  });

  it('answers 200, not 409, and enqueues nothing for an event already queued', async () => {
    dynamo.on(GetCommand).resolves({
      Item: storedState({ eventId: 'ev_1', status: 'QUEUED', correlationId: 'first-corr-id' }),
    });

    const response = await invoke(signed());

    expect(response.statusCode).toBe(200);
    expect(response.headers['x-correlation-id']).toBe('first-corr-id');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 0);
  });

  it('answers 401 for a tampered body and stores nothing', async () => {
    const request = signed();
    const tampered = {
      ...request,
      body: Buffer.from(request.body.toString().replace('succeeded', 'succeedeX')),
    };

    const response = await invoke(tampered);

    expect(response.statusCode).toBe(401);
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 0);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  it('answers 401 for a stale timestamp', async () => {
    const response = await invoke(signed(aStripeEvent(), nowSeconds() - 3600));

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ message: expect.any(String) });
  });

  it('answers 401 for an unsigned request', async () => {
    const request = signed();
    const { 'stripe-signature': _dropped, ...headers } = request.headers;

    expect((await invoke({ ...request, headers })).statusCode).toBe(401);
  });

  it('answers 404 for an unknown tenant, with a correlation id', async () => {
    const response = await invoke(signed(), { tenant: 'nobody' });

    expect(response.statusCode).toBe(404);
    expect(response.headers['x-correlation-id']).toMatch(/.{8,}/);
  });

  it('accepts a configured tenant on its own path', async () => {
    const response = await invoke(signed(), { tenant: 'acme' });

    expect(response.statusCode).toBe(202);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ SK: 'STATE', tenant: 'acme' }),
    });
  });

  it('answers 405 for a method other than POST, with a correlation id', async () => {
    const response = await invoke({ ...signed(), method: 'GET' });

    expect(response.statusCode).toBe(405);
    expect(response.headers['x-correlation-id']).toMatch(/.{8,}/);
  });

  it('answers 413 above the configured maximum without verifying or storing', async () => {
    const huge = signed(aStripeEvent({ padding: 'x'.repeat(70_000) }));

    const response = await invoke(huge);

    expect(response.statusCode).toBe(413);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  it('puts a body above the inline threshold in S3 first and references it', async () => {
    const large = signed(
      aStripeEvent({ padding: Array.from({ length: 3000 }, (_, i) => `${i * 7919}`).join(',') }),
    );

    const response = await invoke(large);

    expect(response.statusCode).toBe(202);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    const object = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(gunzipSync(object?.Body as Uint8Array).equals(large.body)).toBe(true);
    const payload = dynamo.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.SK === 'PAYLOAD')
      ?.args[0].input.Item;
    expect(payload?.raw).toEqual({ kind: 's3', bucket: 'raw', key: object?.Key });
    expect(payload?.rawBody).toBeUndefined();
  });

  it('quarantines a validly signed body the normalizer cannot read, answers 202 and enqueues nothing', async () => {
    const response = await invoke(
      aSignedStripeRequest(Buffer.from('{"not":"a stripe event"}'), SECRET, nowSeconds()),
    );

    expect(response.statusCode).toBe(202);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ SK: 'STATE', status: 'QUARANTINED', attention: 'QUARANTINED' }),
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  it('answers 503 so that the provider retries when the event store fails', async () => {
    dynamo.on(PutCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    const response = await invoke(signed());

    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('ProvisionedThroughputExceeded');
  });

  it('answers 503 when the queue fails, leaving the event RECEIVED for the retry', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('boom'));

    const response = await invoke(signed());

    expect(response.statusCode).toBe(503);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  it('answers 503 when no signing secret is configured yet', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ signingSecrets: [] }) });
    process.env.SECRET_ARN = `${ENV.SECRET_ARN}-empty`;
    const fresh = createIngestHandler(stripeDefinition);
    process.env.SECRET_ARN = ENV.SECRET_ARN;

    const response = await fresh(anHttpApiEvent(signed()), aLambdaContext());

    expect(response.statusCode).toBe(503);
  });

  it('treats a lost race for the state item as a duplicate', async () => {
    dynamo.on(PutCommand).callsFake((input: { Item: { SK: string } }) => {
      if (input.Item.SK === 'STATE')
        throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
      return {};
    });
    dynamo
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({
        Item: storedState({ eventId: 'ev_x', status: 'QUEUED', correlationId: 'winner-corr' }),
      });

    const response = await invoke(signed());

    expect(response.statusCode).toBe(200);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  it('says why when a text body that fails its signature holds U+FFFD (bytes replaced before they reached us)', async () => {
    const request = signed();
    const transcoded = { ...request, body: Buffer.from(`${request.body.toString('utf8')}\uFFFD`) };
    logger.setLogLevel('WARN');

    const lines = await captureOutput(() => invoke(transcoded));
    logger.setLogLevel('SILENT');

    const warnings = jsonLines(lines)
      .filter((line) => line.level === 'WARN')
      .map((line) => line.message);
    expect(warnings).toContain(
      'the body holds U+FFFD: bytes that were not UTF-8 were replaced before they reached the verifier',
    );
  });

  it('answers 503 with a fixed message, never quoting it, for a secret stored as a bare string', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'hooks:Sup3r-S3cret!' });
    // Powertools caches the well-formed secret the earlier tests read.
    secretsProvider.clearCache();
    logger.setLogLevel('DEBUG');

    let response: Awaited<ReturnType<typeof invoke>> | undefined;
    const lines = await captureOutput(async () => {
      response = await invoke(signed());
    });
    logger.setLogLevel('SILENT');
    secretsProvider.clearCache();

    expect(response?.statusCode).toBe(503);
    expect(lines.join('\n')).toContain('the secret is not JSON of the form');
    expect(lines.join('\n')).not.toContain('Sup3r');
  });

  it('annotates its own trace subsegment with the correlation id, provider, tenant and outcome', async () => {
    const setSegment = jest.spyOn(tracer, 'setSegment');
    const putAnnotation = jest.spyOn(tracer, 'putAnnotation');
    // Lambda sampled this invocation: the X-Ray SDK is loaded for it (decision 0061).
    process.env._X_AMZN_TRACE_ID =
      'Root=1-67a0b1c2-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1';
    try {
      const response = await invoke(signed());

      expect(setSegment.mock.calls[0]?.[0]).toMatchObject({ name: '## ingest' });
      expect(Object.fromEntries(putAnnotation.mock.calls)).toEqual({
        correlationId: response.headers['x-correlation-id'],
        provider: 'stripe',
        tenant: 'default',
        outcome: 'ingested',
      });
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
      setSegment.mockRestore();
      putAnnotation.mockRestore();
    }
  });

  it('starts a generic HMAC sender that names the entity of its events', () => {
    process.env.PROVIDER_ID = 'acme-billing';
    process.env.PROVIDER_OPTIONS = JSON.stringify({
      signatureHeader: 'x-acme-signature',
      id: { jsonPath: 'id' },
      type: { jsonPath: 'event' },
      entity: { kind: 'invoice', jsonPath: 'data.id' },
    });
    try {
      expect(() => createIngestHandler(genericHmacDefinition)).not.toThrow();
    } finally {
      Object.assign(process.env, { PROVIDER_ID: ENV.PROVIDER_ID, PROVIDER_OPTIONS: ENV.PROVIDER_OPTIONS });
    }
  });

  it('refuses at cold start options that do not fit its provider, naming the option', () => {
    process.env.PROVIDER_OPTIONS = '{"toleranceSeconds":-5}';
    try {
      expect(() => createIngestHandler(stripeDefinition)).toThrow(
        /PROVIDER_OPTIONS do not fit provider stripe: toleranceSeconds:/,
      );
    } finally {
      process.env.PROVIDER_OPTIONS = ENV.PROVIDER_OPTIONS;
    }
  });
});
