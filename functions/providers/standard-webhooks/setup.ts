import type { ProviderSetup } from '#shared/providers/setup';
import type { StandardWebhooksOptions } from './index';
import { parseVerificationKey, PUBLIC_KEY_PREFIX, SECRET_PREFIX, strictBase64 } from './keys';

/** The spec's symmetric secrets: at least 24 random bytes, at most 64 (512 bits). */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/**
 * A `whsec_` secret of the size the spec asks for, or a `whpk_` Ed25519 public key. The verifier
 * also reads a bare base64 secret, as the libraries do; asking for the prefix here catches a
 * value copied without it from somewhere that is not a Standard Webhooks sender.
 */
const parseSecret = (value: string): string | undefined => {
  if (value.startsWith(PUBLIC_KEY_PREFIX)) return parseVerificationKey(value) ? value : undefined;
  if (!value.startsWith(SECRET_PREFIX)) return undefined;
  const bytes = strictBase64(value.slice(SECRET_PREFIX.length))?.length ?? 0;
  return bytes >= MIN_SECRET_BYTES && bytes <= MAX_SECRET_BYTES ? value : undefined;
};

/** Any sender following the spec (Svix, Resend, Clerk, Lemon Squeezy…); its types are its own. */
export const standardWebhooksSetup = (options: StandardWebhooksOptions): ProviderSetup => ({
  dashboard: "the sender's webhook (endpoint) settings: add an endpoint with this URL",
  // Only the types the configuration maps (providers['standard-webhooks'].types) become canonical.
  events: Object.keys(options.types),
  otherEvents:
    Object.keys(options.types).length > 0
      ? 'any other type the sender offers is stored as standard-webhooks.<type>'
      : "the sender defines its types; each is stored as standard-webhooks.<type> (map some to canonical types with providers['standard-webhooks'].types)",
  contentType: 'application/json (the spec sends JSON)',
  secretSource: "the endpoint's signing secret (whsec_…) in the sender's dashboard, or its whpk_ public key",
  secret: {
    expected: `a Standard Webhooks secret: whsec_ followed by the base64 of ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, or whpk_ followed by the base64 of a 32-byte Ed25519 public key`,
    parse: parseSecret,
  },
  verification:
    'webhook-signature lists v1,<base64 HMAC-SHA256> (whsec_ secrets) or v1a,<base64 Ed25519> (whpk_ keys) entries over "<webhook-id>.<webhook-timestamp>." + the body; the timestamp must be within the tolerance (300 s by default).',
  request: {
    bodies: { 'application/json': 'object' },
    headers: [
      { name: 'webhook-id', description: 'the message id, which deduplicates', required: true },
      { name: 'webhook-timestamp', description: 'unix seconds of the attempt', required: true },
      {
        name: 'webhook-signature',
        description: 'space-separated v1,<base64> and v1a,<base64> entries',
        required: true,
      },
    ],
  },
});
