import * as z from 'zod/mini';
import { EntitySchema } from '#shared/contract/integration-event';

/**
 * A domain event as a producer sends it (issue 17): the one shape the producer API, the
 * EventBridge sources, the schedules and a workflow step's `ctx.emit` all hand to the pipeline.
 * It enters the same ingest state machine as a webhook, with provider `internal`.
 */
export const DomainEventInputSchema = z.strictObject({
  /** Canonical type, `invoice.payment_failed`. */
  type: z
    .string()
    .check(z.regex(/^[A-Za-z0-9_.-]{1,256}$/, 'letters, digits, ".", "_" and "-", at most 256')),
  entity: EntitySchema,
  data: z.record(z.string(), z.unknown()),
  /** The same key twice is one event. @default one is generated, and the answer returns it */
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  /** @default when it is received */
  occurredAt: z.optional(z.iso.datetime({ offset: true })),
});
export type DomainEventInput = z.infer<typeof DomainEventInputSchema>;

/** Where a domain event came from; audited, and part of nothing else. */
export type DomainEventOrigin =
  | { readonly kind: 'api'; readonly principal: string }
  | { readonly kind: 'eventbridge'; readonly bus: string; readonly eventBridgeId: string }
  | { readonly kind: 'schedule'; readonly schedule: string; readonly scheduledTime: string }
  | { readonly kind: 'workflow'; readonly causationId: string; readonly depth: number }
  /** A message's status change, from a delivery receipt (issue 15): caused by the receipt's event. */
  | {
      readonly kind: 'receipt';
      readonly causationId: string;
      readonly depth: number;
      readonly messageId: string;
    }
  /** A reconciliation run (issue 16): a drift it found, or a receipt the provider's API gave. */
  | { readonly kind: 'reconciliation'; readonly provider: string; readonly runId: string };

/** What became of one domain event: the ingest's item outcome, with the key it was stored under. */
export interface PublishedEvent {
  readonly index: number;
  readonly idempotencyKey: string;
  readonly eventId?: string;
  readonly outcome: 'accepted' | 'duplicate' | 'requeued' | 'in-progress' | 'deferred' | 'rejected';
  /** Why it was refused (validation), when `outcome` is `rejected`. */
  readonly error?: string;
}

/** Publishes domain events into the pipeline (functions/producer/publisher.ts implements it). */
export interface DomainEventPublisher {
  publish(
    tenant: string,
    events: readonly DomainEventInput[],
    origin: DomainEventOrigin,
    correlationId?: string,
  ): Promise<readonly PublishedEvent[]>;
}

/**
 * How EventBridge Scheduler invokes the producer function for one tick of a configured schedule
 * (the schedule's target input; `<aws.scheduler.scheduled-time>` is filled in by Scheduler).
 * The tick's idempotency key is `schedule:<name>@<scheduledTime>`, so a second delivery of a
 * tick is a duplicate.
 */
export const ScheduleTickSchema = z.strictObject({
  relayflowSchedule: z.strictObject({
    name: z.string().check(z.minLength(1)),
    scheduledTime: z.iso.datetime({ offset: true }),
    type: z.string().check(z.minLength(1)),
    tenant: z.optional(z.string().check(z.minLength(1))),
    data: z.optional(z.record(z.string(), z.unknown())),
  }),
});
export type ScheduleTick = z.infer<typeof ScheduleTickSchema>;

export const scheduleTickKey = (name: string, scheduledTime: string) =>
  `schedule:${name}@${new Date(scheduledTime).toISOString()}`;
