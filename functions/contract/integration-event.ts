import * as z from 'zod/mini';

/** Version of the canonical contract. Bump on any breaking change to {@link IntegrationEventSchema}. */
export const SPEC_VERSION = '1.0';

const nonEmpty = () => z.string().check(z.minLength(1));

export const EntitySchema = z.object({
  /** What the id names: `customer`, `order`, `repository`, `event` (no natural entity), … */
  kind: nonEmpty(),
  id: nonEmpty(),
});
export type Entity = z.infer<typeof EntitySchema>;

/**
 * The canonical event every provider is normalized into. Nothing downstream of the provider
 * folders knows a provider's payload shape; it reads this.
 */
export const IntegrationEventSchema = z.object({
  specVersion: z.literal(SPEC_VERSION),
  /** Our event id, derived from the idempotency key: the same delivery always gets the same id. */
  id: nonEmpty(),
  /** tenant + provider + provider event type + provider's external event id. */
  idempotencyKey: nonEmpty(),
  tenant: nonEmpty(),
  provider: nonEmpty(),
  /** Canonical type (`payment.succeeded`), else `<provider>.<providerType>`. */
  type: nonEmpty(),
  providerType: nonEmpty(),
  externalId: nonEmpty(),
  entity: EntitySchema,
  occurredAt: z.iso.datetime({ offset: true }),
  receivedAt: z.iso.datetime({ offset: true }),
  correlationId: nonEmpty(),
  data: z.record(z.string(), z.unknown()),
  /**
   * The event whose workflow step emitted this one (`ctx.emit`), by its `id`. Absent on events
   * from outside: webhooks, producers, schedules.
   */
  causationId: z.optional(nonEmpty()),
  /**
   * Emissions between this event and the outside event that started its chain: absent (0) for
   * that event, the emitter's depth + 1 for an emitted one. The consumer quarantines an event
   * deeper than `maxCausationDepth` (a cycle of workflows), so that a loop cannot run forever.
   */
  depth: z.optional(z.int().check(z.gte(0))),
  /**
   * Set on an event a reconciliation run recovered from the provider's API (ARCHITECTURE 20,
   * docs/reconciliation.md); absent on everything that arrived by itself.
   */
  origin: z.optional(z.literal('reconciliation')),
  /** How a recovered event was authenticated: read from the provider's API, not a signature. */
  verifiedBy: z.optional(z.literal('provider-api')),
});
export type IntegrationEvent = z.infer<typeof IntegrationEventSchema>;
