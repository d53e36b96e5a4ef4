import type { ProviderApi } from '#shared/reconciliation/contract';

/**
 * Every reconcilable provider's API, loaded on first use: a reconciliation run loads only the
 * providers its stack reconciles. Providers absent here cannot be asked what they sent
 * (docs/reconciliation.md says why for each).
 */
export const PROVIDER_API_LOADERS: Readonly<Record<string, () => Promise<ProviderApi<unknown>>>> = {
  stripe: () =>
    import('#shared/reconciliation/providers/stripe').then((m) => m.stripeApi as ProviderApi<unknown>),
  github: () =>
    import('#shared/reconciliation/providers/github').then((m) => m.githubApi as ProviderApi<unknown>),
  twilio: () =>
    import('#shared/reconciliation/providers/twilio').then((m) => m.twilioApi as ProviderApi<unknown>),
  postmark: () =>
    import('#shared/reconciliation/providers/postmark').then((m) => m.postmarkApi as ProviderApi<unknown>),
  mailgun: () =>
    import('#shared/reconciliation/providers/mailgun').then((m) => m.mailgunApi as ProviderApi<unknown>),
};

export const RECONCILABLE_PROVIDERS = Object.keys(PROVIDER_API_LOADERS);
