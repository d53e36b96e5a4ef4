import type { Route } from '#shared/routing/routes';
import type { EventStore } from '#shared/store/event-store';
import type { AuditEntry, EventState, EventStatus } from '#shared/store/records';
import { CONSUMABLE } from '#shared/consumer/route-run';
import { PAUSES_CACHE_MS, type PauseStore } from '#shared/flow/pause-store';
import { decideGate, isActive, pauseKeyOf, type GateDecision, type Pause } from '#shared/flow/pauses';

/** Statuses a hold moves an event from: those the consumer runs, but an unreadable one. */
const HOLDABLE: readonly EventStatus[] = CONSUMABLE.filter((status) => status !== 'QUARANTINED');

export interface PauseGateDependencies {
  readonly pauses: PauseStore;
  readonly store: Pick<EventStore, 'transition' | 'getState'>;
  readonly now: () => Date;
}

/**
 * The consumer's side of pauses (decision 0053): whether an event may run, and holding it when
 * not. Holding answers the record as done (the message leaves the queue) without an attempt;
 * the resume sends the event again.
 */
export class PauseGate {
  private cached: { at: number; pauses: Pause[] } | undefined;

  /**
   * `cacheMs`: how long this container trusts its list of pauses. A stack with no pause pays one
   * Query per container per period, and nothing per event; pauses take effect after it
   * (PauseStoreSettings.takesEffectAfterMs).
   */
  constructor(
    private readonly deps: PauseGateDependencies,
    private readonly cacheMs = PAUSES_CACHE_MS,
  ) {}

  private async activePauses(fresh = false): Promise<Pause[]> {
    const now = this.deps.now().getTime();
    if (fresh || !this.cached || now - this.cached.at >= this.cacheMs)
      this.cached = { at: now, pauses: (await this.deps.pauses.list()).filter(isActive) };
    return this.cached.pauses;
  }

  /** Reads the pauses again at once: after a target was disabled in this container. */
  async refresh(): Promise<void> {
    await this.activePauses(true);
  }

  /** Whether the event may run; reads its entity's hold lists only while some pause is active. */
  async check(state: EventState, route: Pick<Route, 'id' | 'targets'> | undefined): Promise<GateDecision> {
    const pauses = await this.activePauses();
    if (pauses.length === 0) return { kind: 'pass' };
    const lists = await this.deps.pauses.listsFor(pauses.map(pauseKeyOf), state.groupId);
    return decideGate(
      pauses,
      lists,
      { id: state.eventId, provider: state.provider, tenant: state.tenant },
      state.released ?? [],
      route,
      this.deps.now(),
    );
  }

  /** The pause holding `targetId`, if one does now (read fresh). */
  async pauseOfTarget(targetId: string): Promise<string | undefined> {
    const pauses = await this.activePauses(true);
    const now = this.deps.now().toISOString();
    const pause = pauses.find(
      (p) => p.scope === 'target' && p.id === targetId && p.state === 'paused' && p.effectiveAt <= now,
    );
    return pause && pauseKeyOf(pause);
  }

  /**
   * Holds the event under the pause (pause-store.ts: list, commit, mark). Returns false when the
   * pause ended before the commit: the event was not held, and may run.
   */
  async hold(state: EventState, decision: Extract<GateDecision, { kind: 'hold' }>): Promise<boolean> {
    const { pauses, store } = this.deps;
    await pauses.appendHold(decision.pauseKey, state.groupId, state.eventId);
    if (!(await pauses.commitHold(decision.pauseKey))) {
      await pauses.removeHold(decision.pauseKey, state.groupId, state.eventId);
      await this.refresh();
      return false;
    }
    if (state.status === 'HELD') return true;
    const at = this.deps.now().toISOString();
    const entry: AuditEntry = {
      at,
      action: 'held',
      by: 'consumer',
      status: 'HELD',
      detail:
        decision.because === 'paused'
          ? `paused: ${decision.pauseKey}; no attempt made`
          : `behind an earlier held event of its entity (${decision.pauseKey}); no attempt made`,
      correlationId: state.correlationId,
    };
    // A failed condition means someone moved the event meanwhile; its list entry stays until the
    // resume finds it done.
    await store.transition(state.eventId, HOLDABLE, 'HELD', entry, { heldBy: decision.pauseKey });
    return true;
  }
}
