import { matching, type ProviderSetup } from '#shared/providers/setup';
import { SHOPIFY_CANONICAL_TYPES } from './normalize';

/**
 * Shopify signs an app's webhooks with the app's client secret (`shpss_` and 32 hex digits since
 * 2020, 32 hex digits before) and webhooks created in a store's admin with the 64-hex-digit key
 * shown under them.
 */
export const shopifySetup: ProviderSetup = {
  dashboard:
    'an app: a webhook subscription (shopify.app.toml or webhookSubscriptionCreate) with this URL as its HTTPS URI; a store: Settings → Notifications → Webhooks → Create webhook, this URL',
  events: [...SHOPIFY_CANONICAL_TYPES.keys()],
  otherEvents: 'any other topic you subscribe to is stored as shopify.<topic>',
  contentType: 'JSON (the webhook format)',
  secretSource:
    "an app's client secret (Dev Dashboard → Apps → your app → Settings → Secret), or for store webhooks the signing key shown under the store's webhook list",
  secret: {
    expected:
      "an app client secret (shpss_ followed by 32 hex digits, or 32 hex digits) or a store's 64-hex-digit webhook signing key",
    parse: matching(/^(?:(?:shpss_)?[0-9a-f]{32}|[0-9a-f]{64})$/),
  },
  verification:
    'X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the body, keyed with the secret. Shopify signs no timestamp and not its headers: a resent capture is a duplicate of the event its bytes first produced.',
  request: {
    bodies: { 'application/json': 'object' },
    headers: [
      { name: 'X-Shopify-Hmac-Sha256', description: 'base64 HMAC-SHA256 of the body', required: true },
      { name: 'X-Shopify-Topic', description: 'the topic (orders/create…)', required: true },
      {
        name: 'X-Shopify-Event-Id',
        description: 'the event id, the same for every subscription it reaches',
        required: false,
      },
      {
        name: 'X-Shopify-Webhook-Id',
        description: 'the delivery id, the event id when X-Shopify-Event-Id is absent',
        required: false,
      },
      {
        name: 'X-Shopify-Shop-Domain',
        description: 'the shop, which prefixes every entity',
        required: false,
      },
      {
        name: 'X-Shopify-Triggered-At',
        description: 'when the event happened, if the body says nothing',
        required: false,
      },
    ],
  },
};
