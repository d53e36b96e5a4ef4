import type { Logger } from '@aws-lambda-powertools/logger';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { Route } from '#shared/routing/routes';
import type { ProcessingStore } from '#shared/store/processing-store';
import type { StatusChange } from '#shared/store/run-records';
import { entityIndexKey, type AuditEntry, type EventStatus } from '#shared/store/records';
import { downstreamKeyOf, type Deliveries } from '#shared/targets/index';
import { brief } from '#shared/consumer/errors';

/**
 * Statuses the consumer may move an event out of. PROCESSED and STALE are final here: a message
 * for such an event is a duplicate. DEAD_LETTERED and QUARANTINED are included because a re-open
 * sends the message before it marks the event QUEUED, so the consumer can see either first.
 */
export const CONSUMABLE: readonly EventStatus[] = [
  'RECEIVED',
  'QUEUED',
  'PROCESSING',
  'RETRYING',
  'DEAD_LETTERED',
  'QUARANTINED',
];

export interface RunDependencies {
  readonly processing: ProcessingStore;
  readonly deliveries: Deliveries;
  readonly logger: Logger;
  readonly now: () => Date;
}

export interface RunInput {
  /** Tells a fresh run from a stored Powertools result. */
  readonly runId: string;
  /** The event id, or the id and its forced run (claim-check.ts `runKeyOf`): what completions and downstream keys use. */
  readonly runKey: string;
  readonly event: IntegrationEvent;
  readonly route: Route | undefined;
  readonly attempt: number;
  readonly rawBody: () => Promise<Buffer>;
}

export type RunOutcome = 'processed' | 'unrouted' | 'stale';

/**
 * What Powertools stores as the result: small, because it is written to the event's state item.
 * `change` is the status the run ends with: the write that completes the run makes it
 * (run-records.ts), and it is not kept in the stored result.
 */
export interface RunResult {
  readonly runId: string;
  readonly outcome: RunOutcome;
  readonly at: string;
  readonly change?: StatusChange;
}

/**
 * The consumer's audit entry. It carries no correlation id: the consumer acts under the event's
 * own, which the state item holds once (the entry rides in a write billed per KB).
 */
export const consumerEntry = (at: Date, status: EventStatus, action: string, detail: string): AuditEntry => ({
  at: at.toISOString(),
  action,
  by: 'consumer',
  status,
  detail: brief(detail),
});

/**
 * Runs the event's route: stale check, then each target in order, skipping targets an earlier
 * attempt completed. The result names the final status (PROCESSED or STALE) and its audit entry;
 * the write completing the run makes that change. A target failure propagates: nothing is
 * recorded as done for it, and Powertools forgets the run.
 */
export const runRoute = async (deps: RunDependencies, input: RunInput): Promise<RunResult> => {
  const { event, route } = input;
  const finish = (status: EventStatus, outcome: RunOutcome, detail: string): RunResult => {
    const at = deps.now();
    return {
      runId: input.runId,
      outcome,
      at: at.toISOString(),
      change: { from: CONSUMABLE, to: status, entry: consumerEntry(at, status, outcome, detail) },
    };
  };

  if (!route) return finish('PROCESSED', 'unrouted', 'no route matches this event');

  if (route.onStale === 'skip' && event.entity.kind !== 'event') {
    const mark = await deps.processing.advanceHighWaterMark(
      entityIndexKey(event.tenant, event.provider, event.entity.kind, event.entity.id),
      event.occurredAt,
      event.id,
      deps.now(),
    );
    if (!mark.applied) {
      return finish(
        'STALE',
        'stale',
        `occurred ${event.occurredAt}, before ${mark.newest.occurredAt} of ${mark.newest.eventId} already applied to ${event.entity.kind} ${event.entity.id}`,
      );
    }
  }

  const last = route.targets.length - 1;
  // The last target needs no record of its own: the PROCESSED write right after it is that record.
  const done = last > 0 ? await deps.processing.completedTargets(input.runKey) : new Set<string>();
  let skipped = 0;
  for (const [index, target] of route.targets.entries()) {
    if (done.has(target.id)) {
      skipped += 1;
      continue;
    }
    await deps.deliveries.deliver(target, event, {
      idempotencyKey: downstreamKeyOf(input.runKey, target.id),
      correlationId: event.correlationId,
      logger: deps.logger,
      rawBody: input.rawBody,
    });
    if (index < last) await deps.processing.markTargetDone(input.runKey, target.id, deps.now());
  }
  const targets = route.targets.map((t) => t.id).join(', ');
  return finish(
    'PROCESSED',
    'processed',
    `route #${route.index} → ${targets}${skipped ? ` (${skipped} done before)` : ''}; attempt ${input.attempt}`,
  );
};
