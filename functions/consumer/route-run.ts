import type { Logger } from '@aws-lambda-powertools/logger';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { AuditLog } from '#shared/replay/audit-log';
import type { Route } from '#shared/routing/routes';
import type { ProcessingStore } from '#shared/store/processing-store';
import type { StatusChange } from '#shared/store/run-records';
import { entityIndexKey, type AuditEntry, type EventStatus } from '#shared/store/records';
import { downstreamKeyOf, type Deliveries } from '#shared/targets/index';
import { describePlan } from '#shared/targets/plan';
import { brief } from '#shared/consumer/errors';

/**
 * A dry run's timeline entry holds the rendered request, longer than other entries' details: dry
 * runs are for trying routes out, and their state items pay for it (docs/processing.md).
 */
const DRY_RUN_DETAIL_CHARS = 600;

/**
 * Statuses the consumer may move an event out of. PROCESSED, STALE and COMPENSATED are final
 * here: a message for such an event is a duplicate. DEAD_LETTERED, COMPENSATION_FAILED and
 * QUARANTINED are included because a replay or a re-open sends the message before it marks the
 * event QUEUED, so the consumer can see either first.
 */
export const CONSUMABLE: readonly EventStatus[] = [
  'RECEIVED',
  'QUEUED',
  'PROCESSING',
  'RETRYING',
  'DEAD_LETTERED',
  'COMPENSATION_FAILED',
  'QUARANTINED',
];

export interface RunDependencies {
  readonly processing: ProcessingStore;
  readonly deliveries: Deliveries;
  /** Appends to the event's timeline without a status change: where a dry run says what it would have done. */
  readonly audit: Pick<AuditLog, 'append'>;
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

export type RunOutcome = 'processed' | 'unrouted' | 'stale' | 'compensated' | 'dry-run';

/**
 * What Powertools stores as the result: small, because it is written to the event's state item
 * (decision 0060). `change` is the status the run ends with: the write that completes the run
 * makes it (run-records.ts), and it is not kept in the stored result; nor is its time, which the
 * entry of that change keeps on the timeline.
 */
export interface RunResult {
  readonly runId: string;
  readonly outcome: RunOutcome;
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
 * attempt completed; a dry-run target appends what it would have done to the timeline instead.
 * The result names the final status (PROCESSED, STALE, or COMPENSATED when a workflow target
 * undid its completed steps, which ends the route there) and its audit entry; the write
 * completing the run makes that change. A target failure propagates: nothing is recorded as done
 * for it, and Powertools forgets the run.
 */
export const runRoute = async (deps: RunDependencies, input: RunInput): Promise<RunResult> => {
  const { event, route } = input;
  const finish = (status: EventStatus, outcome: RunOutcome, detail: string): RunResult => {
    const at = deps.now();
    return {
      runId: input.runId,
      outcome,
      change: { from: CONSUMABLE, to: status, entry: consumerEntry(at, status, outcome, detail) },
    };
  };

  if (!route) return finish('PROCESSED', 'unrouted', 'no route matches this event');

  // A dry-run route changes nothing but the event's timeline, so it leaves the entity's mark alone.
  if (route.onStale === 'skip' && route.mode === 'live' && event.entity.kind !== 'event') {
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
  let dryRuns = 0;
  for (const [index, target] of route.targets.entries()) {
    if (done.has(target.id)) {
      skipped += 1;
      continue;
    }
    const ctx = {
      idempotencyKey: downstreamKeyOf(input.runKey, target.id),
      correlationId: event.correlationId,
      logger: deps.logger,
      rawBody: input.rawBody,
    };
    if (target.mode === 'dry-run') {
      const at = deps.now();
      const plan = await deps.deliveries.plan(target, event, ctx, at);
      await deps.audit.append(event.id, {
        at: at.toISOString(),
        action: 'dry-run',
        by: 'consumer',
        detail: brief(
          `route #${route.index} target ${target.id} ${describePlan(plan)}`,
          DRY_RUN_DETAIL_CHARS,
        ),
      });
      dryRuns += 1;
    } else {
      const outcome = await deps.deliveries.deliver(target, event, ctx);
      if (outcome.kind === 'compensated') {
        return finish(
          'COMPENSATED',
          'compensated',
          // The reason last: it is the part an entry's length limit may cut.
          `route #${route.index} → ${target.id}: undone: ${outcome.steps.join(', ') || 'nothing'}; attempt ${input.attempt}; after ${outcome.reason}`,
        );
      }
    }
    if (index < last) await deps.processing.markTargetDone(input.runKey, target.id, deps.now());
  }
  const targets = route.targets.map((t) => t.id).join(', ');
  const notes = [
    ...(skipped ? [`${skipped} done before`] : []),
    ...(dryRuns && route.mode === 'live' ? [`${dryRuns} dry run${dryRuns > 1 ? 's' : ''}`] : []),
  ];
  return finish(
    'PROCESSED',
    route.mode === 'dry-run' ? 'dry-run' : 'processed',
    // The first attempt is the usual one: only a later one is named (the entry is billed per KB).
    `route #${route.index}${route.mode === 'dry-run' ? ' (dry run)' : ''} → ${targets}${notes.length ? ` (${notes.join(', ')})` : ''}${input.attempt > 1 ? `; attempt ${input.attempt}` : ''}`,
  );
};
