import type { Entity } from '#shared/contract/integration-event';
import { parseUtf8Json, type ParsedBody } from '#shared/providers/parsed-body';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import type { ShopifyOptions } from './index';
import type { ShopifyPayload } from './schemas';
import { ShopifyPayloadSchema } from './schemas';

/** Shopify topics with a canonical name; every other topic becomes `shopify.<topic>`. */
export const SHOPIFY_CANONICAL_TYPES: ReadonlyMap<string, string> = new Map([
  ['orders/create', 'order.created'],
  ['orders/updated', 'order.updated'],
  ['orders/paid', 'order.paid'],
  ['orders/cancelled', 'order.cancelled'],
  ['orders/fulfilled', 'order.fulfilled'],
  ['customers/create', 'customer.created'],
  ['customers/update', 'customer.updated'],
  ['customers/delete', 'customer.deleted'],
]);

/**
 * The GraphQL type of the object that a topic's resource delivers (`orders/create` sends an
 * Order). Shopify signs the body but not X-Shopify-Topic, so a body whose `admin_graphql_api_id`
 * names another type was relabeled. Resources not listed, and bodies without that id (the GDPR
 * topics, `orders/edited`), are not checked.
 */
const GRAPHQL_TYPE_BY_RESOURCE: ReadonlyMap<string, string> = new Map([
  ['orders', 'Order'],
  ['customers', 'Customer'],
  ['products', 'Product'],
  ['draft_orders', 'DraftOrder'],
  ['fulfillments', 'Fulfillment'],
  ['refunds', 'Refund'],
  ['collections', 'Collection'],
  ['inventory_items', 'InventoryItem'],
  ['locations', 'Location'],
  ['order_transactions', 'OrderTransaction'],
  ['companies', 'Company'],
  ['company_locations', 'CompanyLocation'],
  ['company_contacts', 'CompanyContact'],
  ['selling_plan_groups', 'SellingPlanGroup'],
]);

// None of these headers is signed: accept only the shapes Shopify sends.
const TOPIC = /^[a-z0-9_]{1,64}(?:\/[a-z0-9_]{1,64}){1,2}$/;
const EVENT_ID = /^[0-9A-Za-z-]{1,64}$/;
const SHOP_DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,4}[A-Za-z]{2,63}$/;
const GRAPHQL_ID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const MAX_DATE_MS = 8.64e15;

interface Resource {
  readonly id?: number | string | null;
  readonly admin_graphql_api_id?: string | null;
}

const header = (request: WebhookRequest, name: string, shape: RegExp): string | undefined => {
  const value = request.headers[name]?.trim();
  return value !== undefined && shape.test(value) ? value : undefined;
};

/** The exact id: from the GraphQL id when present, as a JSON number above 2^53 was rounded. */
const idOf = (resource: Resource | null | undefined): { id: string; type?: string } | undefined => {
  const gid = GRAPHQL_ID.exec(resource?.admin_graphql_api_id ?? '');
  if (gid?.[1] !== undefined && gid[2] !== undefined) return { id: gid[2], type: gid[1] };
  const id = resource?.id;
  if (typeof id === 'string') return { id };
  if (typeof id === 'number' && Number.isInteger(id)) return { id: BigInt(id).toString() };
  return undefined;
};

/**
 * Why the body cannot be what the topic says; undefined when it can. `orders/paid` and
 * `orders/fulfilled` are not checked against `financial_status` and `fulfillment_status`: the
 * sample Shopify sends for them ("Send test notification") is a voided, unfulfilled order.
 */
const topicMismatch = (topic: string, payload: ShopifyPayload): string | undefined => {
  const [resource = ''] = topic.split('/');
  const expected = GRAPHQL_TYPE_BY_RESOURCE.get(resource);
  const actual = GRAPHQL_ID.exec(payload.admin_graphql_api_id ?? '')?.[1];
  if (expected !== undefined && actual !== undefined && actual !== expected) {
    return `${topic} delivers type ${expected}, admin_graphql_api_id names type ${actual}.`;
  }
  if (
    topic === 'orders/cancelled' &&
    (typeof payload.cancelled_at !== 'string' || payload.cancelled_at === '')
  ) {
    return 'an orders/cancelled body has a cancelled_at time, this one has none.';
  }
  return undefined;
};

const snakeCase = (type: string): string => type.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();

/**
 * Orders, and what belongs to an order (refunds, fulfillments: `order_id`), share the order's
 * group; customers theirs. The shop domain prefixes the id so that two shops never share a group.
 */
const entityOf = (topic: string, shop: string | undefined, payload: ShopifyPayload): Entity | undefined => {
  if (shop === undefined) return undefined;
  const [resource = ''] = topic.split('/');
  const own = idOf(payload);
  let entity: { kind: string; id: string } | undefined;
  if (resource === 'orders') entity = own && { kind: 'order', id: own.id };
  else if (resource === 'customers') {
    const customer = own ?? idOf(payload.customer);
    entity = customer && { kind: 'customer', id: customer.id };
  } else {
    const order = idOf({ id: payload.order_id });
    if (order) entity = { kind: 'order', id: order.id };
    else if (own) entity = { kind: own.type === undefined ? resource : snakeCase(own.type), id: own.id };
  }
  return entity && { kind: entity.kind, id: `${shop}:${entity.id}` };
};

const toIso = (value: string | null | undefined): string | undefined => {
  if (value === null || value === undefined || !ISO_DATE_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : undefined;
};

/** Shopify posts one resource as UTF-8 JSON. */
export const readShopifyBody = (request: WebhookRequest): ParsedBody => parseUtf8Json(request.body);

/** Reads one parsed Shopify webhook into a draft keyed by its event id. */
export const normalizeShopifyBody = (
  body: ParsedBody,
  request: WebhookRequest,
  _options: ShopifyOptions,
): NormalizedItem[] => {
  const providerType = header(request, 'x-shopify-topic', TOPIC);
  const externalId =
    header(request, 'x-shopify-event-id', EVENT_ID) ?? header(request, 'x-shopify-webhook-id', EVENT_ID);
  if (providerType === undefined || externalId === undefined) {
    return [
      {
        kind: 'unreadable',
        externalId,
        providerType,
        reason: 'X-Shopify-Topic or X-Shopify-Event-Id (and X-Shopify-Webhook-Id) is missing or malformed.',
      },
    ];
  }
  if (!body.ok) return [{ kind: 'unreadable', externalId, providerType, reason: 'Body is not UTF-8 JSON.' }];
  const parsed = body.value;
  const result = ShopifyPayloadSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`)
      .join('; ');
    return [
      {
        kind: 'unreadable',
        externalId,
        providerType,
        reason: `Body is not a Shopify webhook payload: ${issues}.`,
        data: parsed,
      },
    ];
  }
  const payload = result.data;
  const mismatch = topicMismatch(providerType, payload);
  if (mismatch !== undefined) {
    return [
      {
        kind: 'unreadable',
        externalId,
        providerType,
        reason: `X-Shopify-Topic does not fit the body: ${mismatch}`,
        data: parsed,
      },
    ];
  }
  const shop = header(request, 'x-shopify-shop-domain', SHOP_DOMAIN)?.toLowerCase();
  return [
    {
      kind: 'event',
      draft: {
        providerType,
        externalId,
        type: SHOPIFY_CANONICAL_TYPES.get(providerType) ?? `shopify.${providerType}`,
        entity: entityOf(providerType, shop, payload),
        occurredAt:
          toIso(payload.updated_at) ??
          toIso(payload.created_at) ??
          toIso(request.headers['x-shopify-triggered-at']?.trim()),
        data: payload,
      },
    },
  ];
};

export const normalizeShopify = (request: WebhookRequest, options: ShopifyOptions): NormalizedItem[] =>
  normalizeShopifyBody(readShopifyBody(request), request, options);
