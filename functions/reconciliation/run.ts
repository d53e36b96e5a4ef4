import type { IngestDependencies, IngestSettings } from '#shared/ingest/ingest';
import type { EventQueries } from '#shared/operator/event-queries';
import type { DomainEventPublisher } from '#shared/producer/contract';
import type { ProviderOptions, ResolvedProvider } from '#shared/providers/types';
import type { CheckpointStore } from '#shared/reconciliation/checkpoints';
import type { ApiContext, ProviderApi } from '#shared/reconciliation/contract';
import { reconcileDrift, type DriftResult } from '#shared/reconciliation/drift';
import { emptyInbound, reconcileInbound, type InboundResult } from '#shared/reconciliation/inbound';
import {
  reconcileReceipts,
  type ReceiptDependencies,
  type ReceiptDeadlines,
  type ReceiptResult,
} from '#shared/reconciliation/missing-receipts';
import type { ReconciliationReport, ReportStore } from '#shared/reconciliation/report';
import type { RetrySettings } from '#shared/reconciliation/retry';
import type { EventStore } from '#shared/store/event-store';

/** What one run is asked to do: `relayflow reconcile run`, or a schedule's tick. */
export interface ReconcileRequest {
  readonly provider: string;
  readonly tenant: string;
  readonly dryRun: boolean;
  /** Check from here, whatever the checkpoint says (and leave the checkpoint as it is). */
  readonly since?: Date;
}

/** The provider's reconciliation configuration, as the construct hands it to the function. */
export interface ReconcileSettings {
  /** How far back a first run, receipts and drift look. */
  readonly lookbackMs: number;
  /** Days the provider keeps what it sent, when the account's plan differs. @default the API's retentionDays */
  readonly retentionDays?: number;
  /** Webhooks younger than this may still be on their way: the window ends this long before now. */
  readonly settleMs: number;
  readonly entities: readonly string[];
  readonly receiptDeadlines: ReceiptDeadlines;
  /** The provider API's options (`repository`, `hookId`, `domain`). */
  readonly apiOptions: Readonly<Record<string, unknown>>;
  /** How long a run holds the checkpoint's lease: longer than the function can run. */
  readonly leaseMs: number;
  readonly retry?: RetrySettings;
}

/** Metrics a run publishes (lib/constructs/observability.ts reads them). */
export type ReconciliationMetric =
  'ReconciliationMissing' | 'ReconciliationRecovered' | 'ReconciliationDrift' | 'ReceiptMissing';

export interface ReconcileDependencies {
  readonly api: ProviderApi<unknown>;
  /** Reads the API credentials: a failure is a report line, never a crash. */
  readonly apiContext: () => Promise<ApiContext<unknown>>;
  readonly webhook: ResolvedProvider<ProviderOptions>;
  readonly store: EventStore;
  readonly queries: EventQueries;
  readonly ingest: { readonly deps: IngestDependencies; readonly settings: IngestSettings };
  readonly checkpoints: Pick<CheckpointStore, 'acquire' | 'read' | 'save' | 'release'>;
  readonly reports: Pick<ReportStore, 'put'>;
  readonly publisher: DomainEventPublisher;
  /** The message side, where the stack has the provider's channel adapter. */
  readonly receipts?: Pick<ReceiptDependencies, 'messages' | 'matcher' | 'find' | 'receiptMissingMetric'>;
  /** A run's counts, published together: one EMF record per run, not one per metric. */
  readonly metrics: (
    values: Readonly<Record<ReconciliationMetric, number>>,
    provider: string,
    tenant: string,
  ) => void;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly timeLeftMs?: () => number;
  readonly newRunId: () => string;
  readonly newCorrelationId: (at: Date) => string;
}

const DAY_MS = 86_400_000;
/** Time kept for receipts, drift and the report once the inbound pass is done. */
const TAIL_RESERVE_MS = 20_000;

/**
 * One reconciliation run of a provider and tenant (docs/reconciliation.md): the inbound pass
 * (what the provider sent that we never received), missing receipts, entity drift, then the
 * report. A dry run lists what is missing and what drifted, and changes nothing: no ingest, no
 * receipt, no event, no checkpoint, no lease and no stored report.
 */
export const reconcile = async (
  deps: ReconcileDependencies,
  settings: ReconcileSettings,
  request: ReconcileRequest,
): Promise<ReconciliationReport> => {
  const { provider, tenant, dryRun } = request;
  const runId = deps.newRunId();
  const started = deps.now();
  const until = new Date(started.getTime() - settings.settleMs);
  const retentionDays = settings.retentionDays ?? deps.api.retentionDays;
  const oldest = new Date(started.getTime() - retentionDays * DAY_MS);
  const lookbackStart = new Date(Math.max(started.getTime() - settings.lookbackMs, oldest.getTime()));
  const errors: string[] = [];
  const clock = { sleep: deps.sleep, random: deps.random, timeLeftMs: deps.timeLeftMs };

  const finish = async (
    inbound: InboundResult,
    receipts?: ReceiptResult,
    drift?: DriftResult,
  ): Promise<ReconciliationReport> => {
    const report: ReconciliationReport = {
      runId,
      provider,
      tenant,
      dryRun,
      startedAt: started.toISOString(),
      finishedAt: deps.now().toISOString(),
      window: inbound.window,
      complete: inbound.complete,
      pages: inbound.pages,
      checked: inbound.checked,
      missing: inbound.missing,
      recovered: inbound.recovered,
      redelivered: inbound.redelivered,
      duplicates: inbound.duplicates,
      drifted: drift?.drifted ?? 0,
      receiptsResolved: receipts?.resolved ?? 0,
      receiptsMissing: receipts?.missing ?? 0,
      uncertainResolved: receipts?.uncertainResolved ?? 0,
      missingRecords: [...inbound.missingRecords],
      drifts: [...(drift?.drifts ?? [])],
      errors: [...errors, ...inbound.errors, ...(receipts?.errors ?? []), ...(drift?.errors ?? [])],
    };
    if (dryRun) return report;
    await deps.reports.put(report);
    deps.metrics(
      {
        ReconciliationMissing: report.missing,
        ReconciliationRecovered: report.recovered + report.redelivered,
        ReconciliationDrift: report.drifted,
        ReceiptMissing: report.receiptsMissing,
      },
      provider,
      tenant,
    );
    return report;
  };

  let apiContext: ApiContext<unknown>;
  try {
    apiContext = await deps.apiContext();
  } catch (error) {
    errors.push(
      `${provider}: the API credentials could not be read — ${error instanceof Error ? error.message : String(error)}; nothing was checked`,
    );
    return finish(emptyInbound(request.since ?? lookbackStart, until));
  }

  const checkpoint = dryRun
    ? await deps.checkpoints.read(provider, tenant)
    : await deps.checkpoints.acquire(
        provider,
        tenant,
        runId,
        started,
        new Date(started.getTime() + settings.leaseMs),
      );
  if (!checkpoint) {
    errors.push(
      `${provider}: another run of ${provider} (tenant ${tenant}) is in progress; this one did nothing`,
    );
    return finish(emptyInbound(request.since ?? lookbackStart, until));
  }
  try {
    const checkpointAt = checkpoint.at ? new Date(checkpoint.at) : undefined;
    let since = request.since ?? checkpointAt ?? lookbackStart;
    if (since < oldest) {
      errors.push(
        `${provider}: keeps what it sent for ${retentionDays} days; checked from ${oldest.toISOString()} instead of ${since.toISOString()}`,
      );
      since = oldest;
    }
    const inbound = await reconcileInbound(
      {
        api: deps.api,
        apiContext,
        apiOptions: settings.apiOptions,
        webhook: deps.webhook,
        store: deps.store,
        ingest: deps.ingest,
        checkpoints: deps.checkpoints,
        clock,
        retry: settings.retry,
        newCorrelationId: deps.newCorrelationId,
        now: deps.now,
        timeLeftMs: deps.timeLeftMs,
      },
      {
        provider,
        tenant,
        runId,
        dryRun,
        since,
        until,
        checkpoint,
        ignoreCheckpoint: request.since !== undefined,
      },
    );
    const timeFor = () => (deps.timeLeftMs?.() ?? Infinity) > TAIL_RESERVE_MS;
    const receipts =
      deps.receipts && timeFor()
        ? await reconcileReceipts(
            {
              ...deps.receipts,
              api: deps.api,
              apiContext,
              deadlines: settings.receiptDeadlines,
              clock,
              retry: settings.retry,
              now: deps.now,
            },
            { provider, tenant, runId, dryRun, since: lookbackStart },
          )
        : undefined;
    const drift =
      settings.entities.length > 0 && timeFor()
        ? await reconcileDrift(
            {
              queries: deps.queries,
              store: deps.store,
              api: deps.api,
              apiContext,
              publisher: deps.publisher,
              clock,
              retry: settings.retry,
              now: deps.now,
            },
            { provider, tenant, runId, dryRun, since: lookbackStart, kinds: settings.entities },
          )
        : undefined;
    return await finish(inbound, receipts, drift);
  } finally {
    if (!dryRun) await deps.checkpoints.release(provider, tenant, runId);
  }
};
