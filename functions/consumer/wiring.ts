import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import * as z from 'zod/mini';
import { documentClient } from '#shared/clients/dynamodb';
import { secretsProvider } from '#shared/clients/secrets';
import { sqsClient } from '#shared/clients/sqs';
import { ConfigurationError } from '#shared/errors';
import { logger, metrics, tracer } from '#shared/powertools/index';
import { resolveRoutes, Router } from '#shared/routing/routes';
import { IngestPublisher } from '#shared/producer/publisher';
import { EventQueue } from '#shared/queue/event-queue';
import { AuditLog } from '#shared/replay/audit-log';
import { readJsonSecret } from '#shared/secrets/json-secret';
import { EventStore } from '#shared/store/event-store';
import { ProcessingStore } from '#shared/store/processing-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { EventItemPersistenceLayer } from '#shared/store/run-records';
import { EventBridgeDelivery } from '#shared/targets/eventbridge';
import { HttpDelivery, signerFor, type Signer } from '#shared/targets/http';
import { Deliveries } from '#shared/targets/index';
import { Transforms } from '#shared/targets/transform';
import { WorkflowDelivery } from '#shared/targets/workflow';
import { createWorkflows, workflowNames } from '#shared/workflows/index';
import { readConsumerEnvironment } from '#shared/consumer/config';
import { createConsumer } from '#shared/consumer/create-consumer';
import { ConsumerQueue } from '#shared/consumer/queue';
import { NO_QUOTAS } from '#shared/flow/contract';
import { MessageDelivery, type MessageMetricSink } from '#shared/channels/delivery';
import { MessageStore } from '#shared/channels/message-store';
import { ReceiptMatcher } from '#shared/channels/receipts';
import { adapterSet } from '#shared/channels/registry';
import { templates } from '#shared/channels/templates/index';
import { baseUrlOf, credentialsReader, statusCallbackUrlOf } from '#shared/channels/wiring';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { writeWithMetrics } from '#shared/powertools/emf';
import { autoDisableObserver } from '#shared/flow/auto-disable';
import { PauseGate } from '#shared/flow/pause-gate';
import { PauseStore } from '#shared/flow/pause-store';
import { TargetHealth } from '#shared/flow/target-health';
import { TableTenantAdmission } from '#shared/flow/tenant-admission';
import { TableLimiter } from '#shared/flow/shared-limit';

/** The generated secret (docs/processing.md): the current one first, older ones while receivers rotate. */
const SigningSecretSchema = z.object({
  signingSecret: z.string().check(z.minLength(16)),
  additionalSigningSecrets: z.optional(z.array(z.string().check(z.minLength(16)))),
});

/** How long a channel provider gets to answer a send (within the consumer's deadline reserve). */
const MESSAGE_TIMEOUT_MS = 10_000;

/** Time kept in hand before starting a record, beyond the slowest HTTP target's timeout. */
const DEADLINE_MARGIN_MS = 2000;
const MIN_DEADLINE_RESERVE_MS = 5000;

/**
 * The consumer's composition root: builds the Lambda handler from the environment. Runs at cold
 * start: reads and checks the environment and the routes once, creates stores, targets and the
 * idempotency layer once.
 */
export const wireConsumer = () => {
  const env = readConsumerEnvironment(process.env);
  const { routes, problems } = resolveRoutes(env.ROUTES, workflowNames);
  if (problems.length > 0) {
    throw new ConfigurationError(
      `ROUTES are invalid:\n${problems.map((p) => `  route #${p.route}: ${p.message}`).join('\n')}`,
    );
  }

  let signer: { source: string; sign: Signer } | undefined;
  const currentSigner = async (): Promise<Signer> => {
    const secret = await readJsonSecret(secretsProvider, env.TARGET_SIGNING_SECRET_ARN, SigningSecretSchema, {
      maxAgeSeconds: env.SECRETS_MAX_AGE_SECONDS,
      expected: 'JSON of the form {"signingSecret": "…"}',
    });
    const source = JSON.stringify(secret);
    if (signer?.source !== source) {
      signer = {
        source,
        sign: signerFor([secret.signingSecret, ...(secret.additionalSigningSecrets ?? [])]),
      };
    }
    return signer.sign;
  };

  const slowestHttpMs = Math.max(
    0,
    ...routes.flatMap((r) =>
      r.targets.map((t) => (t.kind === 'http' ? t.timeoutMs : t.kind === 'message' ? MESSAGE_TIMEOUT_MS : 0)),
    ),
  );
  const storeSettings = { tableName: env.EVENT_TABLE, retentionDays: env.RETENTION_DAYS };
  // Loaded on the first body that went to S3, as in the verifiers: a static import next to this
  // dynamic one would keep esbuild's wrapped copy of the S3 client in the cold start.
  const rawBodies = new RawBodies(
    () => import('#shared/clients/s3').then((clients) => clients.s3Client),
    env.RAW_BUCKET,
  );
  const store = new EventStore(documentClient, storeSettings, rawBodies);
  const processing = new ProcessingStore(documentClient, storeSettings);
  const audit = new AuditLog(documentClient, env.EVENT_TABLE);
  const now = () => new Date();
  const pauses = new PauseStore(documentClient, storeSettings);
  // One limiter for targets and tenants: what it learns of a key saves the next call a write.
  const limiter = new TableLimiter(documentClient, { tableName: env.EVENT_TABLE });
  const gate = new PauseGate({ pauses, store, now });
  // A step's ctx.emit goes through the same ingest as the producer API, on the consumer's own
  // store and queue clients (decision 0049).
  const publisher = new IngestPublisher(
    { store, queue: new EventQueue(sqsClient, env.QUEUE_URL), rawBodies, now },
    {
      tenants: new Set(['default', ...env.TENANTS]),
      maxBodyBytes: env.MAX_BODY_BYTES,
      inlineBodyMaxBytes: env.INLINE_BODY_MAX_BYTES,
      ingestLeaseSeconds: env.INGEST_LEASE_SECONDS,
    },
  );
  const channels = env.CHANNELS ?? { webhookBaseUrl: '', adapters: {} };
  const adapters = adapterSet(Object.keys(channels.adapters));
  const messages = new MessageStore(documentClient, storeSettings);
  const messageMetric: MessageMetricSink = (name, message, value = 1) =>
    writeWithMetrics(logger, metrics, { level: 'debug', message: name, fields: {} }, [
      {
        name,
        unit: name === 'MessageDeliveryLatency' ? MetricUnit.Milliseconds : MetricUnit.Count,
        value,
        dimensions: { channel: message.channel, via: message.via, tenant: message.tenant },
      },
    ]);
  return createConsumer(
    {
      store,
      processing,
      audit,
      rawBodies,
      router: new Router(routes),
      deliveries: new Deliveries(
        {
          http: new HttpDelivery({
            signer: currentSigner,
            limiter,
          }),
          eventbridge: new EventBridgeDelivery(tracer.captureAWSv3Client(new EventBridgeClient({}))),
          workflow: new WorkflowDelivery(createWorkflows({ documentClient, eventTable: env.EVENT_TABLE }), {
            records: processing,
            audit,
            publisher,
            now,
          }),
          message: new MessageDelivery({
            store: messages,
            adapters,
            credentials: credentialsReader(
              channels,
              secretsProvider,
              (via) => adapters.get(via),
              env.SECRETS_MAX_AGE_SECONDS,
            ),
            baseUrl: baseUrlOf(channels, process.env),
            statusCallbackUrl: statusCallbackUrlOf(channels),
            templates,
            fetch: (...args) => fetch(...args),
            now,
            timeoutMs: MESSAGE_TIMEOUT_MS,
            metric: messageMetric,
          }),
        },
        new Transforms(),
        autoDisableObserver({ health: new TargetHealth(), pauses, gate, logger, metrics, now }),
      ),
      gate,
      receipts: new ReceiptMatcher({ store: messages, adapters, publisher, now, metric: messageMetric }),
      admission: env.TENANT_QUOTAS
        ? new TableTenantAdmission(documentClient, limiter, {
            tableName: env.EVENT_TABLE,
            quotas: env.TENANT_QUOTAS,
            onReleaseError: (tenant, error) =>
              logger.warn('could not give back a concurrency slot; it frees itself when its lease ends', {
                tenant,
                error,
              }),
          })
        : NO_QUOTAS,
      queue: new ConsumerQueue(sqsClient, { main: env.QUEUE_URL, deadLetter: env.DEAD_LETTER_QUEUE_URL }),
      idempotency: {
        persistenceStore: new EventItemPersistenceLayer(store, (eventId, change) =>
          logger.warn('event was moved by someone else before it could be marked', {
            eventId,
            status: change.to,
          }),
        ),
        config: new IdempotencyConfig({ expiresAfterSeconds: env.IDEMPOTENCY_TTL_HOURS * 3600 }),
      },
      logger,
      metrics,
      now,
      random: Math.random,
    },
    {
      maxAttempts: env.MAX_ATTEMPTS,
      maxReceiveCount: env.MAX_RECEIVE_COUNT,
      backoff: { baseSeconds: env.BACKOFF_BASE_SECONDS, maxSeconds: env.BACKOFF_MAX_SECONDS },
      deadlineReserveMs: Math.max(MIN_DEADLINE_RESERVE_MS, slowestHttpMs + DEADLINE_MARGIN_MS),
      maxCausationDepth: env.MAX_CAUSATION_DEPTH,
    },
  );
};
