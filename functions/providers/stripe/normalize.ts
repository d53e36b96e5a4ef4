import type { Entity } from '#shared/contract/integration-event';
import { parseUtf8Json, type ParsedBody } from '#shared/providers/parsed-body';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import type { StripeOptions } from './index';
import type { StripeEvent } from './schemas';
import { StripeEventSchema } from './schemas';

/** Stripe event types with a canonical name; every other type becomes `stripe.<type>`. */
export const STRIPE_CANONICAL_TYPES: ReadonlyMap<string, string> = new Map([
  ['payment_intent.succeeded', 'payment.succeeded'],
  ['payment_intent.payment_failed', 'payment.failed'],
  ['charge.refunded', 'payment.refunded'],
  ['invoice.paid', 'invoice.paid'],
  ['invoice.payment_failed', 'invoice.payment_failed'],
  ['customer.created', 'customer.created'],
  ['customer.updated', 'customer.updated'],
  ['customer.deleted', 'customer.deleted'],
  ['customer.subscription.created', 'subscription.created'],
  ['customer.subscription.updated', 'subscription.updated'],
  ['customer.subscription.deleted', 'subscription.canceled'],
  ['checkout.session.completed', 'checkout.completed'],
]);

/** Events about one customer share its group; otherwise the object orders its own events. */
const entityOf = (object: StripeEvent['data']['object']): Entity | undefined => {
  if (typeof object.customer === 'string' && object.customer !== '')
    return { kind: 'customer', id: object.customer };
  if (object.id === undefined || object.object === undefined) return undefined;
  return { kind: object.object, id: object.id };
};

const stringField = (value: unknown, key: string): string | undefined => {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
  const field: unknown = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field !== '' ? field : undefined;
};

/** Stripe posts one event as UTF-8 JSON. */
export const readStripeBody = (request: WebhookRequest): ParsedBody => parseUtf8Json(request.body);

/** Reads one parsed Stripe event into a draft. */
export const normalizeStripeBody = (
  body: ParsedBody,
  _request: WebhookRequest,
  _options: StripeOptions,
): NormalizedItem[] => {
  if (!body.ok) return [{ kind: 'unreadable', reason: 'Body is not UTF-8 JSON.' }];
  const parsed = body.value;
  const result = StripeEventSchema.safeParse(parsed);
  if (!result.success) {
    return [
      {
        kind: 'unreadable',
        externalId: stringField(parsed, 'id'),
        providerType: stringField(parsed, 'type'),
        reason: `Body is not a Stripe event: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}.`,
        data: parsed,
      },
    ];
  }
  const event = result.data;
  return [
    {
      kind: 'event',
      draft: {
        providerType: event.type,
        externalId: event.id,
        type: STRIPE_CANONICAL_TYPES.get(event.type) ?? `stripe.${event.type}`,
        entity: entityOf(event.data.object),
        occurredAt: new Date(event.created * 1000).toISOString(),
        data: event,
      },
    },
  ];
};

export const normalizeStripe = (request: WebhookRequest, options: StripeOptions): NormalizedItem[] =>
  normalizeStripeBody(readStripeBody(request), request, options);
