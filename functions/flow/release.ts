import { deduplicationIdOf, type EventQueue } from '#shared/queue/event-queue';
import type { EventStore } from '#shared/store/event-store';
import type { AuditEntry, EventState, EventStatus } from '#shared/store/records';
import type { PauseStore } from '#shared/flow/pause-store';
import type { HoldList, PauseEntry } from '#shared/flow/pauses';

/**
 * Statuses after which a released event no longer holds its entity back: it ran to an end, or
 * went where only an operator takes it further.
 */
const DONE: ReadonlySet<EventStatus> = new Set([
  'PROCESSED',
  'STALE',
  'COMPENSATED',
  'DEAD_LETTERED',
  'COMPENSATION_FAILED',
  'QUARANTINED',
]);

/**
 * A released event still QUEUED this long after its release was never sent (the release died
 * between marking it and sending it): it is sent again, under the same deduplication id.
 */
export const UNSENT_AFTER_MS = 2 * 60_000;

export interface ReleaseDependencies {
  readonly pauses: PauseStore;
  readonly store: Pick<EventStore, 'getStates' | 'transition'>;
  readonly queue: Pick<EventQueue, 'send'>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface ReleaseOptions {
  /** Events released per second, at most. */
  readonly ratePerSecond: number;
  /** Who resumed, for the pause's history. */
  readonly by: string;
  /** How long to wait between passes while released events are still running. */
  readonly pollMs?: number;
  /** Gives up (the pause stays resuming; run it again) after this long. */
  readonly timeoutMs?: number;
  readonly onProgress?: (progress: ReleaseProgress) => void;
}

export interface ReleaseProgress {
  /** Events sent back to the queue so far. */
  readonly released: number;
  /** Events still listed: held, or released and not yet done. */
  readonly listed: number;
  readonly ended: boolean;
}

/**
 * Releases what a resuming pause holds (decision 0053), entity by entity in the order held, at
 * most `ratePerSecond`: each event is marked QUEUED (released by the pause) and then sent to its
 * message group with a fresh deduplication id. An entity's list is emptied only as its events
 * finish, so that an event arriving meanwhile waits behind them; the pause ends once every list
 * is empty and no hold came in while the last pass looked. Safe to run again after a crash.
 */
export const releaseHeld = async (
  deps: ReleaseDependencies,
  pauseKey: string,
  options: ReleaseOptions,
): Promise<ReleaseProgress> => {
  const pollMs = options.pollMs ?? 1000;
  const started = deps.now().getTime();
  const interval = 1000 / options.ratePerSecond;
  let released = 0;
  let nextSendAt = started;
  for (;;) {
    const pause = await deps.pauses.get(pauseKey);
    if (!pause || pause.state !== 'resuming') return { released, listed: 0, ended: pause?.state === 'ended' };
    const lists = await deps.pauses.listsOf(pauseKey);
    const listed = lists.reduce((n, list) => n + list.events.length, 0);
    if (lists.length === 0) {
      const entry: PauseEntry = { at: deps.now().toISOString(), action: 'ended', by: options.by };
      if (await deps.pauses.end(pauseKey, pause.holds, entry, deps.now())) {
        const progress = { released, listed: 0, ended: true };
        options.onProgress?.(progress);
        return progress;
      }
      continue;
    }
    let moved = false;
    for (const list of lists) {
      const states = await deps.store.getStates(list.events);
      for (const eventId of list.events) {
        const state = states.get(eventId);
        if (!state) continue;
        const send = sendOf(state, pauseKey, deps.now());
        if (!send) continue;
        const wait = nextSendAt - deps.now().getTime();
        if (wait > 0) await deps.sleep(wait);
        nextSendAt = Math.max(deps.now().getTime(), nextSendAt) + interval;
        if (await release(deps, pauseKey, state, send)) {
          released += 1;
          moved = true;
        }
      }
      if (await dropDone(deps, list, states)) moved = true;
    }
    options.onProgress?.({ released, listed, ended: false });
    if (options.timeoutMs !== undefined && deps.now().getTime() - started > options.timeoutMs)
      return { released, listed, ended: false };
    if (!moved) await deps.sleep(pollMs);
  }
};

/**
 * What a listed event needs: `mark` (held: mark it released, then send), `resend` (released but
 * never sent), or nothing (running, or done).
 */
const sendOf = (state: EventState, pauseKey: string, now: Date): 'mark' | 'resend' | undefined => {
  if (state.status === 'HELD') return 'mark';
  const releasedHere = state.released?.includes(pauseKey) ?? false;
  if (
    releasedHere &&
    state.status === 'QUEUED' &&
    now.getTime() - Date.parse(state.statusAt) > UNSENT_AFTER_MS
  )
    return 'resend';
  return undefined;
};

/**
 * Marks first, then sends: the consumer must find the event released when the message arrives,
 * or it would hold it again. A crash between the two leaves it QUEUED and unsent, which a later
 * pass sends ({@link UNSENT_AFTER_MS}).
 */
const release = async (
  deps: ReleaseDependencies,
  pauseKey: string,
  state: EventState,
  how: 'mark' | 'resend',
): Promise<boolean> => {
  const send = how === 'mark' ? state.sends + 1 : state.sends;
  if (how === 'mark') {
    const entry: AuditEntry = {
      at: deps.now().toISOString(),
      action: 'released',
      by: 'operator',
      status: 'QUEUED',
      detail: `resumed: ${pauseKey}; send #${send}`,
      correlationId: state.correlationId,
    };
    const marked = await deps.store.transition(state.eventId, ['HELD'], 'QUEUED', entry, {
      sends: send,
      releasedBy: pauseKey,
    });
    if (!marked) return false;
  }
  await deps.queue.send({
    claim: { v: 1, eventId: state.eventId, correlationId: state.correlationId },
    groupId: state.groupId,
    deduplicationId: deduplicationIdOf(state.eventId, send),
    attributes: { tenant: state.tenant, provider: state.provider, type: state.type },
  });
  return true;
};

/** Takes the finished events off the front of an entity's list. True when it took any. */
const dropDone = async (
  deps: ReleaseDependencies,
  list: HoldList,
  states: ReadonlyMap<string, EventState>,
): Promise<boolean> => {
  const done: string[] = [];
  for (const eventId of list.events) {
    const state = states.get(eventId);
    // An event that is gone (expired) holds nothing back.
    if (state && !DONE.has(state.status)) break;
    done.push(eventId);
  }
  return done.length > 0 && (await deps.pauses.dropFront(list.pauseKey, list.groupId, done));
};
