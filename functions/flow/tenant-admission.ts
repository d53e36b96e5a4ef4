import { randomUUID } from 'node:crypto';
import { isConditionFailure } from '#shared/store/conditions';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { Admission, SharedLimiter, TenantAdmission } from '#shared/flow/contract';

/** One tenant's quotas as the consumer reads them (lib/config.ts checks them at synth). */
export const TenantQuotaSchema = z.object({
  eventsPerSecond: z.optional(z.number().check(z.positive())),
  maxConcurrent: z.optional(z.int().check(z.minimum(1))),
});
export type TenantQuota = z.infer<typeof TenantQuotaSchema>;

/** The consumer's TENANT_QUOTAS variable, set only when some tenant has a quota. */
export const TenantQuotasSchema = z.object({
  /** How long a concurrency slot stays taken without a release: the consumer's timeout. */
  leaseSeconds: z.int().check(z.minimum(1)),
  tenants: z.record(z.string(), TenantQuotaSchema),
});
export type TenantQuotas = z.infer<typeof TenantQuotasSchema>;

/** SQS keeps a message invisible for at most 12 hours. */
const MAX_DELAY_SECONDS = 43_200;
/** Free slots tried after one read of the tenant's slots, when other instances take them first. */
const SLOT_TRIES = 3;
/** What a run is assumed to hold a slot for until this container has seen one end. */
const INITIAL_HOLD_MS = 1000;
/** Below this, a hold estimate would let the waiting line send events back faster than any run frees slots. */
const MIN_HOLD_MS = 50;

const FREE: Admission = { kind: 'admit', release: () => Promise.resolve() };

export const quotaPartition = (tenant: string) => `QUOTA#${tenant}`;
export const slotKey = (n: number) => `SLOT#${n}`;

export interface TenantAdmissionSettings {
  readonly tableName: string;
  readonly quotas: TenantQuotas;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /** A slot that could not be given back frees itself when its lease ends; this says so. */
  readonly onReleaseError?: (tenant: string, error: unknown) => void;
}

/**
 * Per-tenant quotas (docs/decisions/0052-tenant-quotas.md), shared by every consumer instance:
 *
 * - rate: the tenant's `SharedLimiter` key `tenant#<id>` at `eventsPerSecond` (`tryTake`);
 * - concurrency: `maxConcurrent` lease slots in the event table (`QUOTA#<tenant>` / `SLOT#<n>`),
 *   each taken by a conditional put on a slot whose lease (`expiresAt`, the table's TTL
 *   attribute, epoch seconds) has ended, and given back by moving its lease end to now. A slot
 *   whose holder crashed frees itself once its lease, the consumer's timeout, is over.
 *
 * An event over a quota is delayed, never refused. Its delay is its turn in the tenant's waiting
 * line, a second limiter key (`tenant#<id>#line`) reserved at the pace the tenant is served, so
 * that delayed events come back no faster than they can be admitted and each is delayed a few
 * times rather than once per second until the backstop dead-letters it.
 *
 * A tenant without a quota costs nothing: no request is made.
 */
export class TableTenantAdmission implements TenantAdmission {
  private readonly now: () => number;
  private readonly random: () => number;
  /** Per tenant, how long this container's runs held a slot (a moving average, ms). */
  private readonly holdMs = new Map<string, number>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly limiter: SharedLimiter,
    private readonly settings: TenantAdmissionSettings,
  ) {
    this.now = settings.now ?? Date.now;
    this.random = settings.random ?? Math.random;
  }

  async admit(tenant: string): Promise<Admission> {
    const quota = this.settings.quotas.tenants[tenant];
    if (!quota) return FREE;
    // Rate first: a denied event then costs no slot read, and an event is over both quotas
    // only while its tenant is over its concurrency too, when a spent rate slot changes nothing.
    if (quota.eventsPerSecond !== undefined) {
      const waitMs = await this.limiter.tryTake(`tenant#${tenant}`, quota.eventsPerSecond);
      if (waitMs > 0) return this.delay(tenant, quota, 'rate', waitMs);
    }
    if (quota.maxConcurrent === undefined) return FREE;
    const slot = await this.takeSlot(tenant, quota.maxConcurrent);
    if (!slot) return this.delay(tenant, quota, 'concurrency', 0);
    const takenAt = this.now();
    return { kind: 'admit', release: () => this.release(tenant, slot, takenAt) };
  }

  /**
   * The event's turn in its tenant's waiting line. Each delayed event reserves one turn at the
   * tenant's service pace, so a backlog of n events is spread over n / pace seconds instead of
   * all of them coming back together and being delayed again.
   */
  private async delay(
    tenant: string,
    quota: TenantQuota,
    reason: 'rate' | 'concurrency',
    waitMs: number,
  ): Promise<Admission> {
    const lineMs = await this.limiter.take(`tenant#${tenant}#line`, this.pace(tenant, quota));
    const seconds = Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(Math.max(waitMs, lineMs) / 1000)));
    return { kind: 'delay', seconds, reason };
  }

  /** Events per second the tenant can be admitted at: its rate, or its slots over a run's hold. */
  private pace(tenant: string, quota: TenantQuota): number {
    const bySlots =
      quota.maxConcurrent === undefined
        ? Number.POSITIVE_INFINITY
        : (quota.maxConcurrent * 1000) / (this.holdMs.get(tenant) ?? INITIAL_HOLD_MS);
    return Math.min(quota.eventsPerSecond ?? Number.POSITIVE_INFINITY, bySlots);
  }

  /** One consistent read of the tenant's slots, then a conditional put on a free one. */
  private async takeSlot(
    tenant: string,
    maxConcurrent: number,
  ): Promise<{ sk: string; holder: string } | undefined> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.settings.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': quotaPartition(tenant) },
        ProjectionExpression: 'SK, expiresAt',
        ConsistentRead: true,
      }),
    );
    const held = new Set(
      Items.filter((item) => Number(item.expiresAt) > nowSeconds).map((item) => String(item.SK)),
    );
    const free = Array.from({ length: maxConcurrent }, (_, n) => slotKey(n)).filter((sk) => !held.has(sk));
    // A random order, so that instances reading the same free slots seldom race for one.
    for (let i = free.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [free[i], free[j]] = [free[j] as string, free[i] as string];
    }
    const holder = randomUUID();
    for (const sk of free.slice(0, SLOT_TRIES)) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.settings.tableName,
            Item: {
              PK: quotaPartition(tenant),
              SK: sk,
              holder,
              // One second more, as the lease starts part-way through this one.
              expiresAt: nowSeconds + this.settings.quotas.leaseSeconds + 1,
            },
            ConditionExpression: 'attribute_not_exists(PK) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': nowSeconds },
          }),
        );
        return { sk, holder };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return undefined;
  }

  /**
   * Ends the lease now, if it is still this holder's (one that outlived its lease may have been
   * taken since). Never throws: the route has run, and a slot not given back frees itself.
   */
  private async release(
    tenant: string,
    slot: { sk: string; holder: string },
    takenAt: number,
  ): Promise<void> {
    const now = this.now();
    const previous = this.holdMs.get(tenant);
    const held = Math.max(MIN_HOLD_MS, now - takenAt);
    this.holdMs.set(tenant, previous === undefined ? held : 0.8 * previous + 0.2 * held);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: { PK: quotaPartition(tenant), SK: slot.sk },
          UpdateExpression: 'SET expiresAt = :now',
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':now': Math.floor(now / 1000), ':holder': slot.holder },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) this.settings.onReleaseError?.(tenant, error);
    }
  }
}
