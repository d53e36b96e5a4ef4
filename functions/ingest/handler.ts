import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { documentClient } from '#shared/clients/dynamodb';
import { secretsProvider } from '#shared/clients/secrets';
import { sqsClient } from '#shared/clients/sqs';
import { ConfigurationError, InfrastructureError } from '#shared/errors';
import { detectDrift, FingerprintStore } from '#shared/drift/detect';
import { readSecretRetirement, reportSecretUse } from '#shared/drift/old-secret';
import { logger, metrics, tracer } from '#shared/powertools/index';
import {
  formatIssue,
  resolveDefinition,
  type ProviderDefinition,
  type ProviderOptions,
} from '#shared/providers/types';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { readIngestEnvironment } from '#shared/ingest/config';
import { correlationIdFrom } from '#shared/contract/correlation-id';
import { answerOf, looksTranscoded, toWebhookRequest } from '#shared/ingest/http';
import { readJsonSecret } from '#shared/secrets/json-secret';
import {
  ingestWebhook,
  type IngestDependencies,
  type IngestOutcome,
  type IngestSettings,
} from '#shared/ingest/ingest';
import { RejectionCounter } from '#shared/ingest/rejections';
import { publishTelemetry, telemetryOf } from '#shared/ingest/telemetry';

const SecretValueSchema = z.object({ signingSecrets: z.array(z.string().check(z.minLength(1))) });

/**
 * Builds the Lambda handler of one provider's verifier from the provider's definition (each entry
 * file passes its own, so that its bundle holds one provider). Runs at cold start: reads and
 * checks the environment once, resolves the provider with its configured options, creates the
 * store, queue and secret readers once.
 */
export const createIngestHandler = <Options extends ProviderOptions>(
  definition: ProviderDefinition<Options>,
) => {
  const env = readIngestEnvironment(process.env);
  const resolved = resolveDefinition(definition, env.PROVIDER_ID, env.PROVIDER_OPTIONS);
  if (!resolved.success) {
    const problems = resolved.issues.map((issue) => formatIssue([], issue)).join('; ');
    throw new ConfigurationError(`PROVIDER_OPTIONS do not fit provider ${env.PROVIDER_ID}: ${problems}`);
  }
  const { provider, options, entityOverride } = resolved.data;
  // Only a body whose compressed size exceeds the inline limit goes to S3: the S3 SDK is loaded by
  // the first such body, not by every cold start.
  const rawBodies = new RawBodies(
    () => import('#shared/clients/s3').then((clients) => clients.s3Client),
    env.RAW_BUCKET,
  );
  const store = new EventStore(
    documentClient,
    { tableName: env.EVENT_TABLE, retentionDays: env.RETENTION_DAYS },
    rawBodies,
  );
  const settings: IngestSettings = {
    tenants: new Set(['default', ...env.TENANTS]),
    maxBodyBytes: env.MAX_BODY_BYTES,
    inlineBodyMaxBytes: env.INLINE_BODY_MAX_BYTES,
    ingestLeaseSeconds: env.INGEST_LEASE_SECONDS,
    entityOverride,
  };
  const fingerprints = new FingerprintStore(documentClient, env.EVENT_TABLE);
  const retireAfter = readSecretRetirement(process.env);
  const deps: IngestDependencies = {
    store,
    detectDrift: (providerId, type, data, eventId) =>
      detectDrift({ fingerprints, metrics, logger, now: () => new Date() }, providerId, type, data, eventId),
    rawBodies,
    queue: new EventQueue(sqsClient, env.QUEUE_URL),
    secretsFor: async (tenant) => {
      const value = await readJsonSecret(
        secretsProvider,
        env.TENANT_SECRET_ARNS[tenant] ?? env.SECRET_ARN,
        SecretValueSchema,
        {
          maxAgeSeconds: env.SECRETS_MAX_AGE_SECONDS,
          expected: 'JSON of the form {"signingSecrets": ["…"]}',
        },
      );
      return value.signingSecrets;
    },
    now: () => new Date(),
  };
  const rejections = new RejectionCounter(store, provider.id);

  return async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const started = Date.now();
    // Lambda's own segment takes no annotations: they go on a subsegment of ours.
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment('## ingest');
    if (subsegment) tracer.setSegment(subsegment);
    logger.addContext(context);
    // An unknown tenant is refused by the ingest; until then it must not become a metric
    // dimension or a counter key, or random paths would mint billed metrics and table items.
    const pathTenant = event.pathParameters?.tenant ?? 'default';
    const tenant = settings.tenants.has(pathTenant) ? pathTenant : 'unknown';
    // The instant of receipt is the events' `receivedAt` and is carried in the correlation id.
    const receivedAt = new Date();
    const correlationId = correlationIdFrom(event.headers ?? {}, receivedAt);
    logger.appendKeys({ correlationId, provider: provider.id, tenant });
    const request = toWebhookRequest(event, env.PUBLIC_BASE_URL);
    let outcome: IngestOutcome;
    try {
      outcome = await ingestWebhook(
        { ...deps, timeLeftMs: () => context.getRemainingTimeInMillis() },
        settings,
        provider,
        options,
        {
          tenant: event.pathParameters?.tenant,
          request,
          correlationId,
          receivedAt,
        },
      );
    } catch (error) {
      outcome =
        error instanceof InfrastructureError
          ? { kind: 'unavailable', dependency: error.dependency, error }
          : { kind: 'failed', error };
    }
    try {
      const answer = answerOf(outcome, correlationId);
      const telemetry = telemetryOf(outcome, {
        provider: provider.id,
        tenant,
        correlationId,
        status: answer.statusCode,
        sourceIp: request.sourceIp,
        transcoded: !event.isBase64Encoded && looksTranscoded(request.body),
        contentType: request.headers['content-type'],
        latencyMs: Date.now() - started,
      });
      for (const [key, value] of Object.entries(telemetry.annotations)) tracer.putAnnotation(key, value);
      publishTelemetry(telemetry, logger, metrics);
      if (outcome.kind === 'rejected')
        rejections.record(tenant, outcome.reason, request.sourceIp, new Date());
      if (outcome.kind === 'ingested' || outcome.kind === 'unfinished') {
        reportSecretUse(
          { metrics, logger },
          { provider: provider.id, tenant, secretIndex: outcome.secretIndex, now: new Date(), retireAfter },
        );
      }
      return answer;
    } finally {
      await rejections.flushIfDue(new Date());
      logger.resetKeys();
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
    }
  };
};
