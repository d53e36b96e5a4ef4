import { ingestWebhook, type IngestDependencies, type IngestSettings } from '#shared/ingest/ingest';
import type { NormalizedItem, ProviderOptions, ResolvedProvider } from '#shared/providers/types';
import type { ApiContext, ProviderApi, SentRecord } from '#shared/reconciliation/contract';
import type { Checkpoint, CheckpointStore } from '#shared/reconciliation/checkpoints';
import { errorLine } from '#shared/reconciliation/error-lines';
import { LISTED_IN_REPORT, type MissingRecord } from '#shared/reconciliation/report';
import { withRetry, type RetryClock, type RetrySettings } from '#shared/reconciliation/retry';
import type { EventStore } from '#shared/store/event-store';
import { eventIdOf, idempotencyKeyOf, sha256Hex } from '#shared/store/records';

/** What the inbound pass needs: the provider's API and webhook code, the store, and the ingest. */
export interface InboundDependencies {
  readonly api: ProviderApi<unknown>;
  readonly apiContext: ApiContext<unknown>;
  readonly apiOptions: Readonly<Record<string, unknown>>;
  /** The webhook provider of the same id: its normalize finds each record's event id. */
  readonly webhook: ResolvedProvider<ProviderOptions>;
  readonly store: Pick<EventStore, 'getStates'>;
  readonly ingest: { readonly deps: IngestDependencies; readonly settings: IngestSettings };
  readonly checkpoints: Pick<CheckpointStore, 'save'>;
  readonly clock: RetryClock;
  readonly retry?: RetrySettings;
  readonly newCorrelationId: (at: Date) => string;
  readonly now: () => Date;
  /** Time left in the run: a new page starts only while more than `pageReserveMs` is left. */
  readonly timeLeftMs?: () => number;
  readonly pageReserveMs?: number;
}

export interface InboundRequest {
  readonly provider: string;
  readonly tenant: string;
  readonly runId: string;
  readonly dryRun: boolean;
  /** Where the window starts when no checkpoint says (first run, or `--since`). */
  readonly since: Date;
  /** Where it ends: now minus the settle margin. */
  readonly until: Date;
  readonly checkpoint: Checkpoint;
  /** `--since` given: check from there whatever the checkpoint says, and leave it as it is. */
  readonly ignoreCheckpoint: boolean;
}

export interface InboundResult {
  readonly window: { readonly since: string; readonly until: string };
  readonly complete: boolean;
  readonly pages: number;
  readonly checked: number;
  readonly missing: number;
  readonly recovered: number;
  readonly redelivered: number;
  readonly duplicates: number;
  readonly missingRecords: readonly MissingRecord[];
  readonly errors: readonly string[];
}

const DEFAULT_PAGE_RESERVE_MS = 20_000;

/** A record's event ids as the ingest would key them: the same normalize, the same idempotency key. */
const eventIdsOf = (tenant: string, provider: string, items: readonly NormalizedItem[], body: Buffer) => {
  const bodySha = sha256Hex(body);
  return items.map((item, index) => {
    const providerType = (item.kind === 'event' ? item.draft.providerType : item.providerType) ?? 'unknown';
    const externalId =
      (item.kind === 'event' ? item.draft.externalId : item.externalId) ?? `sha256:${bodySha}:${index}`;
    return eventIdOf(idempotencyKeyOf(tenant, provider, providerType, externalId));
  });
};

/** The result of a pass over the window that has read nothing yet: the pass adds to it. */
export const emptyInbound = (since: Date, until: Date) => ({
  window: { since: since.toISOString(), until: until.toISOString() },
  complete: false,
  pages: 0,
  checked: 0,
  missing: 0,
  recovered: 0,
  redelivered: 0,
  duplicates: 0,
  missingRecords: [] as MissingRecord[],
  errors: [] as string[],
});

/**
 * Pages what the provider sent in the window and recovers what the store does not hold, oldest
 * first within each page (ARCHITECTURE 20): through the provider's redelivery where it offers
 * one, else through the ingest with the same idempotency key as the webhook. After each page
 * the checkpoint records the next page's cursor; after the last, the window's end. A failed or
 * malformed page stops the pass with a report line and leaves the checkpoint where it was.
 */
export const reconcileInbound = async (
  deps: InboundDependencies,
  request: InboundRequest,
): Promise<InboundResult> => {
  const { provider, tenant, runId, dryRun } = request;
  const resume = request.ignoreCheckpoint ? undefined : request.checkpoint.open;
  const since = resume ? new Date(resume.since) : request.since;
  const until = resume ? new Date(resume.until) : request.until;
  const result = emptyInbound(since, until);
  const { window } = result;
  if (since >= until) return { ...result, complete: true };
  const clock: RetryClock = { ...deps.clock, timeLeftMs: deps.timeLeftMs };
  const reserve = deps.pageReserveMs ?? DEFAULT_PAGE_RESERVE_MS;
  const saves = !dryRun && !request.ignoreCheckpoint;
  let cursor = resume?.cursor;
  // A record can be listed twice in one run: GitHub lists a delivery and its redelivery under one
  // guid, Stripe's whole-second window edges overlap. Each is looked at once, so it is never
  // redelivered (or counted missing) twice.
  const seen = new Set<string>();

  for (;;) {
    if (result.pages > 0 && (deps.timeLeftMs?.() ?? Infinity) < reserve) return result;
    let page;
    try {
      ({ value: page } = await withRetry(
        () => deps.api.listSent({ since, until, cursor }, deps.apiOptions, deps.apiContext),
        clock,
        deps.retry,
      ));
    } catch (error) {
      result.errors.push(
        errorLine(provider, tenant, `listing what was sent`, error, deps.retry?.attempts ?? 4),
      );
      return result;
    }
    result.pages += 1;
    const fresh = page.records.filter((record) => !seen.has(record.id));
    for (const record of fresh) seen.add(record.id);
    const entries = fresh.map((record) => {
      const items = deps.webhook.provider.normalize(
        { ...recordRequest(record), sourceIp: '' },
        deps.webhook.options,
      );
      return { record, eventIds: eventIdsOf(tenant, provider, items, record.request.body) };
    });
    const known = await deps.store.getStates(entries.flatMap((entry) => entry.eventIds));
    const missing = entries
      .filter((entry) => entry.eventIds.some((id) => !known.has(id)))
      .sort((a, b) => a.record.at.localeCompare(b.record.at));
    result.checked += entries.length;
    result.missing += missing.length;
    for (const { record, eventIds } of missing) {
      const action = dryRun ? 'listed' : await recover(deps, request, record, result);
      if (result.missingRecords.length < LISTED_IN_REPORT)
        result.missingRecords.push({ id: record.id, at: record.at, eventId: eventIds[0] ?? '', action });
      if (action === 'failed') return result;
    }
    cursor = page.next;
    const checkpoint: Checkpoint = cursor
      ? { ...(request.checkpoint.at ? { at: request.checkpoint.at } : {}), open: { ...window, cursor } }
      : { at: window.until };
    if (saves && !(await deps.checkpoints.save(provider, tenant, runId, checkpoint))) {
      result.errors.push(
        `${provider}: the checkpoint's lease was taken by another run; this run stopped after page ${result.pages}`,
      );
      return result;
    }
    if (!cursor) return { ...result, complete: true };
  }
};

const recordRequest = (record: SentRecord) => ({
  method: 'POST',
  url: `relayflow:reconciliation/${record.id}`,
  path: '/reconciliation',
  rawQueryString: '',
  headers: record.request.headers,
  body: record.request.body,
});

/** Recovers one missing record; returns what became of it, with a report line when it failed. */
const recover = async (
  deps: InboundDependencies,
  request: InboundRequest,
  record: SentRecord,
  result: { recovered: number; redelivered: number; duplicates: number; errors: string[] },
): Promise<MissingRecord['action']> => {
  const { provider, tenant, runId } = request;
  if (deps.api.redeliver && record.redelivery) {
    const redeliver = deps.api.redeliver.bind(deps.api);
    try {
      await withRetry(() => redeliver(record, deps.apiOptions, deps.apiContext), deps.clock, deps.retry);
    } catch (error) {
      result.errors.push(
        errorLine(provider, tenant, `redelivering ${record.id}`, error, deps.retry?.attempts ?? 4),
      );
      return 'failed';
    }
    result.redelivered += 1;
    return 'redelivered';
  }
  const receivedAt = deps.now();
  const outcome = await ingestWebhook(
    deps.ingest.deps,
    deps.ingest.settings,
    deps.webhook.provider,
    deps.webhook.options,
    {
      tenant,
      request: { ...recordRequest(record), sourceIp: '' },
      correlationId: deps.newCorrelationId(receivedAt),
      receivedAt,
      recovered: { runId },
    },
  );
  if (outcome.kind !== 'ingested') {
    result.errors.push(
      `${provider}: the ingest did not take ${record.id} (${outcome.kind}); it stays missing`,
    );
    return 'failed';
  }
  if (outcome.status === 200) {
    result.duplicates += 1;
    return 'duplicate';
  }
  result.recovered += 1;
  return 'recovered';
};
