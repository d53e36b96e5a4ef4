import * as z from 'zod/mini';
import { readIdPath } from '#shared/json/path';
import { scheduleTickKey, type DomainEventOrigin, type ScheduleTick } from './contract';

const nonEmpty = () => z.string().check(z.minLength(1));

/**
 * What one rule of `eventSources` hands the producer function: the source as configured (the
 * rule's input template writes it, lib/constructs/producer-api.ts) and the whole EventBridge
 * event. EventBridge events do not name the bus they were put on; the template does.
 */
export const EventSourceInvocationSchema = z.strictObject({
  relayflowEventSource: z.strictObject({
    bus: nonEmpty(),
    tenant: z.optional(nonEmpty()),
    /** Where the detail keeps the entity id, for details that are not envelopes. */
    entity: z.optional(z.strictObject({ kind: nonEmpty(), path: nonEmpty() })),
  }),
  event: z.looseObject({
    id: nonEmpty(),
    'detail-type': nonEmpty(),
    source: nonEmpty(),
    time: z.iso.datetime({ offset: true }),
    detail: z.record(z.string(), z.unknown()),
  }),
});
export type EventSourceInvocation = z.infer<typeof EventSourceInvocationSchema>;

/** Domain events to publish for one tenant, with where they came from. */
export interface Publication {
  readonly tenant: string;
  /** As the contract reads them (DomainEventInputSchema): checked by the publisher, one by one. */
  readonly events: readonly unknown[];
  readonly origin: DomainEventOrigin;
}

/** A detail that carries the domain event itself: one with `entity` and `data`. */
const isEnvelope = (detail: Readonly<Record<string, unknown>>) =>
  Object.hasOwn(detail, 'entity') && Object.hasOwn(detail, 'data');

/** Characters a canonical type cannot hold; a run of them in a detail-type becomes one `_`. */
const NOT_IN_TYPE = /[^A-Za-z0-9_.-]+/g;
const MAX_TYPE_LENGTH = 256;

/**
 * An EventBridge detail-type as a canonical type: `Order Placed` → `Order_Placed`. Detail-types
 * are free text (AWS services use spaces); types are `A-Za-z0-9_.-`, which routes glob over.
 */
export const typeOfDetailType = (detailType: string): string =>
  detailType.replace(NOT_IN_TYPE, '_').slice(0, MAX_TYPE_LENGTH);

/**
 * One EventBridge event as a domain event (docs/workflows.md, "Domain events"):
 * - a detail with `entity` and `data` is an envelope: its `type` (else the detail-type), `entity`,
 *   `data`, `idempotencyKey` (else the event's `id`) and `occurredAt` (else the event's `time`);
 * - any other detail is the data: the detail-type is the type, the event's `id` the key, its
 *   `time` when it occurred, and the entity is read from the detail at the source's `entity`
 *   path, else none (the event is ordered by itself).
 * EventBridge delivers at least once, always with the same `id`: a second delivery is a duplicate.
 */
export const publicationOfEventBridge = ({
  relayflowEventSource: source,
  event,
}: EventSourceInvocation): Publication => {
  const origin: DomainEventOrigin = { kind: 'eventbridge', bus: source.bus, eventBridgeId: event.id };
  const tenant = source.tenant ?? 'default';
  if (isEnvelope(event.detail)) {
    // Checked against the contract by the publisher, like any producer's event.
    const { type, entity, data, idempotencyKey, occurredAt } = event.detail;
    return {
      tenant,
      origin,
      events: [
        {
          type: type ?? typeOfDetailType(event['detail-type']),
          entity,
          data,
          idempotencyKey: idempotencyKey ?? event.id,
          occurredAt: occurredAt ?? event.time,
        },
      ],
    };
  }
  const entityId = source.entity ? readIdPath(event.detail, source.entity.path) : undefined;
  return {
    tenant,
    origin,
    events: [
      {
        type: typeOfDetailType(event['detail-type']),
        entity:
          source.entity && entityId !== undefined
            ? { kind: source.entity.kind, id: entityId }
            : { kind: 'event', id: event.id },
        data: event.detail,
        idempotencyKey: event.id,
        occurredAt: event.time,
      },
    ],
  };
};

/**
 * One Scheduler tick as a domain event: keyed by the schedule and its scheduled time, so that a
 * second delivery of the tick is a duplicate; ordered per schedule; `scheduledTime` is added to
 * the data and is when it occurred.
 */
export const publicationOfTick = ({ relayflowSchedule: tick }: ScheduleTick): Publication => ({
  tenant: tick.tenant ?? 'default',
  origin: { kind: 'schedule', schedule: tick.name, scheduledTime: tick.scheduledTime },
  events: [
    {
      type: tick.type,
      entity: { kind: 'schedule', id: tick.name },
      data: { ...tick.data, scheduledTime: tick.scheduledTime },
      idempotencyKey: scheduleTickKey(tick.name, tick.scheduledTime),
      occurredAt: tick.scheduledTime,
    },
  ],
});
