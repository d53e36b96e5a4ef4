// Generated from functions/producer/client.ts by npm run build:client; do not edit.
/** A domain event as the producer API takes it (DomainEventInputSchema). */
export interface DomainEvent {
    /** Canonical type, `invoice.payment_failed`: letters, digits, `.`, `_` and `-`, at most 256. */
    type: string;
    /** What orders it: events of one entity are processed in order. `{ kind: 'event', … }` names none. */
    entity: {
        kind: string;
        id: string;
    };
    data: Record<string, unknown>;
    /** The same key (and type) twice is one event. @default generated before the first attempt */
    idempotencyKey?: string;
    /** ISO 8601 with an offset. @default when the stack receives it */
    occurredAt?: string;
}
/** What became of one event: its key (the generated one, when it had none) and its outcome. */
export interface PublishedEvent {
    readonly index: number;
    readonly idempotencyKey: string;
    readonly eventId?: string;
    readonly outcome: 'accepted' | 'duplicate' | 'requeued' | 'in-progress' | 'deferred' | 'rejected';
    readonly error?: string;
}
export interface PublishResult {
    /** 202 when anything was new, 200 when every valid event was already known. */
    readonly status: 200 | 202;
    readonly correlationId: string;
    /** One per event published, in order. */
    readonly events: readonly PublishedEvent[];
}
/** AWS credentials, as the SDK's providers give them. */
export interface Credentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
}
export interface PublishOptions {
    /** The stack's ProducerUrl output (`https://…/events`). */
    readonly url: string;
    /** Publish for this tenant (`…/events/<tenant>`). @default the default tenant */
    readonly tenant?: string;
    /** @default the region of an execute-api URL, else AWS_REGION, else AWS_DEFAULT_REGION */
    readonly region?: string;
    /** @default the AWS SDK's default credential provider chain */
    readonly credentials?: Credentials | (() => Promise<Credentials>);
    /** Attempts in all; a retry sends the same events with the same keys. @default 3 */
    readonly maxAttempts?: number;
    /** Kept as the prefix of the correlation id the stack gives this publish (8–128 of `A-Za-z0-9._:-`). */
    readonly correlationId?: string;
    readonly fetch?: typeof fetch;
    readonly sleep?: (ms: number) => Promise<void>;
    /** For the retry delays (full jitter). @default Math.random */
    readonly random?: () => number;
    /** The key of an event without one. @default a random UUID */
    readonly newKey?: () => string;
}
/** The producer API refused the publish (400, 403, 404, 413), or kept failing until the attempts ran out. */
export declare class PublishError extends Error {
    /** The last HTTP status, undefined when the stack could not be reached. */
    readonly status: number | undefined;
    /** Per event, when the answer had them (a 400 names why each event was refused). */
    readonly events: readonly PublishedEvent[] | undefined;
    constructor(message: string, status: number | undefined, events?: readonly PublishedEvent[]);
}
/**
 * Publishes domain events to a RelayFlow stack (docs/workflows.md, "Domain events"): signs the
 * request with SigV4 for `execute-api`, retries throttling, 5xx answers and network failures with
 * full-jitter backoff, and returns what became of each event. Every event has its idempotency key
 * before the first attempt, so a retry sends the same keys: an event stored by an attempt whose
 * answer was lost is answered `duplicate`, never published twice.
 * @throws PublishError when the stack refuses the publish or every attempt failed
 */
export declare const publishEvents: (events: DomainEvent | readonly DomainEvent[], options: PublishOptions) => Promise<PublishResult>;
