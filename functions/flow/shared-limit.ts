import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/store/conditions';
import type { SharedLimiter } from '#shared/flow/contract';

/**
 * How far a key's schedule may lag behind the clock and still be caught up: after a pause of up
 * to this long, the calls it missed may go at once. It is the burst: 1 + rate × 100 ms calls
 * (3 at 20/s), so any 5 s holds at most 5 s × rate + that burst (103 at 20/s). Small, because a
 * call that starts late (a slow write, a busy container) adds to it at the receiver.
 */
export const BURST_MS = 100;

/** A key's item outlives its last use by a day, then TTL removes it. Blocks are shorter. */
const TTL_SECONDS = 24 * 3600;

export const limitKey = (key: string) => ({ PK: `LIMIT#${key}`, SK: 'GCRA' });

export interface TableLimiterSettings {
  readonly tableName: string;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * A SharedLimiter on the event table: GCRA, one item per key holding `tat`, the theoretical
 * arrival time (epoch ms) of the key's next call. Every call adds one interval (1000 / rate) to
 * it with an `ADD`, which DynamoDB serializes, so instances never race and never read first:
 * the new `tat` comes back with the write and says when the reserved call may go.
 *
 * `tat` only ever grows (an `ADD`, a restart above a stale value, a block to a later time), so
 * what one container last saw of it stays a lower bound: when that is recent, the key is busy and
 * one write adds to it; when it is not, `take` tries first the write that fitted the last times
 * (keep adding, or restart the schedule after a pause). It also lets `tryTake` answer "not yet"
 * without a request. A block is `tat` moved to its end: takes queue behind it for free.
 *
 * Cost per call (an item under 1 KB): `take` 1 WRU, 2 when this container guessed wrong between
 * a busy and an idle key; `tryTake` 1 WRU when it takes the slot, 1 WRU + 1 RCU when the key is
 * busy, then nothing until the time it learnt; `block` 1 WRU, nothing when already known blocked.
 * A failed condition is billed like a write (docs/decisions/0051-shared-rate-limit.md).
 */
export class TableLimiter implements SharedLimiter {
  /** The highest `tat` this container has seen per key: a lower bound of the real one. */
  private readonly seen = new Map<string, number>();
  /** Per key, how often it was found busy when this container did not know (0–3). */
  private readonly busyScore = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly settings: TableLimiterSettings,
  ) {
    this.now = settings.now ?? Date.now;
  }

  async take(key: string, ratePerSecond: number): Promise<number> {
    const now = this.now();
    const interval = 1000 / ratePerSecond;
    const floor = now - BURST_MS;
    let tat: number | undefined;
    if (this.lastSeen(key) < floor) {
      // Other containers may have kept the key busy since: try first what it was the last times.
      if (this.likelyBusy(key)) {
        tat = await this.advance(key, interval, floor, undefined, now);
        // A failed add found the key idle, whether or not this container then wins the restart.
        this.found(key, tat !== undefined);
        if (tat === undefined && (await this.restart(key, floor, interval, now))) return 0;
      } else {
        const restarted = await this.restart(key, floor, interval, now);
        this.found(key, !restarted);
        if (restarted) return 0;
      }
    }
    // Either this container saw `tat` at least `floor`, or a restart failed because it is: it
    // can only have grown since, so this write cannot fail.
    tat ??= await this.advance(key, interval, floor, undefined, now);
    if (tat === undefined) throw new Error(`shared limit ${key} vanished while in use`);
    // From when the answer came: the slot is a point in time, and the write took some of the wait.
    return Math.max(0, Math.ceil(tat - interval - this.now()));
  }

  async tryTake(key: string, ratePerSecond: number): Promise<number> {
    const now = this.now();
    const known = this.lastSeen(key);
    if (known > now) return Math.ceil(known - now);
    const interval = 1000 / ratePerSecond;
    const floor = now - BURST_MS;
    if (known < floor && (await this.restart(key, floor, interval, now))) return 0;
    if ((await this.advance(key, interval, floor, now, now)) !== undefined) return 0;
    const tat = await this.read(key);
    if (tat === undefined || tat <= now) return Math.ceil(interval);
    this.remember(key, tat);
    return Math.ceil(tat - now);
  }

  async block(key: string, untilMs: number): Promise<void> {
    if (this.lastSeen(key) >= untilMs) return;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: limitKey(key),
          UpdateExpression: 'SET tat = :until, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(tat) OR tat < :until',
          ExpressionAttributeValues: {
            ':until': untilMs,
            ':exp': Math.ceil(Math.max(untilMs, this.now()) / 1000) + TTL_SECONDS,
          },
        }),
      );
    } catch (error) {
      // Someone blocked it for at least as long already.
      if (!isConditionFailure(error)) throw error;
    }
    this.remember(key, untilMs);
  }

  /**
   * Whether a key this container has not seen lately was busy the last times it asked: a
   * two-bit saturating counter per key, as a branch predictor keeps, so that one surprise does
   * not flip the guess. Where consumers keep a key saturated, each container sleeps to its slot
   * and delivers, so what it saw is stale by its next call while the key is busy: restarting
   * first failed on nearly every call (bench/shared-limit.ts, decision 0062).
   */
  private likelyBusy(key: string) {
    return (this.busyScore.get(key) ?? 0) >= 2;
  }

  private found(key: string, busy: boolean) {
    const score = this.busyScore.get(key) ?? 0;
    this.busyScore.set(key, busy ? Math.min(3, score + 1) : Math.max(0, score - 1));
  }

  private lastSeen(key: string) {
    return this.seen.get(key) ?? Number.NEGATIVE_INFINITY;
  }

  private remember(key: string, tat: number) {
    if (tat > this.lastSeen(key)) this.seen.set(key, tat);
  }

  /**
   * Starts the schedule again after a pause longer than the burst: as if the last `BURST_MS` had
   * been unused, so this call goes now and the burst's other calls may follow at once.
   */
  private async restart(key: string, floor: number, interval: number, now: number): Promise<boolean> {
    const tat = floor + interval;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: limitKey(key),
          UpdateExpression: 'SET tat = :tat, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(tat) OR tat < :floor',
          ExpressionAttributeValues: { ':tat': tat, ':floor': floor, ':exp': this.expiresAt(now) },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    this.remember(key, tat);
    return true;
  }

  /**
   * Reserves the next interval of a busy key (its `tat` at least `floor`) and returns the new
   * `tat`; with `latest`, only when the slot is free by then. `undefined`: the condition failed.
   */
  private async advance(
    key: string,
    interval: number,
    floor: number,
    latest: number | undefined,
    now: number,
  ): Promise<number | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: limitKey(key),
          UpdateExpression: 'ADD tat :interval SET expiresAt = :exp',
          ConditionExpression: latest === undefined ? 'tat >= :floor' : 'tat BETWEEN :floor AND :latest',
          ExpressionAttributeValues: {
            ':interval': interval,
            ':floor': floor,
            ':exp': this.expiresAt(now),
            ...(latest === undefined ? {} : { ':latest': latest }),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const tat = Number(Attributes?.tat);
      this.remember(key, tat);
      return tat;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  private async read(key: string): Promise<number | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.settings.tableName,
        Key: limitKey(key),
        ProjectionExpression: 'tat',
        ConsistentRead: true,
      }),
    );
    return typeof Item?.tat === 'number' ? Item.tat : undefined;
  }

  private expiresAt(now: number) {
    return Math.ceil(now / 1000) + TTL_SECONDS;
  }
}
