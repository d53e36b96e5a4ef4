import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { documentClient } from '#shared/clients/dynamodb';
import { secretsProvider } from '#shared/clients/secrets';
import { sqsClient } from '#shared/clients/sqs';
import type { Channel, Message } from '#shared/channels/contract';
import { MessageStore } from '#shared/channels/message-store';
import { ReceiptMatcher } from '#shared/channels/receipts';
import { ADAPTER_LOADERS, adapterSet } from '#shared/channels/registry';
import { uuidV7 } from '#shared/contract/correlation-id';
import { ConfigurationError } from '#shared/errors';
import { EventQueries } from '#shared/operator/event-queries';
import { writeWithMetrics } from '#shared/powertools/emf';
import { logger, metrics } from '#shared/powertools/index';
import { IngestPublisher } from '#shared/producer/publisher';
import { resolveProvider } from '#shared/providers/registry';
import { formatIssue, type ProviderOptions, type ResolvedProvider } from '#shared/providers/types';
import { EventQueue } from '#shared/queue/event-queue';
import { CheckpointStore } from '#shared/reconciliation/checkpoints';
import {
  readReconcileEnvironment,
  ReconcileInvocationSchema,
  type ReconciledProvider,
} from '#shared/reconciliation/config';
import type { ProviderApi } from '#shared/reconciliation/contract';
import { reconciliationSecretOutput } from '#shared/reconciliation/error-lines';
import { PROVIDER_API_LOADERS } from '#shared/reconciliation/providers/index';
import { ReportStore, type ReconciliationReport } from '#shared/reconciliation/report';
import { reconcile, type ReconcileDependencies } from '#shared/reconciliation/run';
import { providerApiUrlVariable } from '#shared/reconciliation/wiring';
import { readJsonSecret } from '#shared/secrets/json-secret';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';

/** A run asked for something this stack does not reconcile: answered as the invocation's error. */
export class ReconcileRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReconcileRequestError';
  }
}

/** Webhooks younger than this may still be on their way (docs/reconciliation.md, "Window"). */
const SETTLE_MS = 5 * 60_000;
/** Longer than the function's timeout, so that a dead run's lease ends before the next tick. */
const LEASE_MS = 6 * 60_000;

/**
 * Builds the reconcile Lambda's handler (functions/handlers/reconcile.ts). At cold start: checks
 * the environment (its checked variables, and `RELAYFLOW_PROVIDER_API_URL_<PROVIDER>`, which
 * points a provider's API elsewhere) and builds the store, queue, publisher and message store once; each provider's
 * API module and webhook normalizer are loaded on its first run.
 */
export const createReconcileHandler = (processEnv: NodeJS.ProcessEnv = process.env) => {
  const env = readReconcileEnvironment(processEnv);
  const rawBodies = new RawBodies(
    () => import('#shared/clients/s3').then((clients) => clients.s3Client),
    env.RAW_BUCKET,
  );
  const storeSettings = { tableName: env.EVENT_TABLE, retentionDays: env.RETENTION_DAYS };
  const store = new EventStore(documentClient, storeSettings, rawBodies);
  const queue = new EventQueue(sqsClient, env.QUEUE_URL);
  const tenants = new Set(['default', ...env.TENANTS]);
  const now = () => new Date();
  const ingestSettings = {
    tenants,
    maxBodyBytes: env.MAX_BODY_BYTES,
    inlineBodyMaxBytes: env.INLINE_BODY_MAX_BYTES,
    ingestLeaseSeconds: env.INGEST_LEASE_SECONDS,
  };
  const publisher = new IngestPublisher({ store, queue, rawBodies, now }, ingestSettings);
  const messages = new MessageStore(documentClient, storeSettings);
  const channelAdapters = adapterSet(Object.keys(ADAPTER_LOADERS));
  const messageMetric = (name: string, record: { channel: Channel; via: string; tenant: string }) =>
    writeWithMetrics(logger, metrics, { level: 'debug', message: name, fields: {} }, [
      {
        name,
        unit: MetricUnit.Count,
        value: 1,
        dimensions: { channel: record.channel, via: record.via, tenant: record.tenant },
      },
    ]);
  const matcher = new ReceiptMatcher({
    store: messages,
    adapters: channelAdapters,
    publisher,
    now,
    metric: (name, record, value = 1) =>
      writeWithMetrics(logger, metrics, { level: 'debug', message: name, fields: {} }, [
        {
          name,
          unit: name === 'MessageDeliveryLatency' ? MetricUnit.Milliseconds : MetricUnit.Count,
          value,
          dimensions: { channel: record.channel, via: record.via, tenant: record.tenant },
        },
      ]),
  });
  const webhooks = new Map<string, ResolvedProvider<ProviderOptions>>();
  const webhookOf = (id: string, config: ReconciledProvider) => {
    let resolved = webhooks.get(id);
    if (!resolved) {
      const result = resolveProvider({ id, kind: config.webhook.kind, options: config.webhook.options });
      if (!result.success)
        throw new ConfigurationError(
          `RECONCILIATION.providers.${id}.webhook: ${result.issues.map((i) => formatIssue([], i)).join('; ')}`,
        );
      resolved = result.data;
      webhooks.set(id, resolved);
    }
    return resolved;
  };

  return async (event: unknown, context: Context): Promise<ReconciliationReport> => {
    logger.addContext(context);
    const parsed = ReconcileInvocationSchema.safeParse(event);
    if (!parsed.success)
      throw new ReconcileRequestError(
        `not a reconciliation request: ${parsed.error.issues.map((i) => formatIssue([], i)).join('; ')}`,
      );
    const { provider, tenant = 'default', dryRun = false, since } = parsed.data;
    const config = Object.hasOwn(env.RECONCILIATION.providers, provider)
      ? env.RECONCILIATION.providers[provider]
      : undefined;
    const load = Object.hasOwn(PROVIDER_API_LOADERS, provider) ? PROVIDER_API_LOADERS[provider] : undefined;
    if (!config || !load)
      throw new ReconcileRequestError(
        `${provider} is not reconciled by this stack (reconciled: ${Object.keys(env.RECONCILIATION.providers).join(', ') || 'none'})`,
      );
    const secretArn = Object.hasOwn(config.secrets, tenant) ? config.secrets[tenant] : undefined;
    if (!secretArn)
      throw new ReconcileRequestError(
        `${provider} is not reconciled for tenant ${tenant} (tenants: ${Object.keys(config.secrets).join(', ')})`,
      );
    const api: ProviderApi<unknown> = await load();
    const baseUrl = processEnv[providerApiUrlVariable(provider)] ?? config.baseUrl ?? api.defaultBaseUrl;
    const apiContext = async () => ({
      credentials: await readJsonSecret(secretsProvider, secretArn, api.credentials, {
        maxAgeSeconds: env.SECRETS_MAX_AGE_SECONDS,
        expected: `${provider} API credentials (docs/reconciliation.md); set the ${reconciliationSecretOutput(provider, tenant)} secret`,
      }),
      fetch: (...args: Parameters<typeof fetch>) => fetch(...args),
      baseUrl,
    });
    const adapter = config.receipts ? await channelAdapters.get(provider) : undefined;
    const find = adapter?.find?.bind(adapter);
    const receipts: ReconcileDependencies['receipts'] = config.receipts
      ? {
          messages,
          matcher,
          receiptMissingMetric: (record) => messageMetric('MessageReceiptMissing', record),
          // The reconciliation secret of a messaging provider holds its channel's credentials.
          ...(find
            ? {
                find: async (record) => find(messageOf(record), await apiContext()),
              }
            : {}),
        }
      : undefined;

    const report = await reconcile(
      {
        api,
        apiContext,
        webhook: webhookOf(provider, config),
        store,
        queries: new EventQueries(documentClient, env.EVENT_TABLE),
        ingest: {
          deps: {
            store,
            rawBodies,
            queue,
            secretsFor: () => Promise.resolve([]),
            now,
            timeLeftMs: () => context.getRemainingTimeInMillis(),
          },
          settings: ingestSettings,
        },
        checkpoints: new CheckpointStore(documentClient, env.EVENT_TABLE),
        reports: new ReportStore(documentClient, storeSettings),
        publisher,
        ...(receipts ? { receipts } : {}),
        metrics: (values, p, t) =>
          writeWithMetrics(
            logger,
            metrics,
            { level: 'debug', message: 'reconciliation metrics', fields: {} },
            Object.entries(values).map(([name, value]) => ({
              name,
              unit: MetricUnit.Count,
              value,
              dimensions: { provider: p, tenant: t },
            })),
          ),
        now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        random: Math.random,
        timeLeftMs: () => context.getRemainingTimeInMillis(),
        newRunId: () => uuidV7(new Date()),
        newCorrelationId: (at) => uuidV7(at),
      },
      {
        lookbackMs: config.lookbackMs,
        ...(config.retentionDays === undefined ? {} : { retentionDays: config.retentionDays }),
        settleMs: SETTLE_MS,
        entities: config.entities,
        receiptDeadlines: env.RECONCILIATION.receiptDeadlinesMs,
        apiOptions: config.options,
        leaseMs: LEASE_MS,
      },
      { provider, tenant, dryRun, ...(since ? { since: new Date(since) } : {}) },
    );
    const { missingRecords: _m, drifts: _d, ...summary } = report;
    logger[report.errors.length > 0 ? 'warn' : 'info']('reconciliation run', summary);
    return report;
  };
};

/**
 * The message as an adapter's `find` reads it: by our id and recipient. Its content is not kept
 * (decision 0054) and no search reads it.
 */
const messageOf = (record: {
  messageId: string;
  tenant: string;
  channel: Channel;
  via: string;
  to: string;
  correlationId: string;
  causationEventId: string;
}): Message => ({
  v: 1,
  id: record.messageId,
  tenant: record.tenant,
  channel: record.channel,
  via: record.via,
  to: record.to,
  content: { body: '(not kept)' },
  correlationId: record.correlationId,
  causationEventId: record.causationEventId,
  metadata: {},
});
