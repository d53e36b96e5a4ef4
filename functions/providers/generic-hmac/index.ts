import type * as z from 'zod/mini';
import type { Provider, ProviderDefinition } from '#shared/providers/types';
import { normalizeGenericHmac } from './normalize';
import { genericHmacOptionsSchema, unsignedIdentityFields, type GenericHmacOptions } from './schemas';
import { verifyGenericHmac } from './verify';

export { genericHmacOptionsSchema, type GenericHmacOptions, type GenericHmacOptionsInput } from './schemas';

/** A sender's id names its route, its Lambda and its stack outputs, whose names are bounded. */
const PROVIDER_ID = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

const idProblems = (id: string): string[] =>
  PROVIDER_ID.test(id)
    ? []
    : ['id must be lower-case letters, digits and dashes (it names the route and the event types)'];

/** A generic sender declared with options that cannot work; the message lists every problem. */
export class GenericHmacConfigError extends Error {
  constructor(
    readonly providerId: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Generic HMAC provider "${providerId}" is misconfigured:\n${problems.map((problem) => `- ${problem}`).join('\n')}`,
    );
    this.name = 'GenericHmacConfigError';
  }
}

const problemsOf = (error: z.core.$ZodError): string[] =>
  error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );

/**
 * Parses a team's declaration of one generic sender, applying defaults.
 * @throws GenericHmacConfigError listing every problem at once.
 */
export const parseGenericHmacOptions = (id: string, raw: unknown): GenericHmacOptions => {
  const parsed = genericHmacOptionsSchema.safeParse(raw);
  const problems = [...idProblems(id), ...(parsed.success ? [] : problemsOf(parsed.error))];
  if (problems.length > 0 || !parsed.success) throw new GenericHmacConfigError(id, problems);
  return parsed.data;
};

/**
 * What the CDK app prints at synth for a sender declared with `unsignedIdentity: true`: empty
 * otherwise, since without it an unsigned id or type is refused by the options schema.
 */
export const identityWarnings = (id: string, options: GenericHmacOptions): string[] => {
  if (!options.unsignedIdentity) return [];
  const fields = unsignedIdentityFields(options);
  if (fields.length === 0) {
    return [
      `Generic HMAC provider "${id}": unsignedIdentity is set but its id and type are signed; the option has no effect and can be removed.`,
    ];
  }
  return [
    `Generic HMAC provider "${id}": its event ${fields.join(' and ')} ${fields.length > 1 ? 'come' : 'comes'} from a header the signature does not cover (unsignedIdentity: true). ` +
      'A captured delivery resent with other headers is caught only by binding its signed bytes to the first event; prefer a sender that signs them.',
  ];
};

/**
 * A provider for one HMAC-signed sender a team declares in the config. The options are checked
 * here, so that a bad declaration fails at cold start; `verify` and `normalize` then use the
 * options the ingest passes them, like every other provider's.
 * @throws GenericHmacConfigError when `id` or `options` cannot work.
 */
export const createGenericHmacProvider = (
  id: string,
  options: GenericHmacOptions,
): Provider<GenericHmacOptions> => {
  parseGenericHmacOptions(id, options);
  return {
    id,
    verify: verifyGenericHmac,
    normalize: (request, providerOptions) => normalizeGenericHmac(id, request, providerOptions),
    identityFromUnsignedHeaders: (providerOptions) =>
      providerOptions.unsignedIdentity && unsignedIdentityFields(providerOptions).length > 0,
    signatureHeaders: (providerOptions) => [providerOptions.signatureHeader.toLowerCase()],
  };
};

/** What the registry and the generic HMAC verifier entry build a declared sender from. */
export const genericHmacDefinition: ProviderDefinition<GenericHmacOptions> = {
  kind: 'generic-hmac',
  optionsSchema: genericHmacOptionsSchema,
  idProblems,
  create: createGenericHmacProvider,
};
