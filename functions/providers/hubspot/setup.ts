import { matching, type ProviderSetup } from '#shared/providers/setup';

const OBJECTS = ['contact', 'company', 'deal'];
/** The actions the normalizer maps to created, deleted, property_changed and updated. */
const ACTIONS = ['creation', 'deletion', 'propertyChange', 'merge', 'associationChange', 'restore'];

/**
 * HubSpot: an app's webhook subscriptions, signed (v3) with the app's client secret, which HubSpot
 * shows as a UUID. The URL is signed too: it must be entered exactly as the stack prints it.
 */
export const hubspotSetup: ProviderSetup = {
  dashboard:
    "your app's Webhooks settings (a legacy app: Developer account → Apps → your app → Webhooks; a project app: webhooks-hsmeta.json), this URL as the Target URL, exactly as printed",
  events: OBJECTS.flatMap((object) => ACTIONS.map((action) => `${object}.${action}`)),
  otherEvents:
    'any other subscription is stored as hubspot.<subscriptionType>; privacyDeletion stays unmapped on purpose',
  contentType: 'application/json (HubSpot always sends a JSON array of events)',
  secretSource: "the app's Client secret (Auth tab of the app's settings)",
  secret: {
    expected:
      "a HubSpot app's client secret: a UUID (8-4-4-4-12 lower-case hex digits, such as 00000000-0000-0000-0000-000000000000)",
    parse: matching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  },
  verification:
    'X-HubSpot-Signature-v3 is the base64 HMAC-SHA256 of method + URL + body + X-HubSpot-Request-Timestamp (milliseconds), keyed with the client secret; the timestamp must be within 5 minutes.',
  request: {
    bodies: { 'application/json': 'array' },
    headers: [
      {
        name: 'X-HubSpot-Signature-v3',
        description: 'base64 HMAC-SHA256 of method + URL + body + timestamp',
        required: true,
      },
      { name: 'X-HubSpot-Request-Timestamp', description: 'unix milliseconds', required: true },
    ],
  },
};
