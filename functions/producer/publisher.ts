import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.cjs';
import { uuidV7 } from '#shared/contract/correlation-id';
import {
  ingestWebhook,
  type IngestDependencies,
  type IngestSettings,
  type ItemOutcome,
} from '#shared/ingest/ingest';
import { nestsDeeperThan } from '#shared/json/depth';
import { INTERNAL_OPTIONS, INTERNAL_PROVIDER_ID, internalProvider } from '#shared/providers/internal/index';
import type { SettledDomainEvent } from '#shared/providers/internal/schemas';
import { formatIssue, type WebhookRequest } from '#shared/providers/types';
import type { EventQueue } from '#shared/queue/event-queue';
import type { EventStore } from '#shared/store/event-store';
import type { RawBodies } from '#shared/store/raw-bodies';
import { eventIdOf, idempotencyKeyOf } from '#shared/store/records';
import {
  DomainEventInputSchema,
  type DomainEventInput,
  type DomainEventOrigin,
  type DomainEventPublisher,
  type PublishedEvent,
} from './contract';
import { BatchTooLargeError, UnknownTenantError } from './errors';

/** What the publisher needs from outside: the event store and queue the verifiers use, and a clock. */
export interface PublisherDependencies {
  readonly store: EventStore;
  readonly queue: EventQueue;
  /** Where a body too large for the table goes (the store's claim check). */
  readonly rawBodies: RawBodies;
  readonly now: () => Date;
  /** The idempotency key of an event published without one. @default a random UUID */
  readonly newKey?: () => string;
}

export interface PublisherSettings {
  /** Every tenant, `default` included. */
  readonly tenants: ReadonlySet<string>;
  /** The largest canonical body one publish may store (the verifiers' limit). */
  readonly maxBodyBytes: number;
  /** Compressed bodies above this go to S3. */
  readonly inlineBodyMaxBytes: number;
  /** How long a RECEIVED event is left to the publish that created it (decision 0045). */
  readonly ingestLeaseSeconds: number;
}

/**
 * Events one publish takes. The answer names every event with its outcome, and the ingest lists
 * at most this many items (functions/ingest/ingest.ts LISTED_ITEMS), so a batch always finishes
 * in one chunk of the ingest: no event of it is ever deferred.
 */
export const MAX_EVENTS_PER_PUBLISH = 100;

/** Deeper than this the ingest quarantines an event: refused here instead, with the reason. */
const MAX_DATA_DEPTH = 256;
/** Longer entity names the ingest quarantines (they would bloat every state write). */
const MAX_NAME_LENGTH = 256;

import { ORIGIN_HEADER } from '#shared/producer/origin';

export { ORIGIN_HEADER };

/**
 * The ingest needs an active secret before it verifies; the internal provider checks none, so
 * this stands in for one. It is never compared with anything.
 */
const NO_SECRET: readonly string[] = ['internal'];

/**
 * What the ingest's item outcomes are to a producer. `reopened` (a dead-lettered event published
 * again) is sent again like a requeued one; `quarantined` cannot be processed, so it is refused.
 */
const OUTCOME: Readonly<Record<ItemOutcome, PublishedEvent['outcome']>> = {
  accepted: 'accepted',
  duplicate: 'duplicate',
  requeued: 'requeued',
  reopened: 'requeued',
  'in-progress': 'in-progress',
  deferred: 'deferred',
  quarantined: 'rejected',
};

/**
 * zod/mini carries no messages ("Invalid input"); a producer needs to know what to fix. English
 * alone is loaded, per parse: all of zod's locales would add 260 KB to the bundle.
 */
const MESSAGES = { error: english().localeError };

/** The event as the contract reads it, or why it cannot be published. */
export const readDomainEvent = (
  input: unknown,
): { readonly event: DomainEventInput } | { readonly error: string } => {
  const parsed = DomainEventInputSchema.safeParse(input, MESSAGES);
  if (!parsed.success)
    return { error: parsed.error.issues.map((issue) => formatIssue([], issue)).join('; ') };
  const event = parsed.data;
  if (nestsDeeperThan(event.data, MAX_DATA_DEPTH))
    return { error: `data: nests deeper than ${MAX_DATA_DEPTH} levels` };
  if (event.entity.kind.length > MAX_NAME_LENGTH || event.entity.id.length > MAX_NAME_LENGTH)
    return { error: `entity: kind and id are at most ${MAX_NAME_LENGTH} characters` };
  return { event };
};

const OfferedKeySchema = z.looseObject({
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH))),
});

/** Per event of a publish: refused by validation, a repeat of an earlier event of the batch, or to ingest. */
type Planned =
  | { readonly kind: 'rejected'; readonly error: string; readonly idempotencyKey?: string }
  | { readonly kind: 'repeat'; readonly of: number }
  | { readonly kind: 'ingest'; readonly event: SettledDomainEvent; readonly position: number };

/**
 * Publishes domain events through the ingest state machine, as the internal provider's
 * deliveries (docs/decisions/0047-domain-events.md): each event is stored, audited, deduplicated
 * by (tenant, type, idempotency key) and queued grouped by its entity, exactly as a webhook's.
 * The producer function uses it for the API, EventBridge sources and schedules; the consumer for
 * a workflow step's `ctx.emit`.
 */
export class IngestPublisher implements DomainEventPublisher {
  private readonly ingestDependencies: IngestDependencies;
  private readonly ingestSettings: IngestSettings;
  private readonly newKey: () => string;

  constructor(
    private readonly deps: PublisherDependencies,
    private readonly settings: PublisherSettings,
  ) {
    this.ingestDependencies = {
      store: deps.store,
      queue: deps.queue,
      rawBodies: deps.rawBodies,
      secretsFor: () => Promise.resolve(NO_SECRET),
      now: deps.now,
    };
    this.ingestSettings = {
      tenants: settings.tenants,
      maxBodyBytes: settings.maxBodyBytes,
      inlineBodyMaxBytes: settings.inlineBodyMaxBytes,
      ingestLeaseSeconds: settings.ingestLeaseSeconds,
    };
    this.newKey = deps.newKey ?? randomUUID;
  }

  publish(
    tenant: string,
    events: readonly DomainEventInput[],
    origin: DomainEventOrigin,
    correlationId?: string,
  ): Promise<readonly PublishedEvent[]> {
    return this.publishItems(tenant, events, origin, correlationId);
  }

  /**
   * {@link publish} for events as a caller sent them (parsed JSON): each is checked against the
   * contract on its own, so that an invalid one is refused with its reason and the valid ones
   * go through. The answer has one entry per item, in order.
   * @throws UnknownTenantError, BatchTooLargeError (nothing stored); InfrastructureError when our
   *   own storage or queue fails (what was stored stays, and the same publish again completes it)
   */
  async publishItems(
    tenant: string,
    items: readonly unknown[],
    origin: DomainEventOrigin,
    correlationId?: string,
  ): Promise<readonly PublishedEvent[]> {
    if (!this.settings.tenants.has(tenant)) throw new UnknownTenantError(tenant);
    if (items.length > MAX_EVENTS_PER_PUBLISH)
      throw new BatchTooLargeError(
        `${items.length} events in one publish; at most ${MAX_EVENTS_PER_PUBLISH} are taken.`,
      );
    const plan = this.plan(items);
    const settled = plan.flatMap((p) => (p.kind === 'ingest' ? [p.event] : []));
    const ingested = settled.length > 0 ? await this.ingest(tenant, settled, origin, correlationId) : [];
    const eventIdOfKey = (event: Pick<SettledDomainEvent, 'type' | 'idempotencyKey'>) =>
      eventIdOf(idempotencyKeyOf(tenant, INTERNAL_PROVIDER_ID, event.type, event.idempotencyKey));

    const answers: PublishedEvent[] = [];
    plan.forEach((planned, index) => {
      if (planned.kind === 'rejected') {
        answers.push({
          index,
          idempotencyKey: planned.idempotencyKey ?? '',
          outcome: 'rejected',
          error: planned.error,
        });
        return;
      }
      if (planned.kind === 'repeat') {
        const first = answers[planned.of];
        answers.push({
          index,
          idempotencyKey: first?.idempotencyKey ?? '',
          ...(first?.eventId ? { eventId: first.eventId } : {}),
          outcome: 'duplicate',
        });
        return;
      }
      const item = ingested[planned.position];
      const outcome = item ? OUTCOME[item.outcome] : 'deferred';
      answers.push({
        index,
        idempotencyKey: planned.event.idempotencyKey,
        eventId: item?.eventId || eventIdOfKey(planned.event),
        outcome,
        ...(item?.outcome === 'quarantined'
          ? { error: 'stored QUARANTINED: it could not be stored whole; see relayflow events show' }
          : {}),
      });
    });
    return answers;
  }

  /**
   * Checks each item, settles its idempotency key (a generated one for an event without), and
   * finds repeats within the batch: the same (type, key) twice is one event, so the second is
   * answered as a duplicate of the first instead of racing it through the ingest.
   */
  private plan(items: readonly unknown[]): Planned[] {
    const firstOf = new Map<string, number>();
    let position = 0;
    return items.map((item, index): Planned => {
      const result = readDomainEvent(item);
      if ('error' in result) {
        // The answer names a refused event by its key too, when it had a usable one.
        const key = OfferedKeySchema.safeParse(item);
        return {
          kind: 'rejected',
          error: result.error,
          ...(key.success && key.data.idempotencyKey ? { idempotencyKey: key.data.idempotencyKey } : {}),
        };
      }
      const event = { ...result.event, idempotencyKey: result.event.idempotencyKey ?? this.newKey() };
      const identity = JSON.stringify([event.type, event.idempotencyKey]);
      const earlier = firstOf.get(identity);
      if (earlier !== undefined) return { kind: 'repeat', of: earlier };
      firstOf.set(identity, index);
      return { kind: 'ingest', event, position: position++ };
    });
  }

  /** Runs the settled events through the ingest as one internal delivery; its items, in order. */
  private async ingest(
    tenant: string,
    events: readonly SettledDomainEvent[],
    origin: DomainEventOrigin,
    correlationId: string | undefined,
  ) {
    const body = Buffer.from(JSON.stringify({ events }));
    if (body.length > this.settings.maxBodyBytes)
      throw new BatchTooLargeError(
        `The events take ${body.length} bytes; at most ${this.settings.maxBodyBytes} are taken in one publish.`,
      );
    const receivedAt = this.deps.now();
    const request: WebhookRequest = {
      method: 'POST',
      url: `relayflow:domain-events/${origin.kind}`,
      path: '/events',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', [ORIGIN_HEADER]: JSON.stringify(origin) },
      body,
      sourceIp: '',
    };
    const result = await ingestWebhook(
      this.ingestDependencies,
      this.ingestSettings,
      internalProvider,
      INTERNAL_OPTIONS,
      { tenant, request, correlationId: correlationId ?? uuidV7(receivedAt), receivedAt },
    );
    // Tenant, method and size were checked above, and the internal provider refuses nothing.
    if (result.kind !== 'ingested' && result.kind !== 'unfinished')
      throw new Error(`the ingest refused a domain event body (${result.kind})`);
    return result.items;
  }
}
