import { InfrastructureError } from '#shared/errors';
import { deduplicationIdOf, type EventQueue } from '#shared/queue/event-queue';
import type { EventStore } from '#shared/store/event-store';
import { maskSignatureHeaders } from '#shared/store/masking';
import { readRawBody, type RawBodies } from '#shared/store/raw-bodies';
import {
  FINAL_STATUSES,
  groupIdOf,
  type AuditEntry,
  type EventState,
  type EventStatus,
} from '#shared/store/records';
import type { AuditLog } from '#shared/replay/audit-log';
import { renormalize, type Normalizer } from '#shared/replay/renormalize';
import type { ReplayRequest } from '#shared/replay/request';

export interface ReplayEventDependencies {
  readonly store: EventStore;
  readonly auditLog: AuditLog;
  readonly queue: EventQueue;
  readonly rawBodies: RawBodies;
  /** The current normalizer of every provider this stack serves, by provider id. */
  readonly normalizers: Readonly<Record<string, Normalizer>>;
  readonly now: () => Date;
}

/**
 * Why an event was not replayed. Fixed names: they are counted in the summary and in metrics.
 * - `already-queued`: the event is on the main queue again or being processed (an earlier
 *   replay or a provider's redelivery re-opened it);
 * - `already-processed`: it succeeded; only `force` replays it;
 * - `quarantined`: its body was never readable; only `renormalize` can recover it;
 * - `still-unreadable`: `renormalize` ran and the normalizer still cannot read it;
 * - `status-changed`: someone moved it between our read and our first write (nothing was sent);
 * - `held`: a pause holds it; `relayflow resume` releases it in its entity's order, which a replay
 *   of one event would break.
 */
export type SkipReason =
  'already-queued' | 'already-processed' | 'quarantined' | 'still-unreadable' | 'status-changed' | 'held';

export type EventOutcome =
  | { readonly kind: 'replayed' }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly detail: string }
  | { readonly kind: 'failed'; readonly error: string };

/** Statuses in which the event is already on its way through the pipeline. */
const IN_FLIGHT: ReadonlySet<EventStatus> = new Set(['RECEIVED', 'QUEUED', 'PROCESSING', 'RETRYING']);

export interface ReplayContext {
  readonly request: ReplayRequest;
  readonly executionId: string;
}

const detailOf = (ctx: ReplayContext, extra?: string) =>
  [`reason: ${ctx.request.reason.slice(0, 200)}`, `execution ${ctx.executionId}`, extra]
    .filter(Boolean)
    .join('; ');

/** A RECEIVED event untouched this long was left behind by a delivery or a replay that died. */
const STUCK_AFTER_MS = 15 * 60_000;

/**
 * Replays one stored event: re-sends its claim check to the main queue in its own message
 * group with a fresh deduplication id (decision 14), then marks it QUEUED with the send count
 * raised, audited (docs/decisions/0020-replay-send-before-delete.md). Send first, then the
 * conditional write (as ingest's re-open does): a crash in between leaves the event in its old
 * status with a message on the queue, and a second replay within five minutes re-sends the same
 * deduplication id, which SQS drops.
 */
export const replayEvent = async (
  deps: ReplayEventDependencies,
  ctx: ReplayContext,
  state: EventState,
): Promise<EventOutcome> => {
  const { request } = ctx;
  const skip = async (reason: SkipReason, why: string): Promise<EventOutcome> => {
    const detail = detailOf(ctx, why);
    await deps.auditLog.append(state.eventId, audit(deps, state, 'replay-skipped', `${reason}: ${detail}`));
    return { kind: 'skipped', reason, detail: why };
  };
  try {
    const stuck =
      state.status === 'RECEIVED' && deps.now().getTime() - Date.parse(state.statusAt) > STUCK_AFTER_MS;
    if (state.status === 'HELD')
      return await skip(
        'held',
        `the event is held by ${state.heldBy ?? 'a pause'}; relayflow resume releases it`,
      );
    if (IN_FLIGHT.has(state.status) && !stuck)
      return await skip('already-queued', `the event is ${state.status}`);
    if (state.status === 'PROCESSED' && !request.force)
      return await skip('already-processed', 'the event was processed; replay with force to run it again');
    if (state.status === 'QUARANTINED' && !request.renormalize) {
      return await skip(
        'quarantined',
        'the event was never readable; replay with renormalize once its normalizer is fixed',
      );
    }

    let groupId = state.groupId;
    let type = state.type;
    if (request.renormalize) {
      const payload = await deps.store.getPayload(state.eventId);
      if (!payload) return { kind: 'failed', error: 'the payload item is missing' };
      const normalizer = deps.normalizers[state.provider];
      if (!normalizer)
        return { kind: 'failed', error: `provider ${state.provider} is not enabled in this stack` };
      const result = renormalize(normalizer, state, payload.request, await readRawBody(deps, payload));
      if (result.kind === 'unreadable') return await skip('still-unreadable', result.reason);
      const { event } = result;
      await deps.store.replacePayload(
        {
          eventId: state.eventId,
          event,
          // Items stored before signatures were masked get them masked on the way through.
          request: { ...payload.request, headers: maskSignatureHeaders(payload.request.headers) },
          raw: payload.raw,
          rawBody: payload.rawBody,
          bodySha256: payload.bodySha256,
        },
        deps.now(),
      );
      groupId = groupIdOf(
        state.tenant,
        state.provider,
        event.entity.kind === 'event' ? undefined : event.entity,
        state.eventId,
      );
      type = event.type;
    }

    const send = state.sends + 1;
    let from = state.status;
    if (FINAL_STATUSES.has(state.status)) {
      // A finished event runs again only under a new run key (claim-check.ts). The run is recorded
      // here, before the send, because the consumer keys on the state's run, not the message's.
      const claimed = await deps.store.transition(
        state.eventId,
        [state.status],
        'RECEIVED',
        {
          ...audit(deps, state, 'replay-started', detailOf(ctx, `from ${state.status}, run ${send}`)),
          status: 'RECEIVED',
        },
        { run: send },
      );
      if (!claimed)
        return await skip('status-changed', `the event left ${state.status} while it was being replayed`);
      from = 'RECEIVED';
    }
    try {
      await deps.queue.send({
        claim: {
          v: 1,
          eventId: state.eventId,
          correlationId: state.correlationId,
          ...(FINAL_STATUSES.has(state.status) ? { run: send } : {}),
        },
        groupId,
        deduplicationId: deduplicationIdOf(state.eventId, send),
        attributes: { tenant: state.tenant, provider: state.provider, type },
      });
    } catch (error) {
      if (from !== state.status) {
        await deps.store.transition(state.eventId, [from], state.status, {
          ...audit(deps, state, 'replay-failed', detailOf(ctx, 'the re-send failed; status restored')),
          status: state.status,
        });
      }
      throw error;
    }
    const extra = [
      FINAL_STATUSES.has(state.status) ? `forced from ${state.status}` : '',
      request.renormalize ? 'renormalized' : '',
      `send #${send}`,
    ]
      .filter(Boolean)
      .join(', ');
    const entry = audit(deps, state, 'replayed', detailOf(ctx, extra));
    const moved = await deps.store.transition(
      state.eventId,
      [from],
      'QUEUED',
      { ...entry, status: 'QUEUED' },
      { sends: send, attempts: 0 },
    );
    // The consumer may take the message before this write; the event was replayed all the same.
    if (!moved)
      await deps.auditLog.append(state.eventId, {
        ...entry,
        detail: `${entry.detail ?? ''}; picked up before it was marked QUEUED`,
      });
    return { kind: 'replayed' };
  } catch (error) {
    const message =
      error instanceof InfrastructureError
        ? `${error.dependency}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    return { kind: 'failed', error: message };
  }
};

const audit = (
  deps: ReplayEventDependencies,
  state: EventState,
  action: string,
  detail: string,
): AuditEntry => ({
  at: deps.now().toISOString(),
  action,
  by: 'replay',
  detail,
  correlationId: state.correlationId,
});
