import * as z from 'zod/mini';
import { DomainEventInputSchema } from '#shared/producer/contract';

/**
 * One event of the body the publisher writes: a domain event of the contract whose idempotency
 * key is settled (given by the producer, or generated before the first attempt).
 */
export const SettledDomainEventSchema = z.extend(DomainEventInputSchema, {
  idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
});
export type SettledDomainEvent = z.infer<typeof SettledDomainEventSchema>;

/**
 * The body the publisher stores as the request's bytes: always a list, so that one event and a
 * batch are read alike. Elements are checked one by one, so that one bad element is one
 * unreadable item rather than a refused body.
 */
export const InternalBodySchema = z.strictObject({ events: z.array(z.unknown()) });
