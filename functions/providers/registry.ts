import type { Provider, ProviderOptions } from '#shared/providers/types';
import { githubOptionsSchema, githubProvider } from '#shared/providers/github/index';
import { hubspotOptionsSchema, hubspotProvider } from '#shared/providers/hubspot/index';
import { mailgunOptionsSchema, mailgunProvider } from '#shared/providers/mailgun/index';
import { postmarkOptionsSchema, postmarkProvider } from '#shared/providers/postmark/index';
import { sendgridOptionsSchema, sendgridProvider } from '#shared/providers/sendgrid/index';
import { shopifyOptionsSchema, shopifyProvider } from '#shared/providers/shopify/index';
import { standardWebhooksOptionsSchema, standardWebhooksProvider } from '#shared/providers/standard-webhooks/index';
import { stripeOptionsSchema, stripeProvider } from '#shared/providers/stripe/index';
import { twilioOptionsSchema, twilioProvider } from '#shared/providers/twilio/index';

/** A schema as the registry needs it: anything with zod's `safeParse`. */
export interface OptionsSchema<Options> {
  safeParse(input: unknown): { success: true; data: Options } | { success: false; error: { issues: readonly ZodIssueLike[] } };
}
export interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export interface ProviderEntry<Options extends ProviderOptions = ProviderOptions> {
  readonly provider: Provider<Options>;
  readonly optionsSchema: OptionsSchema<Options>;
}

const entry = <Options extends ProviderOptions>(
  provider: Provider<Options>,
  optionsSchema: OptionsSchema<Options>,
): ProviderEntry => ({ provider, optionsSchema });

/**
 * Every built-in provider, by id. Only tooling that must know all providers reads this (the CDK
 * app, the operator CLI, replay's re-normalization); each ingest Lambda imports just its own.
 */
export const builtInProviders: Readonly<Record<string, ProviderEntry>> = {
  stripe: entry(stripeProvider, stripeOptionsSchema),
  github: entry(githubProvider, githubOptionsSchema),
  shopify: entry(shopifyProvider, shopifyOptionsSchema),
  'standard-webhooks': entry(standardWebhooksProvider, standardWebhooksOptionsSchema),
  hubspot: entry(hubspotProvider, hubspotOptionsSchema),
  twilio: entry(twilioProvider, twilioOptionsSchema),
  sendgrid: entry(sendgridProvider, sendgridOptionsSchema),
  postmark: entry(postmarkProvider, postmarkOptionsSchema),
  mailgun: entry(mailgunProvider, mailgunOptionsSchema),
};
