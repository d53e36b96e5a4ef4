import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { createIngestHandler } from '#shared/ingest/handler';
import { EMF_RECORD, RedactingLogFormatter } from '#shared/powertools/formatter';
import { logger as sharedLogger } from '#shared/powertools/index';
import { stripeDefinition } from '#shared/providers/stripe/index';
import { aLambdaContext, anHttpApiEvent } from '../../helpers/api-gateway';
import { captureOutput, jsonLines } from '../../helpers/log-capture';
import { aSignedStripeRequest, aStripeEvent, stripeBody } from '../../helpers/providers/stripe';

const SECRET = 'whsec_loggerTestSecretValue0123456789';
const OLD_SECRET = 'whsec_loggerTestOldSecret9876543210';
const AUTHORIZATION = 'Basic cmVsYXlmbG93OnMzY3IzdA==';

const aLogger = (paths: string[] = []) =>
  new Logger({ serviceName: 'test', logLevel: 'DEBUG', logFormatter: new RedactingLogFormatter({ paths }) });

describe('the redacting log formatter in a real Logger', () => {
  it('prints signatures, secrets and authorization headers as [REDACTED], at every level', async () => {
    const log = aLogger();
    const headers = {
      authorization: AUTHORIZATION,
      'stripe-signature': 't=1,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
      'x-request-id': 'r-1',
    };

    const output = await captureOutput(() => {
      log.debug('debug', { headers });
      log.info('info', { signingSecrets: [SECRET, OLD_SECRET] });
      log.warn(`warn with ${SECRET} in the message`);
      log.error('error', new Error(`could not verify with ${AUTHORIZATION}`));
    });

    const text = output.join('\n');
    expect(jsonLines(output)).toHaveLength(4);
    for (const leaked of [
      SECRET,
      OLD_SECRET,
      'cmVsYXlmbG93OnMzY3IzdA',
      '5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
    ]) {
      expect(text).not.toContain(leaked);
    }
    expect(text).toContain('"x-request-id":"r-1"');
  });

  it('redacts configured PII paths in appended keys and in the line itself', async () => {
    const log = aLogger(['**.email', 'customer.phone']);
    log.appendKeys({ customer: { phone: '+15550100', id: 'cus_1' } });

    const [line] = jsonLines(
      await captureOutput(() => log.info('bounce', { recipient: { email: 'ada@example.com' } })),
    );

    expect(line).toMatchObject({
      message: 'bounce',
      customer: { phone: '[REDACTED]', id: 'cus_1' },
      recipient: { email: '[REDACTED]' },
    });
  });

  it('keeps a log line one line when a value carries CR/LF (no forged log entries)', async () => {
    const log = aLogger();

    const output = await captureOutput(() =>
      log.warn('rejected', { userAgent: 'curl\r\n{"level":"INFO","message":"forged"}' }),
    );

    expect(output).toHaveLength(1);
    expect(jsonLines(output)[0]).toMatchObject({ userAgent: 'curl\r\n{"level":"INFO","message":"forged"}' });
  });

  it('prints an INFO line with the appended correlation keys and none of what CloudWatch already knows', async () => {
    const log = aLogger();
    log.addContext(aLambdaContext());
    log.appendKeys({ correlationId: 'corr-12345678', provider: 'stripe', tenant: 'acme' });

    const [line] = jsonLines(await captureOutput(() => log.info('hello')));

    expect(line).toEqual({
      level: 'INFO',
      message: 'hello',
      correlationId: 'corr-12345678',
      provider: 'stripe',
      tenant: 'acme',
    });
  });

  it('ties every line but INFO to its invocation by the Lambda request id', async () => {
    const log = aLogger();
    log.addContext(aLambdaContext());

    const lines = jsonLines(
      await captureOutput(() => {
        log.debug('detail');
        log.warn('odd');
        log.error('failed');
      }),
    );

    expect(lines.map((line) => line.function_request_id)).toEqual([
      'aws-request-1',
      'aws-request-1',
      'aws-request-1',
    ]);
  });

  it('names the X-Ray trace only when the request is sampled', async () => {
    const log = aLogger();
    const previous = process.env._X_AMZN_TRACE_ID;
    const root = '1-6752f0a1-3c0e5b2a9d8f4e7b1a2c3d4e';
    try {
      process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=5a1b2c3d4e5f6a7b;Sampled=1`;
      const [sampled] = jsonLines(await captureOutput(() => log.info('sampled')));
      process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=5a1b2c3d4e5f6a7b;Sampled=0`;
      const [unsampled] = jsonLines(await captureOutput(() => log.info('unsampled')));

      expect(sampled?.xray_trace_id).toBe(root);
      expect(unsampled).not.toHaveProperty('xray_trace_id');
    } finally {
      process.env._X_AMZN_TRACE_ID = previous;
    }
  });

  it('writes an EMF record handed over as `emfRecord` at the root of the line, where EMF reads it', async () => {
    const log = aLogger();
    const record = {
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['service']], Metrics: [{ Name: 'M' }] }],
      },
      service: 'ingest-stripe',
      M: 1,
    };

    const [line] = jsonLines(await captureOutput(() => log.info('counted', { [EMF_RECORD]: record })));

    expect(line).toEqual({ level: 'INFO', message: 'counted', ...record });
  });
});

describe('an error in a line', () => {
  it('has its stack and location read through the function’s stack mapper, its cause too', async () => {
    const mapStack = (stack: string) =>
      stack.replaceAll('file:///var/task/index.mjs:61:31239', 'functions/env.ts:66:11');
    const log = new Logger({
      serviceName: 'test',
      logLevel: 'DEBUG',
      logFormatter: new RedactingLogFormatter({ mapStack }),
    });
    const bundled = (message: string) => {
      const error = new Error(message);
      error.stack = `Error: ${message}\n    at readEnvironment (file:///var/task/index.mjs:61:31239)`;
      return error;
    };
    const error = bundled('outer');
    error.cause = bundled('inner');

    const [line] = jsonLines(await captureOutput(() => log.error('failed', error)));

    const logged = line?.error as {
      location: string;
      stack: string;
      cause: { location: string; stack: string };
    };
    expect(logged.location).toBe('functions/env.ts:66');
    expect(logged.stack).toBe('Error: outer\n    at readEnvironment (functions/env.ts:66:11)');
    expect(logged.cause.location).toBe('functions/env.ts:66');
  });
});

describe('the shared logger', () => {
  it('reads its PII paths from LOG_REDACT_PATHS', async () => {
    const previous = { paths: process.env.LOG_REDACT_PATHS, level: process.env.POWERTOOLS_LOG_LEVEL };
    process.env.LOG_REDACT_PATHS = '["data.card.last4"]';
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    let isolated: typeof sharedLogger | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      isolated = (require('#shared/powertools/index') as { logger: typeof sharedLogger }).logger;
    });
    process.env.LOG_REDACT_PATHS = previous.paths;
    process.env.POWERTOOLS_LOG_LEVEL = previous.level;

    const [line] = jsonLines(
      await captureOutput(() => isolated?.info('paid', { data: { card: { last4: '4242', brand: 'visa' } } })),
    );

    expect(line).toMatchObject({ data: { card: { last4: '[REDACTED]', brand: 'visa' } } });
  });

  it('refuses a LOG_REDACT_PATHS that is not a JSON array of strings at cold start', () => {
    process.env.LOG_REDACT_PATHS = '{"email":true}';
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(() => jest.isolateModules(() => void require('#shared/powertools/index'))).toThrow(
        /LOG_REDACT_PATHS/,
      );
    } finally {
      delete process.env.LOG_REDACT_PATHS;
    }
  });
});

describe('ingest logs', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sqs = mockClient(SQSClient);
  const secrets = mockClient(SecretsManagerClient);
  let handler: ReturnType<typeof createIngestHandler>;

  beforeAll(() => {
    Object.assign(process.env, {
      PROVIDER_ID: 'stripe',
      PROVIDER_OPTIONS: '{}',
      TENANTS: '[]',
      SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:stripe-logs',
      TENANT_SECRET_ARNS: '{}',
      EVENT_TABLE: 'events',
      RAW_BUCKET: 'raw',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/main.fifo',
      MAX_BODY_BYTES: '65536',
      INLINE_BODY_MAX_BYTES: '4096',
      RETENTION_DAYS: '30',
      INGEST_LEASE_SECONDS: '30',
      SECRETS_MAX_AGE_SECONDS: '300',
      POWERTOOLS_METRICS_NAMESPACE: 'RelayFlowTest',
    });
    handler = createIngestHandler(stripeDefinition);
    sharedLogger.setLogLevel('DEBUG');
  });

  afterAll(() => {
    sharedLogger.setLogLevel('SILENT');
    dynamo.restore();
    sqs.restore();
    secrets.restore();
  });

  it('never prints a secret, a signature or an authorization header, whether accepted, rejected or failed', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ signingSecrets: [SECRET, OLD_SECRET] }) });
    dynamo.on(GetCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const signed = aSignedStripeRequest(
      stripeBody(aStripeEvent()),
      OLD_SECRET,
      Math.floor(Date.now() / 1000),
      { authorization: AUTHORIZATION },
    );
    const tampered = { ...signed, body: Buffer.concat([signed.body, Buffer.from(' ')]) };
    const signature = signed.headers['stripe-signature'] ?? '';

    const output = await captureOutput(async () => {
      dynamo.on(PutCommand).resolves({});
      await handler(anHttpApiEvent(signed), aLambdaContext());
      await handler(anHttpApiEvent(tampered), aLambdaContext());
      dynamo.on(PutCommand).rejects(new Error(`throttled while writing ${signature} for ${SECRET}`));
      await handler(
        anHttpApiEvent(
          aSignedStripeRequest(
            stripeBody(aStripeEvent({ id: 'evt_other' })),
            SECRET,
            Math.floor(Date.now() / 1000),
          ),
        ),
        aLambdaContext(),
      );
    });

    const logs = jsonLines(output).filter((line) => typeof line.message === 'string');
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        'webhook ingested',
        'request rejected',
        'our own storage failed; the provider will retry',
      ]),
    );
    const text = output.join('\n');
    for (const leaked of [
      SECRET,
      OLD_SECRET,
      'cmVsYXlmbG93OnMzY3IzdA',
      signature.split('v1=')[1] ?? 'unreachable',
    ])
      expect(text).not.toContain(leaked);
    for (const line of logs)
      expect(line).toMatchObject({
        correlationId: expect.any(String),
        provider: 'stripe',
        tenant: 'default',
      });
  });
});
