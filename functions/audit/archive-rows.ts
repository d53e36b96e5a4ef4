import type { AuditEntry, EventState } from '#shared/store/records';
import { eventIdOfPk, REJECTION_SOURCE_PREFIX } from '#shared/store/records';

/** Bumped when a row's meaning changes; the Glue table reads every version. */
export const ARCHIVE_ROW_VERSION = 1;

/** One line of an event's story, kept after the event itself has expired. */
export interface AuditRow {
  readonly v: number;
  readonly kind: 'audit';
  /** Partition: the UTC day of `at`. */
  readonly day: string;
  /** Partition. */
  readonly tenant: string;
  readonly at: string;
  readonly eventId: string;
  /** The request (or replay) that made this entry, else the event's own. */
  readonly correlationId: string;
  readonly eventCorrelationId: string;
  readonly provider: string;
  readonly type: string;
  readonly providerType: string;
  readonly externalId: string;
  readonly entityKind: string;
  readonly entityId: string;
  readonly receivedAt: string;
  readonly action: string;
  readonly by: string;
  readonly status?: string;
  readonly detail?: string;
}

/** Refused requests of one provider and tenant, one minute, one source and one reason. */
export interface RejectionRow {
  readonly v: number;
  readonly kind: 'rejection';
  readonly day: string;
  readonly tenant: string;
  /** The minute (`YYYY-MM-DDTHH:MM`). */
  readonly at: string;
  readonly provider: string;
  readonly reason: string;
  /** The address, or `other` past the sources counted one by one. */
  readonly sourceIp: string;
  readonly count: number;
}

/** One line of a pause's history (decision 0053): who paused, resumed or auto-disabled what, and why. */
export interface PauseRow {
  readonly v: number;
  readonly kind: 'pause';
  readonly day: string;
  /** The paused tenant, else `default`: a pause of a provider, route or target spans tenants. */
  readonly tenant: string;
  readonly at: string;
  /** `<scope>#<id>`. */
  readonly pause: string;
  readonly action: string;
  readonly by: string;
  readonly reason?: string;
}

export type ArchiveRow = AuditRow | RejectionRow | PauseRow;

/** What a DynamoDB stream record says of one item, unmarshalled. */
export interface ItemChange {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: { readonly PK: string; readonly SK: string };
  readonly oldImage?: Readonly<Record<string, unknown>>;
  readonly newImage?: Readonly<Record<string, unknown>>;
}

const entryKey = (entry: AuditEntry) =>
  JSON.stringify([entry.at, entry.action, entry.by, entry.status, entry.detail]);

/**
 * The entries `after` holds that `before` did not. Entries are only ever appended, but a list
 * compared as a multiset stays right if one is ever rewritten.
 */
const addedEntries = (before: readonly AuditEntry[], after: readonly AuditEntry[]): AuditEntry[] => {
  const seen = new Map<string, number>();
  for (const entry of before) seen.set(entryKey(entry), (seen.get(entryKey(entry)) ?? 0) + 1);
  return after.filter((entry) => {
    const left = seen.get(entryKey(entry)) ?? 0;
    if (left === 0) return true;
    seen.set(entryKey(entry), left - 1);
    return false;
  });
};

/** One entry's row, with what the state item leaves to its key or its type (event-store.ts) filled in. */
const auditRow = (eventId: string, state: Partial<EventState>, entry: AuditEntry): AuditRow => ({
  v: ARCHIVE_ROW_VERSION,
  kind: 'audit',
  day: entry.at.slice(0, 10),
  tenant: state.tenant ?? 'default',
  at: entry.at,
  eventId: state.eventId ?? eventId,
  correlationId: entry.correlationId ?? state.correlationId ?? '',
  eventCorrelationId: state.correlationId ?? '',
  provider: state.provider ?? '',
  type: state.type ?? '',
  providerType: state.providerType ?? state.type ?? '',
  externalId: state.externalId ?? '',
  entityKind: state.entityKind ?? '',
  entityId: state.entityId ?? '',
  receivedAt: state.receivedAt ?? '',
  action: entry.action,
  by: entry.by,
  ...(entry.status ? { status: entry.status } : {}),
  ...(entry.detail ? { detail: entry.detail } : {}),
});

const eventRows = (change: ItemChange): AuditRow[] => {
  const after = change.newImage as Partial<EventState> | undefined;
  if (!after) return [];
  const before = change.oldImage as Partial<EventState> | undefined;
  const added = addedEntries(before?.audit ?? [], after.audit ?? []);
  const eventId = eventIdOfPk(change.keys.PK) ?? '';
  const rows = added.map((entry) => auditRow(eventId, after, entry));
  // Past the timeline's share, a duplicate changes only the counter and the latest one.
  const counted = (after.duplicates ?? 0) - (before?.duplicates ?? 0);
  if (counted > 0 && after.lastDuplicate && !added.some((e) => e.action === 'duplicate'))
    rows.push(auditRow(eventId, after, after.lastDuplicate));
  return rows;
};

const rejectionRows = (change: ItemChange): RejectionRow[] => {
  const after = change.newImage;
  if (!after) return [];
  const [, provider = '', tenant = 'default'] = change.keys.PK.split('#');
  const minute = change.keys.SK;
  const rows: RejectionRow[] = [];
  for (const [name, value] of Object.entries(after)) {
    if (!name.startsWith(REJECTION_SOURCE_PREFIX) || typeof value !== 'number') continue;
    const previous = change.oldImage?.[name];
    const count = value - (typeof previous === 'number' ? previous : 0);
    if (count <= 0) continue;
    const spec = name.slice(REJECTION_SOURCE_PREFIX.length);
    const split = spec.lastIndexOf('|');
    rows.push({
      v: ARCHIVE_ROW_VERSION,
      kind: 'rejection',
      day: minute.slice(0, 10),
      tenant,
      at: minute,
      provider,
      reason: spec.slice(split + 1),
      sourceIp: spec.slice(0, split),
      count,
    });
  }
  return rows;
};

interface PauseImage {
  readonly scope?: string;
  readonly id?: string;
  readonly history?: readonly { at: string; action: string; by: string; reason?: string }[];
}

const pauseRows = (change: ItemChange): PauseRow[] => {
  const after = change.newImage as PauseImage | undefined;
  if (!after?.history) return [];
  // History is only appended to: the new lines are those past the old image's.
  const known = (change.oldImage as PauseImage | undefined)?.history?.length ?? 0;
  return after.history.slice(known).map((line) => ({
    v: ARCHIVE_ROW_VERSION,
    kind: 'pause',
    day: line.at.slice(0, 10),
    tenant: after.scope === 'tenant' && after.id ? after.id : 'default',
    at: line.at,
    pause: change.keys.SK,
    action: line.action,
    by: line.by,
    ...(line.reason ? { reason: line.reason } : {}),
  }));
};

/**
 * The archive rows one change of the event table makes: new audit entries of an event's state
 * item (with its identity, so that a row answers on its own once the event has expired), and
 * the new counts of a rejection counter item, the new lines of a pause's history. Everything else (payloads, nonces, raw bodies,
 * expiries and deletions) makes none.
 */
export const archiveRowsOf = (change: ItemChange): ArchiveRow[] => {
  if (change.eventName === 'REMOVE') return [];
  if (change.keys.SK === 'STATE' && change.keys.PK.startsWith('EVT#')) return eventRows(change);
  if (change.keys.PK.startsWith('REJECTS#')) return rejectionRows(change);
  if (change.keys.PK === 'PAUSE') return pauseRows(change);
  return [];
};
