import './hostile-env';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { createIngestHandler } from '#shared/ingest/handler';
import { genericHmacOptionsSchema } from '#shared/providers/generic-hmac/index';
import { createGenericHmacSigner } from '#shared/providers/generic-hmac/sign';
import { signGithubRequest } from '#shared/providers/github/sign';
import { signHubspotRequest } from '#shared/providers/hubspot/sign';
import { signPostmarkRequest } from '#shared/providers/postmark/sign';
import { builtInProviders, genericHmacProvider } from '#shared/providers/registry';
import { signSendgridRequest } from '#shared/providers/sendgrid/sign';
import { signShopifyRequest } from '#shared/providers/shopify/sign';
import { signStandardWebhooksRequest } from '#shared/providers/standard-webhooks/sign';
import { signStripeRequest } from '#shared/providers/stripe/sign';
import { signTwilioRequest } from '#shared/providers/twilio/sign';
import type { WebhookRequest } from '#shared/providers/types';
import { aLambdaContext } from './api-gateway';
import { aToken, specSignature } from './providers/mailgun';

/**
 * The hostile-input harness: every verifier handler built by createIngestHandler with its real
 * provider, AWS clients mocked, and a signer per provider so that hostile bodies can also be
 * sent with a VALID signature (they then reach the normalizer and the store). Free of Jest so
 * that `bench/fuzz.ts` runs the same harness for the long soak.
 */

export const PUBLIC_BASE_URL = 'https://hooks.example.com';
export const MAX_BODY_BYTES = 262_144;
export const INLINE_BODY_MAX_BYTES = 4096;
export const TENANT = 'acme';

type Signer = (request: { url: string; headers: Record<string, string>; body: Buffer }) => {
  headers: Record<string, string>;
  body: Buffer;
};

export interface HostileTarget {
  readonly id: string;
  /** A real delivery's body and headers (from the provider's fixtures), unsigned. */
  readonly sample: { readonly body: Buffer; readonly headers: Record<string, string> };
  /** Headers the verifier reads its signature, timestamp and ids from: fuzzed with random values. */
  readonly signatureHeaders: readonly string[];
  /** Signs a body as the provider does (Mailgun signs inside the body, so the body may change). */
  readonly sign: Signer;
  /** What Secrets Manager holds for this provider. */
  readonly secrets: readonly string[];
  /** Every secret-like string that must never appear in log output. */
  readonly secretValues: readonly string[];
  readonly handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
}

const fixtureOf = (provider: string): { body: Buffer; headers: Record<string, string> } => {
  const dir = join(__dirname, '..', '..', 'functions', 'providers', provider, 'fixtures');
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()[0];
  if (!file) throw new Error(`no fixture for ${provider}`);
  const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    headers: Record<string, string>;
    body: unknown;
  };
  return {
    headers: fixture.headers,
    body: Buffer.from(typeof fixture.body === 'string' ? fixture.body : JSON.stringify(fixture.body)),
  };
};

const withHeaders =
  (
    sign: (
      req: { url: string; headers: Record<string, string>; body: Buffer },
      secret: string,
      now: Date,
    ) => Record<string, string>,
    secret: string,
  ): Signer =>
  (req) => ({ headers: { ...req.headers, ...sign(req, secret, new Date()) }, body: req.body });

/**
 * Mailgun signs inside the body. Its own signer re-serializes the JSON, which a hostile body
 * (10,000 levels deep) cannot survive, so the signature object is spliced in as text. A body
 * that is not a JSON object cannot carry a Mailgun signature and goes out as it is.
 */
const signMailgunBody = (body: Buffer, key: string): { headers: Record<string, string>; body: Buffer } => {
  const text = body.toString('utf8');
  if (!text.trimStart().startsWith('{')) return { headers: {}, body };
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = aToken();
  const signature = JSON.stringify({ timestamp, token, signature: specSignature(key, timestamp, token) });
  const rest = text.trimStart().slice(1).trimStart();
  return {
    headers: {},
    body: Buffer.from(`{"signature":${signature}${rest.startsWith('}') ? '' : ','}${rest}`),
  };
};

// A sender whose ids travel in an unsigned header: exercises the signed-bytes binding.
const GENERIC_OPTIONS = {
  signatureHeader: 'x-acme-signature',
  id: { header: 'x-acme-delivery' },
  type: { jsonPath: 'event' },
  unsignedIdentity: true,
};

interface TargetSpec {
  readonly id: string;
  readonly sample: { body: Buffer; headers: Record<string, string> };
  readonly signatureHeaders: readonly string[];
  readonly sign: Signer;
  readonly secrets: readonly string[];
  readonly secretValues: readonly string[];
  readonly options: Record<string, unknown>;
  readonly build: () => (
    event: APIGatewayProxyEventV2,
    context: ReturnType<typeof aLambdaContext>,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
}

const specs = (): TargetSpec[] => {
  const builtIn = (id: string) => {
    const entry = builtInProviders[id];
    if (!entry) throw new Error(`unknown provider ${id}`);
    return () => createIngestHandler(entry);
  };
  const hmac = `hostile-${randomBytes(12).toString('hex')}`;
  const standardKey = `whsec_${randomBytes(24).toString('base64')}`;
  const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sendgridPublic = sendgrid.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const sendgridPrivate = sendgrid.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const postmark = `relayflow:${randomBytes(9).toString('hex')}`;
  const generic = genericHmacOptionsSchema.parse(GENERIC_OPTIONS);
  const genericSample = {
    headers: { 'content-type': 'application/json', 'x-acme-delivery': 'dlv_1' },
    body: Buffer.from('{"event":"invoice.paid","data":{"id":"inv_1"}}'),
  };
  const plain = (
    id: string,
    sign: Parameters<typeof withHeaders>[0],
    signatureHeaders: string[],
    secret = hmac,
  ): TargetSpec => ({
    id,
    sample: fixtureOf(id),
    signatureHeaders,
    sign: withHeaders(sign, secret),
    secrets: [secret],
    secretValues: [secret],
    options: {},
    build: builtIn(id),
  });
  return [
    plain('stripe', signStripeRequest, ['stripe-signature']),
    plain('github', signGithubRequest, ['x-hub-signature-256', 'x-github-event', 'x-github-delivery']),
    plain('shopify', signShopifyRequest, [
      'x-shopify-hmac-sha256',
      'x-shopify-topic',
      'x-shopify-event-id',
      'x-shopify-webhook-id',
    ]),
    plain(
      'standard-webhooks',
      signStandardWebhooksRequest,
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
      standardKey,
    ),
    plain('hubspot', signHubspotRequest, [
      'x-hubspot-signature-v3',
      'x-hubspot-request-timestamp',
      'x-hubspot-signature',
      'x-hubspot-signature-version',
    ]),
    plain('twilio', signTwilioRequest, ['x-twilio-signature']),
    {
      ...plain(
        'sendgrid',
        signSendgridRequest,
        ['x-twilio-email-event-webhook-signature', 'x-twilio-email-event-webhook-timestamp'],
        sendgridPrivate,
      ),
      secrets: [sendgridPublic],
      secretValues: [sendgridPrivate.split('\n')[1] ?? sendgridPrivate],
    },
    plain('postmark', signPostmarkRequest, ['authorization'], postmark),
    {
      id: 'mailgun',
      sample: fixtureOf('mailgun'),
      signatureHeaders: [],
      sign: (req) => signMailgunBody(req.body, hmac),
      secrets: [hmac],
      secretValues: [hmac],
      options: {},
      build: builtIn('mailgun'),
    },
    {
      id: 'acme-billing',
      sample: genericSample,
      signatureHeaders: ['x-acme-signature', 'x-acme-delivery'],
      sign: withHeaders(createGenericHmacSigner(generic), hmac),
      secrets: [hmac],
      secretValues: [hmac],
      options: GENERIC_OPTIONS,
      build: () => createIngestHandler(genericHmacProvider),
    },
  ];
};

/** AWS clients as the verifiers use them, mocked: every call succeeds and is recorded. */
export const mocks = {
  dynamo: mockClient(DynamoDBDocumentClient),
  sqs: mockClient(SQSClient),
  s3: mockClient(S3Client),
  secrets: mockClient(SecretsManagerClient),
};

const secretArnOf = (id: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:hostile-${id}`;

/** Gives every mocked call its happy answer and forgets what was recorded. */
export const resetMocks = (targets: readonly HostileTarget[]) => {
  mocks.dynamo.reset();
  mocks.sqs.reset();
  mocks.s3.reset();
  mocks.secrets.reset();
  mocks.dynamo.on(GetCommand).resolves({});
  mocks.dynamo.on(BatchGetCommand).resolves({ Responses: {} });
  mocks.dynamo.on(PutCommand).resolves({});
  mocks.dynamo.on(UpdateCommand).resolves({});
  mocks.sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  mocks.sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: `m-${entry.Id}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));
  mocks.s3.on(PutObjectCommand).resolves({});
  for (const target of targets) {
    mocks.secrets
      .on(GetSecretValueCommand, { SecretId: secretArnOf(target.id) })
      .resolves({ SecretString: JSON.stringify({ signingSecrets: target.secrets }) });
  }
};

/** Builds every verifier handler (all built-in providers plus a generic HMAC sender) as its Lambda would at cold start. */
export const buildTargets = (): HostileTarget[] => {
  const saved = { ...process.env };
  const targets = specs().map((spec): HostileTarget => {
    Object.assign(process.env, {
      PROVIDER_ID: spec.id,
      PROVIDER_OPTIONS: JSON.stringify(spec.options),
      TENANTS: JSON.stringify([TENANT]),
      SECRET_ARN: secretArnOf(spec.id),
      TENANT_SECRET_ARNS: '{}',
      EVENT_TABLE: 'events',
      RAW_BUCKET: 'raw',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/main.fifo',
      PUBLIC_BASE_URL,
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      INLINE_BODY_MAX_BYTES: String(INLINE_BODY_MAX_BYTES),
      RETENTION_DAYS: '30',
      INGEST_LEASE_SECONDS: '30',
      SECRETS_MAX_AGE_SECONDS: '300',
      POWERTOOLS_METRICS_NAMESPACE: 'RelayFlowHostile',
    });
    const handler = spec.build();
    return { ...spec, handler: (event) => handler(event, aLambdaContext()) };
  });
  process.env = saved;
  return targets;
};

/** A request to a target's URL, unsigned. */
export const aRequest = (target: HostileTarget, overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: `${PUBLIC_BASE_URL}/webhooks/${target.id}`,
  path: `/webhooks/${target.id}`,
  rawQueryString: '',
  headers: { ...target.sample.headers },
  body: target.sample.body,
  sourceIp: '198.51.100.7',
  ...overrides,
});

/** `body` sent as the provider would: correctly signed, with a fresh delivery id where the provider has one. */
export const aSignedRequest = (
  target: HostileTarget,
  body: Buffer,
  headers: Record<string, string> = {},
): WebhookRequest => {
  const base = aRequest(target, { body, headers: { ...target.sample.headers, ...freshIds(), ...headers } });
  const signed = target.sign({ url: base.url, headers: base.headers, body });
  return { ...base, headers: signed.headers, body: signed.body };
};

const freshIds = (): Record<string, string> => {
  const id = randomUUID();
  return {
    'x-github-delivery': id,
    'x-shopify-event-id': id,
    'x-shopify-webhook-id': id,
    'x-acme-delivery': id,
  };
};

/** An HTTP API (payload 2.0) event as API Gateway builds it, with the body raw or base64. */
export const anEvent = (
  request: WebhookRequest,
  options: { base64?: boolean; tenant?: string; rawHeaders?: Record<string, string> } = {},
): APIGatewayProxyEventV2 => {
  const rawPath = options.tenant ? `${request.path}/${options.tenant}` : request.path;
  return {
    version: '2.0',
    routeKey: `ANY ${request.path}${options.tenant ? '/{tenant}' : ''}`,
    rawPath,
    rawQueryString: request.rawQueryString,
    headers: options.rawHeaders ?? { ...request.headers },
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api',
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: 'hostile',
      },
      requestId: 'req-hostile',
      routeKey: 'ANY',
      stage: '$default',
      time: '01/Jun/2025:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    ...(options.tenant ? { pathParameters: { tenant: options.tenant } } : {}),
    body: options.base64 ? request.body.toString('base64') : request.body.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
};

/** Statuses the ingest may answer a client with; anything 5xx here means we blamed ourselves for the client's fault. */
export const CLIENT_STATUSES = new Set([200, 202, 401, 404, 405, 413]);
export const REJECTED_STATUSES = new Set([401, 404, 405, 413]);

export interface WriteCounts {
  readonly puts: number;
  /** UpdateItem calls on anything but a rejection counter. */
  readonly otherUpdates: number;
  readonly rejectionUpdates: number;
  readonly sends: number;
  readonly objects: number;
  readonly secretReads: number;
}

/** What the mocked clients were asked to write since the last reset. */
export const writeCounts = (): WriteCounts => {
  const updates = mocks.dynamo.commandCalls(UpdateCommand).map((c) => String(c.args[0].input.Key?.PK));
  const rejectionUpdates = updates.filter((pk) => pk.startsWith('REJECTS#')).length;
  return {
    puts: mocks.dynamo.commandCalls(PutCommand).length,
    otherUpdates: updates.length - rejectionUpdates,
    rejectionUpdates,
    sends:
      mocks.sqs.commandCalls(SendMessageCommand).length +
      mocks.sqs
        .commandCalls(SendMessageBatchCommand)
        .reduce((sum, call) => sum + (call.args[0].input.Entries?.length ?? 0), 0),
    objects: mocks.s3.commandCalls(PutObjectCommand).length,
    secretReads: mocks.secrets.commandCalls(GetSecretValueCommand).length,
  };
};

/** Forgets recorded calls but keeps the mocked answers. */
export const resetHistory = () => {
  mocks.dynamo.resetHistory();
  mocks.sqs.resetHistory();
  mocks.s3.resetHistory();
  mocks.secrets.resetHistory();
};

/**
 * Replaces process.stdout/stderr writes while `run` runs, handing each line to `onLine`
 * (the Logger and Metrics write there through their own Console).
 */
export const withOutput = async <T>(onLine: (line: string) => void, run: () => Promise<T>): Promise<T> => {
  const originals = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  const sink = (chunk: unknown): boolean => {
    for (const line of String(chunk).split('\n')) if (line.length > 0) onLine(line);
    return true;
  };
  process.stdout.write = sink;
  process.stderr.write = sink;
  try {
    return await run();
  } finally {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  }
};

/** A JSON nesting `depth` levels deep, as arrays or objects. */
export const deeplyNested = (depth: number, kind: 'array' | 'object'): string =>
  kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

export interface FloodReport {
  readonly requests: number;
  readonly statuses: Readonly<Record<number, number>>;
  readonly writes: WriteCounts;
  /** Distinct `tenant` dimension values among the EMF metric lines printed. */
  readonly tenantDimensions: number;
  readonly elapsedMs: number;
}

/**
 * Sends `requests` events to one target as fast as it answers, advancing the clock by
 * `stepMs` between requests through `advance` (a fake clock in tests, nothing in the soak),
 * and counts what the flood cost: table writes, queue sends, object puts, secret reads and
 * the metric dimension values it created.
 */
export const flood = async (
  target: HostileTarget,
  requests: number,
  eventFor: (i: number) => APIGatewayProxyEventV2,
  options: { stepMs?: number; advance?: (ms: number) => void } = {},
): Promise<FloodReport> => {
  resetHistory();
  const statuses: Record<number, number> = {};
  const tenants = new Set<string>();
  const started = performance.now();
  await withOutput(
    (line) => {
      if (!line.includes('"_aws"')) return;
      const tenant = (JSON.parse(line) as { tenant?: unknown }).tenant;
      if (typeof tenant === 'string') tenants.add(tenant);
    },
    async () => {
      for (let i = 0; i < requests; i += 1) {
        const response = (await target.handler(eventFor(i))) as { statusCode: number };
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        options.advance?.(options.stepMs ?? 0);
      }
    },
  );
  return {
    requests,
    statuses,
    writes: writeCounts(),
    tenantDimensions: tenants.size,
    elapsedMs: Math.round(performance.now() - started),
  };
};

/** The target's sample delivery with a body its signature does not cover (or, for Basic auth, wrong credentials). */
export const aBadlySignedRequest = (target: HostileTarget): WebhookRequest => {
  const signed = aSignedRequest(target, target.sample.body);
  const headers = target.signatureHeaders.includes('authorization')
    ? { ...signed.headers, authorization: `Basic ${Buffer.from('intruder:guess').toString('base64')}` }
    : signed.headers;
  return { ...signed, headers, body: Buffer.concat([signed.body, Buffer.from(' ')]) };
};

/** Any hostile request to a target: random bytes and headers, broken encodings, deep nesting, prototype keys, mangled signature headers. */
export const hostileEvents = (
  target: HostileTarget,
): fc.Arbitrary<{ kind: string; event: APIGatewayProxyEventV2 }> => {
  const value = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('', '\r\n', 'a\r\nx-injected: 1', '\u0000', '\uD800'),
  );
  const randomBytes = fc
    .record({
      body: fc.uint8Array({ maxLength: 4096 }),
      headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 24 }), value, { maxKeys: 8 }),
      own: fc.array(value, {
        minLength: target.signatureHeaders.length,
        maxLength: target.signatureHeaders.length,
      }),
      base64: fc.boolean(),
    })
    .map(({ body, headers, own, base64 }) => ({
      kind: 'random bytes',
      event: anEvent(
        aRequest(target, {
          body: Buffer.from(body),
          headers: {
            ...target.sample.headers,
            ...headers,
            ...Object.fromEntries(target.signatureHeaders.map((n, i) => [n, own[i] ?? ''])),
          },
        }),
        { base64 },
      ),
    }));
  const reencoded = fc
    .record({ encoding: fc.constantFrom<BufferEncoding>('utf16le', 'latin1', 'ucs2'), signed: fc.boolean() })
    .map(({ encoding, signed }) => {
      const body = Buffer.from(target.sample.body.toString('utf8'), encoding);
      return {
        kind: `re-encoded ${encoding}${signed ? ', signed' : ''}`,
        event: anEvent(signed ? aSignedRequest(target, body) : aRequest(target, { body }), { base64: true }),
      };
    });
  const nested = fc
    .record({
      depth: fc.integer({ min: 100, max: 20_000 }),
      kind: fc.constantFrom<'array' | 'object'>('array', 'object'),
      signed: fc.boolean(),
    })
    .map(({ depth, kind, signed }) => {
      const body = Buffer.from(deeplyNested(depth, kind));
      return {
        kind: `nested ${kind}${signed ? ', signed' : ''}`,
        depth,
        event: anEvent(signed ? aSignedRequest(target, body) : aRequest(target, { body })),
      };
    });
  const mangled = fc
    .record({
      name: fc.constantFrom(
        ...(target.signatureHeaders.length > 0 ? target.signatureHeaders : ['content-type']),
      ),
      junk: value,
    })
    .map(({ name, junk }) => {
      const valid = aSignedRequest(target, target.sample.body);
      return {
        kind: 'mangled signature header',
        event: anEvent({
          ...valid,
          headers: { ...valid.headers, [name]: `${valid.headers[name] ?? ''},${junk}` },
        }),
      };
    });
  return fc.oneof(randomBytes, reencoded, nested, mangled);
};
