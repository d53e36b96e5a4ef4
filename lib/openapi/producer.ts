import { z } from 'zod';
import { uuidV7 } from '../../functions/contract/correlation-id';
import { DomainEventInputSchema, type PublishedEvent } from '../../functions/producer/contract';
import { publishAnswer } from '../../functions/producer/http';
import { MAX_EVENTS_PER_PUBLISH, readDomainEvent } from '../../functions/producer/publisher';
import { INTERNAL_PROVIDER_ID } from '../../functions/providers/internal/index';
import { eventIdOf, idempotencyKeyOf } from '../../functions/store/records';
import type { RelayFlowConfig } from '../config';
import type { ApiPart } from './document';
import type { Fixture } from './fixtures';

type Json = Record<string, unknown>;

/** Fixed, as every example of the document: it must not change between syntheses. */
const EXAMPLE_CORRELATION_ID = uuidV7(new Date('2025-06-01T12:00:00.000Z'), (size) =>
  Buffer.alloc(size, 0x5a),
);
/** The key the example's publish generates for its event without one. */
const EXAMPLE_GENERATED_KEY = '5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a';

const OUTCOMES: Readonly<Record<PublishedEvent['outcome'], string>> = {
  accepted: 'new: stored and queued',
  duplicate: 'already known (the same type and idempotency key): nothing is queued twice',
  requeued: 'known but not yet processed: sent to the queue again under its deduplication id',
  'in-progress': 'being stored by another publish of it: retry (the answer is 503)',
  deferred: 'not reached before the answer was due: retry (the answer is 503)',
  rejected: 'refused: `error` says why; the other events of the body are not affected',
};

/** The contract's zod schema as JSON Schema (draft 2020-12, OpenAPI 3.1's dialect). */
const domainEventSchema = (): Json => {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(DomainEventInputSchema, { io: 'input' });
  return {
    ...schema,
    description:
      'A domain event. The same idempotency key with the same type (and tenant) is one event; without a key one is generated and returned. An entity of kind "event" names none: the event is ordered by itself.',
  };
};

const SCHEMAS = {
  DomainEvent: domainEventSchema(),
  DomainEventBatch: {
    type: 'object',
    required: ['events'],
    additionalProperties: false,
    properties: {
      events: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_EVENTS_PER_PUBLISH,
        description: 'Each event is checked on its own: an invalid one is refused, the others go through.',
        items: { $ref: '#/components/schemas/DomainEvent' },
      },
    },
  },
  PublishOutcome: {
    type: 'string',
    enum: Object.keys(OUTCOMES),
    description: Object.entries(OUTCOMES)
      .map(([outcome, meaning]) => `${outcome}: ${meaning}`)
      .join('. '),
  },
  PublishAnswer: {
    type: 'object',
    required: ['correlationId', 'events'],
    additionalProperties: false,
    properties: {
      correlationId: { type: 'string', description: "This publish's correlation id" },
      events: {
        type: 'array',
        description: 'Every event of the body, in order',
        items: {
          type: 'object',
          required: ['index', 'idempotencyKey', 'outcome'],
          additionalProperties: false,
          properties: {
            index: { type: 'integer', minimum: 0, description: 'its position in the body' },
            idempotencyKey: { type: 'string', description: 'its key: the one given, or the one generated' },
            eventId: { type: 'string', pattern: '^ev_[0-9a-f]{32}$', description: 'our event id' },
            outcome: { $ref: '#/components/schemas/PublishOutcome' },
            error: { type: 'string', description: 'why it was refused' },
          },
        },
      },
    },
  },
};

/** What the producer answers a fixture's body the first time (`fresh`) and again (`again`). */
const answersFor = (fixture: Fixture, tenant: string) => {
  const body = fixture.body as { events?: unknown[] };
  const items = Array.isArray(body.events) ? body.events : [fixture.body];
  const answer = (outcome: 'accepted' | 'duplicate') =>
    JSON.parse(
      publishAnswer(
        items.map((item, index): PublishedEvent => {
          const read = readDomainEvent(item);
          if ('error' in read) return { index, idempotencyKey: '', outcome: 'rejected', error: read.error };
          const key = read.event.idempotencyKey ?? EXAMPLE_GENERATED_KEY;
          return {
            index,
            idempotencyKey: key,
            eventId: eventIdOf(idempotencyKeyOf(tenant, INTERNAL_PROVIDER_ID, read.event.type, key)),
            outcome,
          };
        }),
        EXAMPLE_CORRELATION_ID,
      ).body ?? 'null',
    ) as unknown;
  return { fresh: answer('accepted'), again: answer('duplicate') };
};

const json = (value: unknown) => ({ 'application/json': value });

const message = (description: string, examples: Record<string, string>) => ({
  description,
  headers: { 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' } },
  content: json({
    schema: { $ref: '#/components/schemas/Message' },
    examples: Object.fromEntries(
      Object.entries(examples).map(([name, text]) => [name, { value: { message: text } }]),
    ),
  }),
});

/** What API Gateway answers itself, without X-Correlation-Id. */
const gateway = (description: string, text: string) => ({
  description,
  content: json({ schema: { $ref: '#/components/schemas/Message' }, example: { message: text } }),
});

const answer = (description: string, example: unknown) => ({
  description,
  headers: { 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' } },
  content: json({ schema: { $ref: '#/components/schemas/PublishAnswer' }, example }),
});

const operationOf = (fixtures: readonly Fixture[], maxBodyBytes: number, tenant: string | undefined) => {
  const withTenant = tenant !== undefined;
  const batch = fixtures.find((f) => (f.body as { events?: unknown }).events !== undefined) ?? fixtures[0];
  const answers = batch ? answersFor(batch, tenant ?? 'default') : undefined;
  return {
    operationId: withTenant ? 'publishTenantEvents' : 'publishEvents',
    tags: ['domain-events'],
    summary: withTenant ? 'Publish domain events for a tenant' : 'Publish domain events',
    description: [
      'Publishes one domain event, or a batch of them, into the pipeline: each is stored, audited (with the IAM principal that signed the request), deduplicated by its type and idempotency key, and queued in order per entity, as a webhook event of provider "internal".',
      'Sign the request with AWS Signature Version 4 for the service execute-api (the caller needs execute-api:Invoke on this route). relayflow emit and publishEvents() (exported by the relayflow package) sign with your AWS credentials; publishEvents() retries with the same keys.',
      withTenant
        ? 'The events belong to the tenant in the path.'
        : 'The events belong to the default tenant.',
    ].join('\n\n'),
    security: [{ sigv4: [] }],
    parameters: [{ $ref: '#/components/parameters/CorrelationId' }],
    requestBody: {
      required: true,
      content: json({
        schema: {
          oneOf: [
            { $ref: '#/components/schemas/DomainEvent' },
            { $ref: '#/components/schemas/DomainEventBatch' },
          ],
        },
        examples: Object.fromEntries(
          fixtures.map((f) => [
            f.name,
            { ...(f.description ? { summary: f.description } : {}), value: f.body },
          ]),
        ),
      }),
    },
    responses: {
      '200': answer('Every valid event was already known: nothing is queued twice.', answers?.again),
      '202': answer(
        'At least one event is new: stored and queued. Refused events are listed with their error.',
        answers?.fresh,
      ),
      '400': {
        description:
          'The body is not events at all (a Message), or no event of it is valid (a PublishAnswer, each with its error).',
        headers: { 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' } },
        content: json({
          schema: {
            oneOf: [{ $ref: '#/components/schemas/Message' }, { $ref: '#/components/schemas/PublishAnswer' }],
          },
        }),
      },
      '403': gateway(
        'Answered by API Gateway: the request is not signed, or not signed with valid credentials for this API.',
        'Forbidden',
      ),
      ...(withTenant
        ? { '404': message('The tenant in the path is not configured.', { unknown: 'Unknown tenant.' }) }
        : {}),
      '413': message(
        `More than ${MAX_EVENTS_PER_PUBLISH} events, or a body above maxBodyBytes (${maxBodyBytes}).`,
        {
          bytes: `Body exceeds ${maxBodyBytes} bytes.`,
        },
      ),
      '429': gateway(
        'The stage throttle refused the request; retry with the same keys.',
        'Too Many Requests',
      ),
      '500': message('An unexpected failure; retry with the same keys.', { failed: 'Internal error.' }),
      '503': message(
        'Our own storage or queue failed, or an event is still being stored by another publish: retry with the same keys.',
        {
          unavailable: 'Temporarily unavailable; please retry.',
        },
      ),
    },
  };
};

/** What the producer API is built from: the configuration and the internal provider's fixtures. */
export interface ProducerApiInput {
  readonly config: Pick<RelayFlowConfig, 'maxBodyBytes' | 'tenants'>;
  readonly fixtures: readonly Fixture[];
}

/**
 * The producer API (lib/constructs/producer-api.ts): `POST /events` and `/events/{tenant}`, with
 * the contract's schema, the internal provider's fixtures as examples and the answers the
 * producer gives. It uses the webhook part's shared components (the Message schema, the
 * CorrelationId header and parameter, the Tenant parameter), which every document has.
 */
export const producerApi = ({ config, fixtures }: ProducerApiInput): ApiPart => {
  const otherMethods =
    'Any other method (signed) is answered 405 {"message":"Only POST is accepted."} by the producer.';
  return {
    tags: [
      {
        name: 'domain-events',
        description:
          'Domain events from your own applications, IAM-authorized (SigV4). docs/workflows.md, "Domain events", has the mapping of EventBridge sources and schedule ticks to the same events.',
      },
    ],
    paths: {
      '/events': { description: otherMethods, post: operationOf(fixtures, config.maxBodyBytes, undefined) },
      '/events/{tenant}': {
        description: otherMethods,
        parameters: [{ $ref: '#/components/parameters/Tenant' }],
        // Examples are computed for a configured tenant when there is one.
        post: operationOf(fixtures, config.maxBodyBytes, config.tenants[0]?.id ?? 'acme'),
      },
    },
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 for execute-api (IAM authorization of the route)',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
};
