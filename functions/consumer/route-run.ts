import type { Logger } from '@aws-lambda-powertools/logger';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { Route } from '#shared/routing/routes';
import type { EventStore } from '#shared/store/event-store';
import type { ProcessingStore } from '#shared/store/processing-store';
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
  readonly store: EventStore;
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

/** What Powertools stores as the result: small, because it is written to the idempotency table. */
export interface RunResult {
  readonly runId: string;
  readonly outcome: RunOutcome;
  readonly at: string;
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
 * attempt completed, then one write marking the event PROCESSED (or STALE) with its audit entry.
 * A target failure propagates: nothing is recorded as done for it, and Powertools forgets the run.
 */
export const runRoute = async (deps: RunDependencies, input: RunInput): Promise<RunResult> => {
  const { event, route } = input;
  const finish = async (status: EventStatus, outcome: RunOutcome, detail: string): Promise<RunResult> => {
    const at = deps.now();
    const moved = await deps.store.transition(
      event.id,
      CONSUMABLE,
      status,
      consumerEntry(at, status, outcome, detail),
    );
    if (!moved) deps.logger.warn('event was moved by someone else before it could be marked', { status });
    return { runId: input.runId, outcome, at: at.toISOString() };
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
