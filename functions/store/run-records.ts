import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyKeyError,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { EventStore } from '#shared/store/event-store';
import type { AuditEntry, EventStatus } from '#shared/store/records';

/** What identifies one run of an event: its id, and the forced run a replay recorded, if any. */
export interface RunIdentity {
  readonly eventId: string;
  readonly runKey: string;
}

/**
 * A run's result may carry the status change it ends with: it is applied in the same write that
 * completes the run, then left out of the stored result (the state item is billed per KB).
 */
export interface StatusChange {
  readonly from: readonly EventStatus[];
  readonly to: EventStatus;
  readonly entry: AuditEntry;
}

/** Called when a run's status change found the event moved by someone else. */
export type OnMovedElsewhere = (eventId: string, change: StatusChange) => void;

/**
 * Powertools idempotency kept in the event's own state item (decision 0044) instead of a table of
 * its own. The claim (INPROGRESS) is one update of the state item and the completion is another
 * that also moves the event to its final status, so a processed event costs the consumer two
 * writes where the idempotency table cost it three (put, the status update, then the completion).
 *
 * The key is the run key itself, not a digest of it: the layer must find the event's item from
 * the key, and the run key is already a fixed-length identifier.
 */
export class EventItemPersistenceLayer extends BasePersistenceLayer {
  constructor(
    private readonly store: EventStore,
    private readonly onMovedElsewhere: OnMovedElsewhere = () => undefined,
    private readonly nowMs: () => number = Date.now,
  ) {
    super();
  }

  protected override getHashedIdempotencyKey(data: JSONValue): string {
    const identity = data as Partial<RunIdentity> | null;
    if (typeof identity?.eventId !== 'string' || typeof identity.runKey !== 'string')
      throw new IdempotencyKeyError('a run is identified by { eventId, runKey }');
    return `${identity.eventId}|${identity.runKey}`;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const { eventId, runKey } = parse(record.idempotencyKey);
    const claimed = await this.store.claimRun(
      eventId,
      {
        key: runKey,
        expiry: record.expiryTimestamp ?? 0,
        lease: record.inProgressExpiryTimestamp,
      },
      this.nowMs(),
    );
    if (claimed) return;
    // The store does not hand back the item that failed the condition (DynamoDB may, dynalite
    // does not): read it.
    const existing = await this.recordOf(record.idempotencyKey);
    throw new IdempotencyItemAlreadyExistsError(`run ${record.idempotencyKey} is already claimed`, existing);
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = await this.recordOf(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError();
    return record;
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const { eventId, runKey } = parse(record.idempotencyKey);
    const { change, ...result } = (record.responseData ?? {}) as { change?: StatusChange } & Record<
      string,
      unknown
    >;
    const moved = await this.store.completeRun(
      eventId,
      { key: runKey, expiry: record.expiryTimestamp ?? 0, result },
      change,
    );
    if (change && !moved) this.onMovedElsewhere(eventId, change);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    const { eventId, runKey } = parse(record.idempotencyKey);
    await this.store.forgetRun(eventId, runKey);
  }

  private async recordOf(idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    const { eventId, runKey } = parse(idempotencyKey);
    // The item is the event's, so it keeps only the run key: the event id would repeat its own key.
    const stored = await this.store.readRun(eventId, runKey);
    if (!stored) return undefined;
    return new IdempotencyRecord({
      idempotencyKey,
      status: stored.status,
      expiryTimestamp: stored.expiry,
      inProgressExpiryTimestamp: stored.lease,
      responseData: stored.result as JSONValue | undefined,
    });
  }
}

const parse = (idempotencyKey: string): RunIdentity => {
  const separator = idempotencyKey.indexOf('|');
  return { eventId: idempotencyKey.slice(0, separator), runKey: idempotencyKey.slice(separator + 1) };
};
