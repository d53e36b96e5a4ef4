import {
  genericHmacDefinition,
  identityWarnings,
  type GenericHmacOptions,
} from '#shared/providers/generic-hmac/index';
import { genericHmacSetup } from '#shared/providers/generic-hmac/setup';
import { createGenericHmacSigner } from '#shared/providers/generic-hmac/sign';
import { githubDefinition } from '#shared/providers/github/index';
import { githubSetup } from '#shared/providers/github/setup';
import { signGithubRequest } from '#shared/providers/github/sign';
import { hubspotDefinition } from '#shared/providers/hubspot/index';
import { hubspotSetup } from '#shared/providers/hubspot/setup';
import { signHubspotRequest } from '#shared/providers/hubspot/sign';
import { mailgunDefinition } from '#shared/providers/mailgun/index';
import { mailgunSetup } from '#shared/providers/mailgun/setup';
import { signMailgunRequest } from '#shared/providers/mailgun/sign';
import { postmarkDefinition } from '#shared/providers/postmark/index';
import { postmarkSetup } from '#shared/providers/postmark/setup';
import { signPostmarkRequest } from '#shared/providers/postmark/sign';
import { sendgridDefinition } from '#shared/providers/sendgrid/index';
import { sendgridSetup } from '#shared/providers/sendgrid/setup';
import { signSendgridRequest } from '#shared/providers/sendgrid/sign';
import type { ProviderSetup } from '#shared/providers/setup';
import { shopifyDefinition } from '#shared/providers/shopify/index';
import { shopifySetup } from '#shared/providers/shopify/setup';
import { signShopifyRequest } from '#shared/providers/shopify/sign';
import { standardWebhooksDefinition } from '#shared/providers/standard-webhooks/index';
import { standardWebhooksSetup } from '#shared/providers/standard-webhooks/setup';
import { signStandardWebhooksRequest } from '#shared/providers/standard-webhooks/sign';
import { stripeDefinition } from '#shared/providers/stripe/index';
import { stripeSetup } from '#shared/providers/stripe/setup';
import { signStripeRequest } from '#shared/providers/stripe/sign';
import { twilioDefinition } from '#shared/providers/twilio/index';
import { twilioSetup } from '#shared/providers/twilio/setup';
import { signTwilioRequest } from '#shared/providers/twilio/sign';
import {
  resolveDefinition,
  type BuiltInDefinition,
  type ProviderDefinition,
  type ProviderKind,
  type ProviderOptions,
  type Resolution,
  type ResolvedProvider,
} from '#shared/providers/types';

export type { OptionsSchema, ZodIssueLike } from '#shared/providers/types';

export interface UnsignedRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Signs a request as the provider does; some (Mailgun) sign inside the body. */
export type Signer = (
  request: UnsignedRequest,
  key: string,
  now: Date,
) => { headers: Record<string, string>; body: Buffer };

/** A configuration that works but weakens a guarantee: printed at synth under a stable id, which a team can acknowledge. */
export interface ProviderWarning {
  readonly id: string;
  readonly message: string;
}

export const UNSIGNED_IDENTITY_WARNING = 'relayflow:generic-hmac-unsigned-identity';

/** What tooling knows of a provider beyond what its verifier needs. */
interface Tooling<Options> {
  /** The test signer (`<id>/sign.ts`), for `relayflow send`, tests and benches. */
  signer(options: Options): Signer;
  /** What the signer takes: a verifier secret, or the private key of a provider that signs asymmetrically. */
  readonly signingKey: 'secret' | 'private-key';
  warnings?(id: string, options: Options): ProviderWarning[];
  /** Its dashboard, events, secret format and requests (`<id>/setup.ts`), for the CLI and the API description. */
  setup(id: string, options: Options): ProviderSetup;
}

export type ProviderEntry<Options extends ProviderOptions = ProviderOptions> = ProviderDefinition<Options> &
  Tooling<Options>;
export type BuiltInEntry<Options extends ProviderOptions = ProviderOptions> = BuiltInDefinition<Options> &
  Tooling<Options>;

const headersOnly =
  (sign: (request: UnsignedRequest, key: string, now: Date) => Record<string, string>): Signer =>
  (request, key, now) => ({ headers: sign(request, key, now), body: request.body });

const builtIn = <Options extends ProviderOptions>(
  definition: BuiltInDefinition<Options>,
  sign: Signer,
  setup: (options: Options) => ProviderSetup,
  tooling: Partial<Omit<Tooling<Options>, 'signer' | 'setup'>> = {},
): BuiltInEntry => {
  const entry: BuiltInEntry<Options> = {
    signingKey: 'secret',
    ...tooling,
    ...definition,
    signer: () => sign,
    setup: (_id, options) => setup(options),
  };
  return entry;
};

/**
 * Every built-in provider, by id. Only tooling that must know all providers reads this (the CDK
 * app, the operator CLI, replay's re-normalization); each ingest Lambda imports just its own.
 */
export const builtInProviders: Readonly<Record<string, BuiltInEntry>> = {
  stripe: builtIn(stripeDefinition, headersOnly(signStripeRequest), () => stripeSetup),
  github: builtIn(githubDefinition, headersOnly(signGithubRequest), () => githubSetup),
  shopify: builtIn(shopifyDefinition, headersOnly(signShopifyRequest), () => shopifySetup),
  'standard-webhooks': builtIn(
    standardWebhooksDefinition,
    headersOnly(signStandardWebhooksRequest),
    standardWebhooksSetup,
  ),
  hubspot: builtIn(hubspotDefinition, headersOnly(signHubspotRequest), () => hubspotSetup),
  twilio: builtIn(twilioDefinition, headersOnly(signTwilioRequest), () => twilioSetup),
  sendgrid: builtIn(sendgridDefinition, headersOnly(signSendgridRequest), () => sendgridSetup, {
    signingKey: 'private-key',
  }),
  postmark: builtIn(postmarkDefinition, headersOnly(signPostmarkRequest), () => postmarkSetup),
  mailgun: builtIn(mailgunDefinition, signMailgunRequest, () => mailgunSetup),
};

/** Any number of HMAC-signed senders declared in the configuration, each under its own id. */
export const genericHmacProvider: ProviderEntry<GenericHmacOptions> = {
  ...genericHmacDefinition,
  signer: (options) => headersOnly(createGenericHmacSigner(options)),
  signingKey: 'secret',
  setup: genericHmacSetup,
  warnings: (id, options) =>
    identityWarnings(id, options).map((message) => ({ id: UNSIGNED_IDENTITY_WARNING, message })),
};

/** A provider as the configuration declares it. */
export interface ProviderDeclaration {
  readonly id: string;
  readonly kind: ProviderKind;
  readonly options: unknown;
}

/** A declared provider, checked and built, with what tooling needs of it. */
export interface ResolvedEntry extends ResolvedProvider {
  readonly id: string;
  readonly kind: ProviderKind;
  readonly sign: Signer;
  readonly signingKey: 'secret' | 'private-key';
  readonly warnings: readonly ProviderWarning[];
  readonly setup: ProviderSetup;
}

/**
 * The one way to turn a declared provider into a working one, for built-in and generic HMAC
 * providers alike: replay, the configuration and the CLI call this; each verifier entry runs the
 * same `resolveDefinition` on its own provider's definition.
 */
export const resolveProvider = ({ id, kind, options }: ProviderDeclaration): Resolution<ResolvedEntry> => {
  const entry: ProviderEntry | undefined =
    kind === 'generic-hmac'
      ? genericHmacProvider
      : Object.hasOwn(builtInProviders, id)
        ? builtInProviders[id]
        : undefined;
  if (!entry) {
    return {
      success: false,
      issues: [
        { path: [], message: `unknown provider (known: ${Object.keys(builtInProviders).join(', ')})` },
      ],
    };
  }
  const resolved = resolveDefinition(entry, id, options);
  const taken =
    kind === 'generic-hmac' && Object.hasOwn(builtInProviders, id)
      ? ['id is taken by a built-in provider']
      : [];
  if (!resolved.success || taken.length > 0) {
    return {
      success: false,
      issues: [
        ...taken.map((message) => ({ path: [], message })),
        ...(resolved.success ? [] : resolved.issues),
      ],
    };
  }
  const { options: parsed } = resolved.data;
  return {
    success: true,
    data: {
      ...resolved.data,
      id,
      kind,
      sign: entry.signer(parsed),
      signingKey: entry.signingKey,
      warnings: entry.warnings?.(id, parsed) ?? [],
      setup: entry.setup(id, parsed),
    },
  };
};
