import { chosenSecret, type ProviderSetup, type RequestHeader } from '#shared/providers/setup';
import type { GenericHmacOptions } from './schemas';

/** The sender keys its HMAC with the secret's UTF-8 bytes, whatever the signature's encoding. */
const MIN_SECRET_LENGTH = 16;

const describeSignature = (options: GenericHmacOptions) =>
  `${options.prefix ?? ''}<${options.encoding} HMAC-${options.algorithm.toUpperCase()}>`;

/** The headers a declared sender's requests carry, from its options. */
const headersOf = (options: GenericHmacOptions): RequestHeader[] => [
  {
    name: options.signatureHeader,
    description: `${describeSignature(options)} of ${options.timestamp ? `"${options.timestamp.signedContent}"` : 'the body'}`,
    required: true,
  },
  ...(options.timestamp
    ? [{ name: options.timestamp.header, description: `unix ${options.timestamp.unit}`, required: true }]
    : []),
  ...('header' in options.id
    ? [{ name: options.id.header, description: 'the event id', required: true }]
    : []),
  ...('header' in options.type
    ? [{ name: options.type.header, description: 'the event type', required: true }]
    : []),
];

/** A sender declared in `genericHmac`: everything about it comes from its options. */
export const genericHmacSetup = (id: string, options: GenericHmacOptions): ProviderSetup => ({
  dashboard: "the sender's webhook settings: this URL as the destination",
  events: [],
  otherEvents: `the sender defines its types; each is stored as ${id}.<type>`,
  contentType: 'application/json',
  secretSource: 'the shared secret configured on the sender (its dashboard, or the value you gave it)',
  secret: {
    expected: `the secret ${id} signs with: at least ${MIN_SECRET_LENGTH} characters without control characters (its UTF-8 bytes key the HMAC, whatever the signature's ${options.encoding} encoding)`,
    parse: chosenSecret(MIN_SECRET_LENGTH),
  },
  verification: `${options.signatureHeader} is ${describeSignature(options)} of ${options.timestamp ? `"${options.timestamp.signedContent}"` : 'the body'}, keyed with the secret${options.timestamp ? `; ${options.timestamp.header} must be within the tolerance` : ''}.`,
  request: { bodies: { 'application/json': 'object' }, headers: headersOf(options) },
});
