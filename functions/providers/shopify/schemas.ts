import * as z from 'zod/mini';

const nonEmpty = () => z.string().check(z.minLength(1));

/** Shopify ids are 64-bit integers in JSON; beyond 2^53 JSON.parse rounds them, hence the GraphQL ids. */
const shopifyId = () => z.union([z.number(), nonEmpty()]);

const resource = {
  id: z.optional(z.nullable(shopifyId())),
  /** `gid://shopify/Order/820982911946154508`: the exact id as a string. */
  admin_graphql_api_id: z.optional(z.nullable(z.string())),
};

/** The fields of a Shopify webhook body that choose the entity and the event time. */
export const ShopifyPayloadSchema = z.looseObject({
  ...resource,
  order_id: z.optional(z.nullable(shopifyId())),
  customer: z.optional(z.nullable(z.looseObject(resource))),
  updated_at: z.optional(z.nullable(z.string())),
  cancelled_at: z.optional(z.unknown()),
  created_at: z.optional(z.nullable(z.string())),
});
export type ShopifyPayload = z.infer<typeof ShopifyPayloadSchema>;
