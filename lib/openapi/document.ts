import { uuidV7 } from '../../functions/contract/correlation-id';
import { answerOf } from '../../functions/ingest/http';
import { LISTED_ITEMS, type IngestOutcome, type ItemOutcome } from '../../functions/ingest/ingest';
import { resolveProvider, type ResolvedEntry } from '../../functions/providers/registry';
import type { BodyShape } from '../../functions/providers/setup';
import type { RejectReason, WebhookRequest } from '../../functions/providers/types';
import { eventIdOf, idempotencyKeyOf } from '../../functions/store/records';
import type { RelayFlowConfig } from '../config';
import type { Fixture } from './fixtures';

type Json = Record<string, unknown>;

/** One API RelayFlow serves, as a share of the document: its tags, paths and components. */
export interface ApiPart {
  readonly tags: readonly Json[];
  readonly paths: Readonly<Record<string, Json>>;
  readonly components: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** What every part's document starts from. */
export interface ApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
  readonly servers: readonly Json[];
}

/**
 * The OpenAPI 3.1 description of what a stack serves, one part per API: the webhook API
 * ({@link webhookApi}) and, once it exists, the producer API (`POST /events`) as a part of its
 * own. Components of the parts are merged by kind; two parts never define the same name.
 */
export const apiDocument = (info: ApiInfo, parts: readonly ApiPart[]): Json => {
  const components: Record<string, Record<string, unknown>> = {};
  for (const part of parts)
    for (const [kind, entries] of Object.entries(part.components))
      components[kind] = { ...components[kind], ...entries };
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    servers: info.servers,
    tags: parts.flatMap((part) => part.tags),
    paths: Object.assign({}, ...parts.map((part) => part.paths)) as Json,
    components,
  };
};

/**
 * Where the stack is served: the configured public base URL, else the HTTP API's own URL, whose
 * id CloudFormation assigns at deploy (the ApiUrl output prints it).
 */
export const serversOf = (
  config: Pick<RelayFlowConfig, 'publicBaseUrl'>,
  region: string | undefined,
): Json[] =>
  config.publicBaseUrl
    ? [{ url: config.publicBaseUrl.replace(/\/+$/, ''), description: 'publicBaseUrl of the configuration' }]
    : [
        {
          url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
          description: 'the HTTP API of the stack (the ApiUrl stack output)',
          variables: {
            apiId: { default: 'abcde12345', description: 'the API id in the ApiUrl stack output' },
            region: { default: region ?? 'us-east-1' },
          },
        },
      ];

/** Examples are computed, so they are fixed here: the document must not change between syntheses. */
const EXAMPLE_RECEIVED_AT = new Date('2025-06-01T12:00:00.000Z');
const EXAMPLE_CORRELATION_ID = uuidV7(EXAMPLE_RECEIVED_AT, (size) => Buffer.alloc(size, 0x5a));
const EXAMPLE_SOURCE_IP = '203.0.113.10';

const ITEM_OUTCOMES: Readonly<Record<ItemOutcome, string>> = {
  accepted: 'new: stored and queued',
  quarantined: 'signed correctly but unreadable by the normalizer: stored QUARANTINED for an operator',
  duplicate: 'already known: nothing is queued twice',
  requeued: 'known but not yet queued: sent to the queue again under its deduplication id',
  reopened: 'a redelivery of a dead-lettered event, which is processed again',
  'in-progress': 'being stored by another delivery of it (within the 30 s ingest lease): retry',
  deferred: 'not reached before the answer was due (a large batch): retry',
};

/** Why a verifier answers 401 (each reason's detail is the answer's message). */
const REJECTIONS: Readonly<Record<RejectReason, string>> = {
  missing: 'the signature (or its timestamp) is missing',
  signature: 'the signature matches no active secret, or is malformed',
  stale: "the signed timestamp is outside the provider's tolerance",
  replayed: 'a one-time token (Mailgun) was seen before',
  unauthorized: 'the basic credentials or the source address are not accepted (Postmark)',
  'tenant-mismatch': 'a Stripe Connect event whose signed account is not the one bound to the tenant',
};

const CORRELATION_HEADER = {
  description:
    "Our id of this delivery, in the stored event, the queue message and every log line: a UUIDv7, or the caller's X-Correlation-Id followed by . and 20 hex digits",
  schema: { type: 'string' },
  example: EXAMPLE_CORRELATION_ID,
};

const SCHEMAS = {
  Message: {
    type: 'object',
    required: ['message'],
    properties: { message: { type: 'string' } },
    additionalProperties: false,
  },
  ItemOutcome: {
    type: 'string',
    enum: Object.keys(ITEM_OUTCOMES),
    description: Object.entries(ITEM_OUTCOMES)
      .map(([outcome, meaning]) => `${outcome}: ${meaning}`)
      .join('. '),
  },
  DeliveryAnswer: {
    type: 'object',
    required: ['correlationId', 'outcomes'],
    additionalProperties: false,
    properties: {
      correlationId: {
        type: 'string',
        description:
          "This delivery's correlation id; for a single duplicate event, the one of the delivery that stored it",
      },
      outcomes: {
        type: 'object',
        description: 'How many events of the body had each outcome',
        propertyNames: { $ref: '#/components/schemas/ItemOutcome' },
        additionalProperties: { type: 'integer', minimum: 1 },
      },
      events: {
        type: 'array',
        maxItems: LISTED_ITEMS,
        description: `Each event of the body with its outcome, when there are at most ${LISTED_ITEMS}`,
        items: {
          type: 'object',
          required: ['id', 'outcome'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: '^ev_[0-9a-f]{32}$', description: 'our event id' },
            outcome: { $ref: '#/components/schemas/ItemOutcome' },
          },
        },
      },
    },
  },
};

const json = (value: unknown) => ({ 'application/json': value });

/** The body of the answer the verifier gives to `outcome`, as `functions/ingest/http.ts` writes it. */
const answerBody = (outcome: IngestOutcome): unknown =>
  JSON.parse(answerOf(outcome, EXAMPLE_CORRELATION_ID).body ?? 'null') as unknown;

const answerExamples = (outcomes: Record<string, IngestOutcome>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(outcomes).map(([name, outcome]) => [name, answerBody(outcome)]));

/** What API Gateway itself answers, before (or instead of) a verifier. */
const gatewayMessage = (message: string) => ({ message });

const messageResponse = (description: string, examples: Record<string, unknown>, correlated: boolean) => ({
  description,
  ...(correlated ? { headers: { 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' } } } : {}),
  content: json({
    schema: { $ref: '#/components/schemas/Message' },
    ...(Object.keys(examples).length > 0
      ? { examples: Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }])) }
      : {}),
  }),
});

const unfinished: IngestOutcome = {
  kind: 'unfinished',
  correlationId: EXAMPLE_CORRELATION_ID,
  secretIndex: 0,
  items: [
    { eventId: eventIdOf('example-1'), outcome: 'accepted' },
    { eventId: eventIdOf('example-2'), outcome: 'in-progress' },
  ],
};

/** Answers every provider's routes share; the API Gateway's own have no X-Correlation-Id. */
const sharedResponses = (maxBodyBytes: number) => ({
  UnknownTenant: messageResponse(
    'The tenant in the path is not configured.',
    answerExamples({
      verifier: { kind: 'rejected', status: 404, reason: 'unknown-tenant', message: 'Unknown tenant.' },
    }),
    true,
  ),
  TooLarge: messageResponse(
    `The body exceeds maxBodyBytes (${maxBodyBytes}), answered by the verifier; or exceeds 10 MB, answered by API Gateway without X-Correlation-Id.`,
    {
      ...answerExamples({
        verifier: {
          kind: 'rejected',
          status: 413,
          reason: 'too-large',
          message: `Body exceeds ${maxBodyBytes} bytes.`,
        },
      }),
      apiGateway: gatewayMessage('Request Entity Too Large'),
    },
    false,
  ),
  Throttled: messageResponse(
    "The route's throttle (providers.<id>.limits, else api.routeThrottling*) refused the request; answered by API Gateway. The provider retries.",
    { apiGateway: gatewayMessage('Too Many Requests') },
    false,
  ),
  Failed: messageResponse(
    'An unexpected failure of the verifier; or the verifier crashed or timed out, answered by API Gateway without X-Correlation-Id. The provider retries.',
    {
      ...answerExamples({ verifier: { kind: 'failed', error: new Error('example') } }),
      apiGateway: gatewayMessage('Internal Server Error'),
    },
    false,
  ),
  RetryLater: {
    description:
      'Our own storage, queue or secrets failed, or no signing secret is configured yet (a Message); or a delivery is unfinished: an event of it is still being stored by another delivery, or a large batch ran out of time (a DeliveryAnswer; what was stored stays). In every case the provider retries.',
    headers: { 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' } },
    content: json({
      schema: {
        oneOf: [{ $ref: '#/components/schemas/Message' }, { $ref: '#/components/schemas/DeliveryAnswer' }],
      },
      examples: {
        unavailable: { value: answerBody({ kind: 'no-secrets', tenant: 'default' }) },
        unfinished: { value: answerBody(unfinished) },
      },
    }),
  },
});

const contentTypeOf = (fixture: Fixture) => fixture.headers['content-type']?.split(';')[0]?.trim();

const requestOf = (fixture: Fixture, path: string): WebhookRequest => ({
  method: 'POST',
  url: `https://hooks.example.com${path}`,
  path,
  rawQueryString: '',
  headers: fixture.headers,
  body: Buffer.from(typeof fixture.body === 'string' ? fixture.body : JSON.stringify(fixture.body)),
  sourceIp: EXAMPLE_SOURCE_IP,
});

const SHAPES: Readonly<Record<BodyShape, Json>> = {
  object: { type: 'object' },
  array: { type: 'array', items: { type: 'object' } },
  form: { type: 'object', additionalProperties: { type: 'string' } },
};

interface ProviderRoute {
  readonly entry: ResolvedEntry;
  readonly limits: { readonly rateLimit: number; readonly burstLimit: number };
  readonly fixtures: readonly Fixture[];
}

/** A fixture's name among the document's examples: both routes of a provider refer to it. */
const exampleKey = (entry: ResolvedEntry, fixture: Fixture) => `${entry.id}.${fixture.name}`;

const fixtureExamples = (routes: readonly ProviderRoute[]) =>
  Object.fromEntries(
    routes.flatMap(({ entry, fixtures }) =>
      fixtures.map((f) => [
        exampleKey(entry, f),
        { ...(f.description ? { summary: f.description } : {}), value: f.body },
      ]),
    ),
  );

/** The provider's documented bodies, by media type; a fixture without a content type is the first one's. */
const requestBodyOf = (entry: ResolvedEntry, fixtures: readonly Fixture[]) => {
  const mediaTypes = Object.keys(entry.setup.request.bodies);
  return {
    required: true,
    content: Object.fromEntries(
      Object.entries(entry.setup.request.bodies).map(([mediaType, shape]) => {
        const examples = fixtures.filter((f) => (contentTypeOf(f) ?? mediaTypes[0]) === mediaType);
        return [
          mediaType,
          {
            schema: SHAPES[shape],
            ...(examples.length > 0
              ? {
                  examples: Object.fromEntries(
                    examples.map((f) => [f.name, { $ref: `#/components/examples/${exampleKey(entry, f)}` }]),
                  ),
                }
              : {}),
          },
        ];
      }),
    ),
  };
};

/**
 * What the verifier answers the provider's first fixture: its events, accepted the first time and
 * duplicates after, with the event ids the ingest gives them.
 */
const deliveryExamples = (
  entry: ResolvedEntry,
  fixture: Fixture | undefined,
  path: string,
  tenant: string,
) => {
  const drafts = fixture
    ? entry.provider
        .normalize(requestOf(fixture, path), entry.options)
        .flatMap((item) => (item.kind === 'event' ? [item.draft] : []))
    : [];
  const ids =
    drafts.length > 0
      ? drafts.map((d) => eventIdOf(idempotencyKeyOf(tenant, entry.id, d.providerType, d.externalId)))
      : [eventIdOf('example')];
  const answer = (outcome: ItemOutcome, status: 200 | 202) =>
    answerBody({
      kind: 'ingested',
      status,
      correlationId: EXAMPLE_CORRELATION_ID,
      secretIndex: 0,
      items: ids.map((eventId) => ({ eventId, outcome })),
    });
  return { accepted: answer('accepted', 202), duplicate: answer('duplicate', 200) };
};

/** The verifier's detail for the fixture sent unsigned: the usual first 401 of a misconfigured sender. */
const unsignedExample = (entry: ResolvedEntry, fixture: Fixture | undefined, path: string) => {
  if (!fixture) return undefined;
  const verdict = entry.provider.verify({
    request: requestOf(fixture, path),
    secrets: ['not-the-secret'],
    now: EXAMPLE_RECEIVED_AT,
    options: entry.options,
  });
  return verdict instanceof Promise || verdict.ok
    ? undefined
    : answerBody({ kind: 'rejected', status: 401, reason: verdict.reason, message: verdict.detail });
};

const deliveryResponse = (description: string, example: unknown) => ({
  description,
  headers: { 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' } },
  content: json({ schema: { $ref: '#/components/schemas/DeliveryAnswer' }, example }),
});

const camel = (id: string) =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part, index) => (index === 0 ? part : part[0]?.toUpperCase() + part.slice(1)))
    .join('');

const operationOf = ({ entry, limits, fixtures }: ProviderRoute, tenant: string | undefined) => {
  const { setup } = entry;
  const withTenant = tenant !== undefined;
  const path = `/webhooks/${entry.id}${withTenant ? `/${tenant}` : ''}`;
  const [first] = fixtures;
  const delivered = deliveryExamples(entry, first, path, tenant ?? 'default');
  const unsigned = unsignedExample(entry, first, path);
  return {
    operationId: `${camel(entry.id)}${withTenant ? 'Tenant' : ''}Webhook`,
    tags: [entry.id],
    summary: withTenant ? `A ${entry.id} delivery for a tenant` : `A ${entry.id} delivery`,
    description: [
      setup.verification,
      setup.events.length > 0
        ? `Events to subscribe to: ${setup.events.join(', ')}; ${setup.otherEvents}.`
        : `Events: ${setup.otherEvents}.`,
      `This route is throttled at ${limits.rateLimit} requests/s (burst ${limits.burstLimit}).`,
      withTenant
        ? "The tenant's own secret verifies it, or the provider's when the tenant has dedicatedSecrets: false."
        : 'Deliveries here belong to the default tenant.',
    ].join('\n\n'),
    parameters: [
      ...setup.request.headers.map((header) => ({
        name: header.name,
        in: 'header',
        required: header.required,
        description: header.description,
        schema: { type: 'string' },
      })),
      { $ref: '#/components/parameters/CorrelationId' },
    ],
    ...(setup.request.basicAuth ? { security: [{ basicAuth: [] }] } : {}),
    requestBody: requestBodyOf(entry, fixtures),
    responses: {
      '200': deliveryResponse(
        'Every event of the body was already known: nothing is queued twice.',
        delivered.duplicate,
      ),
      '202': deliveryResponse(
        'At least one event is new (stored and queued) or quarantined; the others were known.',
        delivered.accepted,
      ),
      '401': messageResponse(
        `The request is not authentic: ${Object.entries(REJECTIONS)
          .map(([reason, meaning]) => `${meaning} (${reason})`)
          .join('; ')}. The message says which.`,
        unsigned === undefined ? {} : { unsigned },
        true,
      ),
      ...(withTenant ? { '404': { $ref: '#/components/responses/UnknownTenant' } } : {}),
      '413': { $ref: '#/components/responses/TooLarge' },
      '429': { $ref: '#/components/responses/Throttled' },
      '500': { $ref: '#/components/responses/Failed' },
      '503': { $ref: '#/components/responses/RetryLater' },
    },
  };
};

/** What the webhook API is built from: the configuration and each provider's fixtures. */
export interface WebhookApiInput {
  readonly config: Pick<RelayFlowConfig, 'enabledProviders' | 'tenants' | 'maxBodyBytes'>;
  readonly fixtures: ReadonlyMap<string, readonly Fixture[]>;
}

/**
 * The webhook API: `POST /webhooks/<provider>` and `/webhooks/<provider>/{tenant}` for every
 * enabled provider (the routes lib/constructs/ingest-api.ts creates), with the headers each
 * provider sends (its `setup.ts`), its fixtures as examples, and the answers the ingest gives.
 */
export const webhookApi = ({ config, fixtures }: WebhookApiInput): ApiPart => {
  const routes: ProviderRoute[] = config.enabledProviders.map((declared) => {
    const resolved = resolveProvider(declared);
    if (!resolved.success) throw new Error(`provider ${declared.id} does not resolve`);
    return { entry: resolved.data, limits: declared.limits, fixtures: fixtures.get(declared.id) ?? [] };
  });
  const tenants = config.tenants.map((t) => t.id);
  const otherMethods = `Any other method is answered 405 ${JSON.stringify(
    answerBody({ kind: 'rejected', status: 405, reason: 'method', message: 'Only POST is accepted.' }),
  )} by the verifier.`;
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[`/webhooks/${route.entry.id}`] = { description: otherMethods, post: operationOf(route, undefined) };
    paths[`/webhooks/${route.entry.id}/{tenant}`] = {
      description: otherMethods,
      parameters: [{ $ref: '#/components/parameters/Tenant' }],
      // Examples are computed for a configured tenant when there is one.
      post: operationOf(route, tenants[0] ?? 'acme'),
    };
  }
  return {
    tags: routes.map(({ entry }) => ({
      name: entry.id,
      description: `${entry.setup.verification} Where to paste the URL: ${entry.setup.dashboard}. Content type: ${entry.setup.contentType}.`,
    })),
    paths,
    components: {
      schemas: SCHEMAS,
      examples: fixtureExamples(routes),
      headers: { CorrelationId: CORRELATION_HEADER },
      parameters: {
        Tenant: {
          name: 'tenant',
          in: 'path',
          required: true,
          description:
            tenants.length > 0
              ? 'A configured tenant (tenants in the configuration); the default tenant is served at the path without one. Any other answers 404.'
              : 'No tenant is configured: every tenant answers 404 (the default tenant is served at the path without one).',
          schema: { type: 'string', ...(tenants.length > 0 ? { enum: tenants } : {}) },
        },
        CorrelationId: {
          name: 'X-Correlation-Id',
          in: 'header',
          required: false,
          description:
            'Your id for this delivery, kept as the prefix of ours (8 to 128 of A-Za-z0-9._:-); anything else is ignored',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$' },
        },
      },
      responses: sharedResponses(config.maxBodyBytes),
      ...(routes.some(({ entry }) => entry.setup.request.basicAuth)
        ? {
            securitySchemes: {
              basicAuth: {
                type: 'http',
                scheme: 'basic',
                description: 'Postmark: the username:password configured on its webhook',
              },
            },
          }
        : {}),
    },
  };
};
