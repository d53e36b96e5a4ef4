/**
 * The error class of an event's `lastError`, which the consumer writes as `<class>: <message>`
 * (functions/consumer/failure-policy.ts): `http-503: ledger answered 503` → `http-503`.
 */
export const errorClassOf = (lastError: string | undefined): string => {
  if (!lastError) return 'unknown';
  const match = /^([A-Za-z][\w.-]*)\s*:/.exec(lastError);
  return match?.[1] ?? lastError.slice(0, 40);
};

/** What a failed event's group is read from. */
export interface Failed {
  readonly eventId: string;
  readonly status: string;
  readonly statusAt: string;
  readonly lastError?: string;
  readonly audit: readonly { readonly action: string; readonly detail?: string }[];
}

/**
 * The error an event failed with: its `lastError`, or for an event quarantined at ingest (which
 * has none) the reason its quarantine entry gives, as the `quarantined` class.
 */
export const failureOf = (state: Failed): string | undefined => {
  if (state.lastError !== undefined || state.status !== 'QUARANTINED') return state.lastError;
  const entry = state.audit.findLast((a) => a.action === 'quarantined');
  return `quarantined: ${entry?.detail ?? 'the normalizer could not read the body'}`;
};

export interface FailureGroup<T extends Failed> {
  readonly errorClass: string;
  readonly count: number;
  /** The newest status change of the group. */
  readonly latest: string;
  /** The first event's error. */
  readonly example: string;
  readonly members: readonly T[];
}

/**
 * Failed events grouped by error class and whatever else `keyOf` names (provider, entity), the
 * largest group first; groups of one size keep the order their first members came in.
 */
export const groupFailures = <T extends Failed>(
  states: readonly T[],
  keyOf: (state: T) => string = () => '',
): FailureGroup<T>[] => {
  const groups = new Map<string, { errorClass: string; latest: string; example: string; members: T[] }>();
  for (const state of states) {
    const failure = failureOf(state);
    const errorClass = errorClassOf(failure);
    const key = `${errorClass}\u0000${keyOf(state)}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { errorClass, latest: state.statusAt, example: failure ?? '', members: [state] });
      continue;
    }
    group.members.push(state);
    if (state.statusAt > group.latest) group.latest = state.statusAt;
  }
  return [...groups.values()]
    .map((group) => ({ ...group, count: group.members.length }))
    .sort((a, b) => b.count - a.count);
};
