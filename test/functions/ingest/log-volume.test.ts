import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as ClientMock from 'aws-sdk-client-mock';
import type * as LibDynamoDb from '@aws-sdk/lib-dynamodb';
import type * as ClientSqs from '@aws-sdk/client-sqs';
import type * as ClientSecretsManager from '@aws-sdk/client-secrets-manager';
import type * as IngestHandler from '#shared/ingest/handler';
import type * as StripeProvider from '#shared/providers/stripe/index';
import { aLambdaContext, anHttpApiEvent } from '../../helpers/api-gateway';
import { captureOutput, jsonLines } from '../../helpers/log-capture';
import { aSignedStripeRequest, aStripeEvent, stripeBody } from '../../helpers/providers/stripe';
import { verifierEnv } from '../../helpers/verifier-env';

/*
 * What CloudWatch Logs bills a verifier for one accepted event, at the deployed default log level:
 * the handler runs as deployed (environment, service name, namespace, a Lambda context and trace
 * header like Lambda's), with its AWS clients mocked, and every byte it writes is counted.
 */

const SECRET = 'whsec_log_volume_test';
const FUNCTION_NAME = 'RelayFlow-IngestApiVerifierstripeAD9B69DE-k3Xb9QzR2mTw';
/** CloudWatch Logs bills every log event 26 bytes besides its text. */
const LOG_EVENT_OVERHEAD_BYTES = 26;
/**
 * A guard against regressions, not the goal: issue 13 asks ≤ 600 bytes for an event's whole path.
 * The line's metrics are fields that metric filters read (decision 0059): ~300 bytes with the
 * overhead, against ~610 with an EMF record on it (1,255 in two lines before that).
 */
const BUDGET_BYTES = 340;

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** A verifier handler loaded afresh with the deployed environment at `logLevel`, its clients mocked. */
const aDeployedVerifier = (logLevel: string): Handler => {
  const saved = { ...process.env };
  Object.assign(
    process.env,
    verifierEnv({
      PROVIDER_ID: 'stripe',
      SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:RelayFlow-stripe-AbCdEf',
      POWERTOOLS_SERVICE_NAME: 'ingest-stripe',
      POWERTOOLS_METRICS_NAMESPACE: 'RelayFlow',
      POWERTOOLS_LOG_LEVEL: logLevel,
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      _X_AMZN_TRACE_ID: 'Root=1-6752f0a1-3c0e5b2a9d8f4e7b1a2c3d4e;Parent=5a1b2c3d4e5f6a7b;Sampled=0',
    }),
  );
  let handler: Handler | undefined;
  try {
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports -- the mocks must patch this registry's SDK classes */
      const { mockClient } = require('aws-sdk-client-mock') as typeof ClientMock;
      const dynamodb = require('@aws-sdk/lib-dynamodb') as typeof LibDynamoDb;
      const sqs = require('@aws-sdk/client-sqs') as typeof ClientSqs;
      const secrets = require('@aws-sdk/client-secrets-manager') as typeof ClientSecretsManager;
      mockClient(dynamodb.DynamoDBDocumentClient)
        .on(dynamodb.GetCommand)
        .resolves({})
        .on(dynamodb.PutCommand)
        .resolves({})
        .on(dynamodb.UpdateCommand)
        .resolves({});
      mockClient(sqs.SQSClient).on(sqs.SendMessageCommand).resolves({ MessageId: 'm-1' });
      mockClient(secrets.SecretsManagerClient)
        .on(secrets.GetSecretValueCommand)
        .resolves({ SecretString: JSON.stringify({ signingSecrets: [SECRET] }) });
      const { createIngestHandler } = require('#shared/ingest/handler') as typeof IngestHandler;
      const { stripeDefinition } = require('#shared/providers/stripe/index') as typeof StripeProvider;
      /* eslint-enable @typescript-eslint/no-require-imports */
      handler = createIngestHandler(stripeDefinition);
    });
  } finally {
    process.env = saved;
  }
  if (!handler) throw new Error('the handler was not created');
  return handler;
};

const context = aLambdaContext({
  functionName: FUNCTION_NAME,
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`,
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
});

/** What the verifier writes for one accepted event (`id` keeps each event new). */
const deliver = async (handler: Handler, id: string) => {
  const request = aSignedStripeRequest(
    stripeBody(aStripeEvent({ id })),
    SECRET,
    Math.floor(Date.now() / 1000),
  );
  let response: APIGatewayProxyStructuredResultV2 | undefined;
  const lines = await captureOutput(async () => {
    response = await handler(anHttpApiEvent(request), context);
  });
  return { lines, response };
};

const billedBytes = (lines: readonly string[]) =>
  lines.reduce((total, line) => total + Buffer.byteLength(line) + LOG_EVENT_OVERHEAD_BYTES, 0);

describe('the log volume of an accepted event in a verifier', () => {
  it('is one INFO line with what an operator searches by, and the fields its metric filters read', async () => {
    const handler = aDeployedVerifier('INFO');

    const { lines, response } = await deliver(handler, 'evt_log_volume_1');

    expect(response?.statusCode).toBe(202);
    expect(lines).toHaveLength(1);
    const [line] = jsonLines(lines);
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'webhook ingested',
      correlationId: response?.headers?.['x-correlation-id'],
      provider: 'stripe',
      tenant: 'default',
      status: 202,
      eventId: expect.stringMatching(/^ev_/),
      type: 'payment.succeeded',
      outcome: 'accepted',
      received: 1,
      enqueued: 1,
      latencyMs: expect.any(Number),
    });
    expect(line).not.toHaveProperty('_aws');
  });

  it(`stays within ${BUDGET_BYTES} billed bytes, warm or cold`, async () => {
    const handler = aDeployedVerifier('INFO');

    const cold = await deliver(handler, 'evt_log_volume_2');
    const warm = await deliver(handler, 'evt_log_volume_3');

    expect(billedBytes(cold.lines)).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(billedBytes(warm.lines)).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('still publishes the metrics when the log level hides the INFO line', async () => {
    const handler = aDeployedVerifier('WARN');

    const { lines } = await deliver(handler, 'evt_log_volume_4');

    expect(jsonLines(lines)).toEqual([
      expect.objectContaining({
        _aws: expect.any(Object),
        Received: 1,
        Enqueued: 1,
        IngestLatency: expect.any(Number),
      }),
    ]);
    expect(jsonLines(lines)[0]).not.toHaveProperty('message');
  });
});
