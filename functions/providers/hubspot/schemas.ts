import * as z from 'zod/mini';

const id = z.union([z.number().check(z.int(), z.nonnegative()), z.string().check(z.regex(/^\d{1,30}$/))]);

/**
 * One element of a HubSpot webhooks v3 batch: only the fields RelayFlow reads. The type is in
 * `subscriptionType` in deliveries; HubSpot's current docs example spells it `eventType`.
 */
export const HubspotEventSchema = z.looseObject({
  eventId: id,
  subscriptionType: z.optional(z.string().check(z.minLength(1))),
  eventType: z.optional(z.string().check(z.minLength(1))),
  /** Generic (`object.*`) subscriptions name the object type here: `0-1` contact, `0-2` company, `0-3` deal. */
  objectTypeId: z.optional(z.string()),
  objectId: z.optional(id),
  /** associationChange events name the object they are about here rather than in objectId. */
  fromObjectId: z.optional(id),
  /** merge events name the surviving record here. */
  primaryObjectId: z.optional(id),
  occurredAt: z.optional(z.number().check(z.int(), z.gte(0), z.lte(8.64e15))),
});
export type HubspotEvent = z.infer<typeof HubspotEventSchema>;

export const HubspotOptionsSchema = z.object({
  /** HubSpot's docs say to refuse timestamps older than 5 minutes; applied in both directions. */
  toleranceSeconds: z._default(z.number().check(z.int(), z.positive()), 300),
});
export type HubspotOptions = z.output<typeof HubspotOptionsSchema>;
