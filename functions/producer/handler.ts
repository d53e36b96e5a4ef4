import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { documentClient } from '#shared/clients/dynamodb';
import { sqsClient } from '#shared/clients/sqs';
import { correlationIdFrom, uuidV7 } from '#shared/contract/correlation-id';
import { InfrastructureError } from '#shared/errors';
import { writeWithMetrics } from '#shared/powertools/emf';
import { logger, metrics } from '#shared/powertools/index';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { ScheduleTickSchema, type DomainEventOrigin, type PublishedEvent } from './contract';
import { readProducerEnvironment } from './config';
import { BatchTooLargeError, RefusedEventError, UnknownInvocationError, UnknownTenantError } from './errors';
import { messageAnswer, publishAnswer, readProducerBody, statusOf } from './http';
import { IngestPublisher } from './publisher';
import {
  EventSourceInvocationSchema,
  publicationOfEventBridge,
  publicationOfTick,
  type Publication,
} from './sources';
import { publishTelemetry } from './telemetry';

const optionalStrings = z.optional(z.record(z.string(), z.optional(z.string())));

/** The parts of an HTTP API (payload 2.0) request the producer reads. */
const HttpInvocationSchema = z.looseObject({
  version: z.literal('2.0'),
  headers: optionalStrings,
  pathParameters: optionalStrings,
  body: z.optional(z.string()),
  isBase64Encoded: z.boolean(),
  requestContext: z.looseObject({
    http: z.looseObject({ method: z.string() }),
    /** Set by API Gateway on a route with AWS_IAM authorization: who signed the request. */
    authorizer: z.optional(
      z.looseObject({ iam: z.looseObject({ userArn: z.string().check(z.minLength(1)) }) }),
    ),
  }),
});
type HttpInvocation = z.infer<typeof HttpInvocationSchema>;

const RETRY_LATER = 'Temporarily unavailable; please retry.';

/** Lower-cased header names, as the correlation id reader expects them. */
const lowerCased = (headers: HttpInvocation['headers']): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));

/**
 * Builds the producer Lambda handler (functions/handlers/producer.ts). One function serves the
 * three ways domain events arrive: the producer API (`POST /events[/{tenant}]`, IAM-signed), the
 * rules of `eventSources`, and Scheduler ticks. Runs at cold start: checks the environment and
 * builds the store, queue and publisher once.
 */
export const createProducerHandler = () => {
  const env = readProducerEnvironment(process.env);
  // The S3 client is loaded by the first body too large for the table, not by every cold start.
  const rawBodies = new RawBodies(
    () => import('#shared/clients/s3').then((clients) => clients.s3Client),
    env.RAW_BUCKET,
  );
  const tenants = new Set(['default', ...env.TENANTS]);
  const publisher = new IngestPublisher(
    {
      store: new EventStore(
        documentClient,
        { tableName: env.EVENT_TABLE, retentionDays: env.RETENTION_DAYS },
        rawBodies,
      ),
      queue: new EventQueue(sqsClient, env.QUEUE_URL),
      rawBodies,
      now: () => new Date(),
    },
    {
      tenants,
      maxBodyBytes: env.MAX_BODY_BYTES,
      inlineBodyMaxBytes: env.INLINE_BODY_MAX_BYTES,
      ingestLeaseSeconds: env.INGEST_LEASE_SECONDS,
    },
  );

  const report = (
    origin: DomainEventOrigin,
    tenant: string,
    events: readonly PublishedEvent[],
    status?: number,
  ) => {
    const telemetry = publishTelemetry(origin, tenant, events, status);
    writeWithMetrics(logger, metrics, telemetry.line, telemetry.metrics);
  };

  /** The producer API: the caller was authenticated by IAM at the gateway; its principal is audited. */
  const serveHttp = async (request: HttpInvocation): Promise<APIGatewayProxyStructuredResultV2> => {
    const correlationId = correlationIdFrom(lowerCased(request.headers), new Date());
    const tenant = request.pathParameters?.tenant ?? 'default';
    logger.appendKeys({ correlationId, tenant: tenants.has(tenant) ? tenant : 'unknown' });
    if (request.requestContext.http.method.toUpperCase() !== 'POST')
      return messageAnswer(405, 'Only POST is accepted.', correlationId);
    const principal = request.requestContext.authorizer?.iam.userArn;
    if (principal === undefined) {
      // Only a route without AWS_IAM authorization gets here: refuse rather than publish unaudited.
      logger.error('a producer request arrived without an IAM principal; check the route authorization');
      return messageAnswer(403, 'Forbidden', correlationId);
    }
    if (!tenants.has(tenant)) return messageAnswer(404, 'Unknown tenant.', correlationId);
    const body = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
    if (body.length > env.MAX_BODY_BYTES)
      return messageAnswer(413, `Body exceeds ${env.MAX_BODY_BYTES} bytes.`, correlationId);
    const read = readProducerBody(body);
    if (!read.ok) return messageAnswer(400, read.message, correlationId);
    const origin: DomainEventOrigin = { kind: 'api', principal };
    try {
      const events = await publisher.publishItems(tenant, read.items, origin, correlationId);
      report(origin, tenant, events, statusOf(events));
      return publishAnswer(events, correlationId);
    } catch (error) {
      if (error instanceof BatchTooLargeError) return messageAnswer(413, error.message, correlationId);
      if (error instanceof InfrastructureError) {
        logger.error('our own storage failed; the producer will retry', {
          dependency: error.dependency,
          error,
        });
        return messageAnswer(503, RETRY_LATER, correlationId);
      }
      logger.error('unexpected producer failure', { error });
      return messageAnswer(500, 'Internal error.', correlationId);
    }
  };

  /**
   * An EventBridge event or a schedule tick. Invoked asynchronously: any failure (our storage, a
   * refused event) fails the invocation, so that Lambda retries it and then keeps it in the
   * producer's dead-letter queue.
   */
  const serveEvent = async (publication: Publication) => {
    const correlationId = uuidV7(new Date());
    logger.appendKeys({ correlationId, tenant: publication.tenant });
    let events: readonly PublishedEvent[];
    try {
      events = await publisher.publishItems(
        publication.tenant,
        publication.events,
        publication.origin,
        correlationId,
      );
    } catch (error) {
      logger.error('could not publish: Lambda retries, then the dead-letter queue keeps the input', {
        publishedBy: publication.origin,
        error,
      });
      if (error instanceof UnknownTenantError) throw new RefusedEventError(error.message);
      throw error;
    }
    report(publication.origin, publication.tenant, events);
    const refused = events.flatMap((e) => (e.outcome === 'rejected' ? [e.error ?? 'refused'] : []));
    if (refused.length > 0)
      throw new RefusedEventError(`The domain event was refused: ${refused.join('; ')}`);
    return { correlationId, events };
  };

  return async (event: unknown, context: Context) => {
    logger.addContext(context);
    try {
      const tick = ScheduleTickSchema.safeParse(event);
      if (tick.success) return await serveEvent(publicationOfTick(tick.data));
      const delivery = EventSourceInvocationSchema.safeParse(event);
      if (delivery.success) return await serveEvent(publicationOfEventBridge(delivery.data));
      const request = HttpInvocationSchema.safeParse(event);
      if (request.success) return await serveHttp(request.data);
      throw new UnknownInvocationError();
    } finally {
      logger.resetKeys();
    }
  };
};
