import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { documentClient } from '#shared/clients/dynamodb';
import { s3Client } from '#shared/clients/s3';
import { secretsProvider } from '#shared/clients/secrets';
import { sqsClient } from '#shared/clients/sqs';
import { ConfigurationError, InfrastructureError } from '#shared/errors';
import { detectDrift, FingerprintStore } from '#shared/drift/detect';
import { readSecretRetirement, reportSecretUse } from '#shared/drift/old-secret';
import { logger, metrics, tracer } from '#shared/powertools/index';
import type { Provider, ProviderOptions } from '#shared/providers/types';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { readIngestEnvironment } from '#shared/ingest/config';
import { correlationIdFrom, jsonResponse, looksTranscoded, toWebhookRequest } from '#shared/ingest/http';
import { readJsonSecret } from '#shared/secrets/json-secret';
import { ingestWebhook, type IngestDependencies, type IngestResult, type IngestSettings } from '#shared/ingest/ingest';
import { RejectionCounter } from '#shared/ingest/rejections';

const SecretValueSchema = z.object({ signingSecrets: z.array(z.string().check(z.minLength(1))) });

const EntityOverrideSchema = z.object({
  entity: z.optional(z.object({ kind: z.string().check(z.minLength(1)), path: z.string().check(z.minLength(1)) })),
});

/** Rejection reasons as metric dimension values: few, fixed, and named for the dashboard. */
const REJECT_METRIC_REASON: Record<string, string> = {
  missing: 'signature',
  signature: 'signature',
  unauthorized: 'signature',
  replayed: 'stale',
  stale: 'stale',
  'unknown-tenant': 'unknown',
  method: 'unknown',
  'too-large': 'too-large',
  'tenant-mismatch': 'signature',
};

/** Items named one by one in the log line and the answer; larger batches are counted. */
const LISTED_ITEMS = 100;

interface OptionsParser<Options> {
  safeParse(input: unknown): { success: true; data: Options } | { success: false; error: unknown };
}

/**
 * Builds the Lambda handler of one provider's verifier. Runs at cold start: reads and checks
 * the environment once, creates the store, queue and secret readers once.
 */
export const createIngestHandler = <Options extends ProviderOptions>(
  provider: Provider<Options>,
  optionsSchema: OptionsParser<Options>,
) => {
  const env = readIngestEnvironment(process.env);
  const parsedOptions = optionsSchema.safeParse(env.PROVIDER_OPTIONS);
  const override = EntityOverrideSchema.safeParse(env.PROVIDER_OPTIONS);
  if (!parsedOptions.success || !override.success) {
    throw new ConfigurationError(`PROVIDER_OPTIONS do not fit provider ${provider.id}`);
  }
  const options = parsedOptions.data;
  const rawBodies = new RawBodies(s3Client, env.RAW_BUCKET);
  const store = new EventStore(documentClient, { tableName: env.EVENT_TABLE, retentionDays: env.RETENTION_DAYS }, rawBodies);
  const settings: IngestSettings = {
    tenants: new Set(['default', ...env.TENANTS]),
    maxBodyBytes: env.MAX_BODY_BYTES,
    inlineBodyMaxBytes: env.INLINE_BODY_MAX_BYTES,
    ingestLeaseSeconds: env.INGEST_LEASE_SECONDS,
    entityOverride: override.data.entity,
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
      const value = await readJsonSecret(secretsProvider, env.TENANT_SECRET_ARNS[tenant] ?? env.SECRET_ARN, SecretValueSchema, {
        maxAgeSeconds: env.SECRETS_MAX_AGE_SECONDS,
        expected: 'JSON of the form {"signingSecrets": ["…"]}',
      });
      return value.signingSecrets;
    },
    now: () => new Date(),
  };
  const rejections = new RejectionCounter(store, provider.id);

  return async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const started = Date.now();
    logger.addContext(context);
    // An unknown tenant is refused below; until then it must not become a metric dimension or a
    // counter key, or random paths would mint billed metrics and table items.
    const pathTenant = event.pathParameters?.tenant ?? 'default';
    const tenant = settings.tenants.has(pathTenant) ? pathTenant : 'unknown';
    const correlationId = correlationIdFrom(event.headers ?? {}, randomUUID);
    logger.appendKeys({ correlationId, provider: provider.id, tenant });
    metrics.addDimensions({ provider: provider.id, tenant });
    tracer.putAnnotation('provider', provider.id);
    tracer.putAnnotation('tenant', tenant);
    const headers = { 'x-correlation-id': correlationId };
    try {
      const request = toWebhookRequest(event, env.PUBLIC_BASE_URL);
      const result = await ingestWebhook({ ...deps, timeLeftMs: () => context.getRemainingTimeInMillis() }, settings, provider, options, {
        tenant: event.pathParameters?.tenant,
        request,
        correlationId,
      });
      tracer.putAnnotation('outcome', result.kind);
      if (result.kind === 'rejected' && result.reason === 'signature' && !event.isBase64Encoded && looksTranscoded(request.body)) {
        logger.warn('the body holds U+FFFD: bytes that were not UTF-8 were replaced before they reached the verifier', {
          contentType: request.headers['content-type'],
          hint: 'API Gateway passes text content types as strings; such a body can never verify (see docs/security.md)',
        });
      }
      return respond(result, headers, request.sourceIp, tenant);
    } catch (error) {
      if (error instanceof InfrastructureError) {
        logger.error('our own storage failed; the provider will retry', { dependency: error.dependency, error });
        metrics.addMetric('IngestFailed', MetricUnit.Count, 1);
        return jsonResponse(503, { message: 'Temporarily unavailable; please retry.' }, headers);
      }
      logger.error('unexpected ingest failure', { error });
      return jsonResponse(500, { message: 'Internal error.' }, headers);
    } finally {
      metrics.addMetric('IngestLatency', MetricUnit.Milliseconds, Date.now() - started);
      metrics.publishStoredMetrics();
      await rejections.flushIfDue(new Date());
      logger.resetKeys();
    }
  };

  function respond(result: IngestResult, headers: Record<string, string>, sourceIp: string, tenant: string) {
    switch (result.kind) {
      case 'rejected': {
        const reason = REJECT_METRIC_REASON[result.reason] ?? 'unknown';
        const single = metrics.singleMetric();
        single.addDimensions({ provider: provider.id, reason });
        single.addMetric('Rejected', MetricUnit.Count, 1);
        rejections.record(tenant, result.reason, `${sourceIp} ${result.reason}`, new Date());
        logger.warn('request rejected', { reason: result.reason, detail: result.message, sourceIp });
        return jsonResponse(result.status, { message: result.message }, headers);
      }
      case 'no-secrets':
        logger.error('no signing secret is configured; set it in Secrets Manager (see README)', { tenant: result.tenant });
        metrics.addMetric('SecretMissing', MetricUnit.Count, 1);
        return jsonResponse(503, { message: 'Temporarily unavailable; please retry.' }, headers);
      case 'ingested': {
        reportSecretUse({ metrics, logger }, { provider: provider.id, tenant, secretIndex: result.secretIndex, now: new Date(), retireAfter });
        const count = (outcome: string) => result.items.filter((i) => i.outcome === outcome).length;
        metrics.addMetric('Received', MetricUnit.Count, result.items.length);
        metrics.addMetric('Duplicate', MetricUnit.Count, count('duplicate'));
        metrics.addMetric('Quarantined', MetricUnit.Count, count('quarantined'));
        metrics.addMetric('Enqueued', MetricUnit.Count, count('accepted') + count('requeued') + count('reopened'));
        // A 10,000-element batch would make one line of 700 KB (CloudWatch cuts events at 256 KB):
        // beyond a few items, the line and the answer carry counts by outcome instead.
        const outcomes: Record<string, number> = {};
        for (const item of result.items) outcomes[item.outcome] = (outcomes[item.outcome] ?? 0) + 1;
        const listed = result.items.length <= LISTED_ITEMS;
        logger.info('webhook ingested', { outcomes, ...(listed ? { items: result.items } : {}), secretIndex: result.secretIndex });
        return jsonResponse(
          result.status,
          {
            correlationId: result.correlationId,
            outcomes,
            ...(listed ? { events: result.items.map((i) => ({ id: i.eventId, outcome: i.outcome })) } : {}),
          },
          { ...headers, 'x-correlation-id': result.correlationId },
        );
      }
    }
  }
};
