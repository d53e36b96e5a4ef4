import type { Route } from '#shared/routing/routes';

/** What an operator (or auto-disable) can pause (decision 0053). */
export const PAUSE_SCOPES = ['provider', 'tenant', 'route', 'target'] as const;
export type PauseScope = (typeof PAUSE_SCOPES)[number];

/**
 * - `paused`: events in its scope are held;
 * - `resuming`: a resume is releasing what it holds; new events are held only behind held events
 *   of their entity, so that order holds;
 * - `ended`: everything it held was released and handled; kept as the record of who paused what.
 */
export type PauseState = 'paused' | 'resuming' | 'ended';

/** One line of a pause's history: who did what, when and why. */
export interface PauseEntry {
  readonly at: string;
  readonly action: 'paused' | 'auto-disabled' | 'resume-started' | 'ended';
  readonly by: string;
  readonly reason?: string;
}

export interface Pause {
  readonly scope: PauseScope;
  readonly id: string;
  readonly state: PauseState;
  readonly reason: string;
  /** Who paused it: an operator's name, or `auto-disable`. */
  readonly by: string;
  readonly at: string;
  /** When it starts holding: once every consumer knows of it (pause-store.ts takesEffectAfterMs). */
  readonly effectiveAt: string;
  /** Raised by every hold: a resume ends only if no hold came in while it looked (pause-store.ts). */
  readonly holds: number;
  readonly history: readonly PauseEntry[];
}

/** `<scope>#<id>`: names the pause in held events (`heldBy`) and in its hold lists. */
export const pauseKeyOf = (pause: Pick<Pause, 'scope' | 'id'>) => `${pause.scope}#${pause.id}`;

/** Whether a pause still affects the pipeline. */
export const isActive = (pause: Pause) => pause.state !== 'ended';

/** What a pause's scope covers: an event of the provider or tenant, on the route, or for the target. */
export const covers = (
  pause: Pick<Pause, 'scope' | 'id'>,
  event: { readonly provider: string; readonly tenant: string },
  route: Pick<Route, 'id' | 'targets'> | undefined,
): boolean => {
  switch (pause.scope) {
    case 'provider':
      return event.provider === pause.id;
    case 'tenant':
      return event.tenant === pause.id;
    case 'route':
      return route?.id === pause.id;
    case 'target':
      return route?.targets.some((t) => t.id === pause.id) ?? false;
  }
};

/** One pause's list of held events of one entity (message group), in the order they came. */
export interface HoldList {
  readonly pauseKey: string;
  readonly groupId: string;
  readonly events: readonly string[];
}

export type GateDecision =
  | { readonly kind: 'pass' }
  /** Hold under `pauseKey`: the event is in its scope, or an earlier event of its entity is held there. */
  | { readonly kind: 'hold'; readonly pauseKey: string; readonly because: 'paused' | 'behind' };

/**
 * Whether an event may run now (decision 0053), from the active pauses and its entity's hold
 * lists. Order per entity comes first: an event behind a held one of its entity is held too, in
 * that pause, whatever its own scope. An event a list names was either released (the pause is in
 * its `released`) or is being held (a hold that did not finish: it carries on). Only then does a
 * `paused` pause's scope hold it, from its `effectiveAt`.
 */
export const decideGate = (
  pauses: readonly Pause[],
  lists: readonly HoldList[],
  event: { readonly id: string; readonly provider: string; readonly tenant: string },
  released: readonly string[],
  route: Pick<Route, 'id' | 'targets'> | undefined,
  now: Date,
): GateDecision => {
  const active = new Set(pauses.filter(isActive).map(pauseKeyOf));
  const relevant = lists.filter((list) => active.has(list.pauseKey) && list.events.length > 0);
  for (const list of relevant) {
    if (!list.events.includes(event.id)) return { kind: 'hold', pauseKey: list.pauseKey, because: 'behind' };
    if (!released.includes(list.pauseKey))
      return { kind: 'hold', pauseKey: list.pauseKey, because: 'paused' };
  }
  const at = now.toISOString();
  // An event the pause released is not held by its scope again: a consumer whose list of pauses
  // still says `paused` would otherwise hold it behind events released after it.
  const pause = pauses.find(
    (p) =>
      p.state === 'paused' &&
      p.effectiveAt <= at &&
      !released.includes(pauseKeyOf(p)) &&
      covers(p, event, route),
  );
  return pause ? { kind: 'hold', pauseKey: pauseKeyOf(pause), because: 'paused' } : { kind: 'pass' };
};
