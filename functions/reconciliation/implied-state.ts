import type { IntegrationEvent } from '#shared/contract/integration-event';

/** The state of one provider entity that our applied events imply. */
export interface ImpliedState {
  readonly kind: string;
  readonly id: string;
  readonly field: string;
  readonly value: string;
}

interface Reader {
  /** Whether an event of this provider type can say anything of these kinds (saves reading its payload). */
  concerns(providerType: string, kinds: readonly string[]): boolean;
  /** What the event says the entity's state is, from the canonical event's `data`. */
  read(event: IntegrationEvent, kinds: readonly string[]): ImpliedState | undefined;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/**
 * Per provider, how an event names the state of an entity kind that drift compares. The drift
 * side of what each provider folder's normalize puts in `data` (the Stripe event whole; Twilio's
 * `status`), kept beside the run rather than in the folders, which nothing but ingest reads.
 */
const READERS: Readonly<Record<string, Reader>> = {
  // A Stripe event carries the object as it was then: `data.object` with its `object` kind and `status`.
  stripe: {
    concerns: (providerType, kinds) =>
      kinds.some((kind) =>
        providerType.startsWith(kind === 'subscription' ? 'customer.subscription.' : `${kind}.`),
      ),
    read: (event, kinds) => {
      const object = record(record(event.data.data)?.object);
      const kind = object?.object;
      const { id, status } = object ?? {};
      if (typeof kind !== 'string' || !kinds.includes(kind)) return undefined;
      if (typeof id !== 'string' || typeof status !== 'string') return undefined;
      return { kind, id, field: 'status', value: status };
    },
  },
  // Each Twilio status callback is an event about the message, whose status it names.
  twilio: {
    concerns: (providerType, kinds) => kinds.includes('message') && providerType.startsWith('message.'),
    read: (event, kinds) => {
      const { status } = event.data;
      if (!kinds.includes('message') || event.entity.kind !== 'message' || typeof status !== 'string')
        return undefined;
      return { kind: 'message', id: event.entity.id, field: 'status', value: status };
    },
  },
};

export const impliedStateReader = (provider: string): Reader | undefined =>
  Object.hasOwn(READERS, provider) ? READERS[provider] : undefined;
