import type { IncomingMessage, ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { githubOptionsSchema, githubProvider } from '#shared/providers/github/index';
import { stripeOptionsSchema, stripeProvider } from '#shared/providers/stripe/index';
import type { NormalizedItem, Provider, VerifyResult, WebhookRequest } from '#shared/providers/types';
import type { ApiContext } from '#shared/reconciliation/contract';
import { idempotencyKeyOf } from '#shared/store/records';
import { listenOnLoopback, type RunningEmulator } from '../../local/emulators/loopback';
import {
  localApiCredentials,
  ProviderApiFakes,
  type ApiFakeProvider,
} from '../../local/emulators/provider-apis';

/** The webhook signing secrets the stand-in API verifies with (the stack's, locally). */
export const WEBHOOK_SECRETS: Readonly<Record<ApiFakeProvider, string>> = {
  stripe: 'whsec_provider_api_fakes_test',
  github: 'github-provider-api-fakes-test',
};

const WEBHOOK_PROVIDERS = {
  stripe: { provider: stripeProvider as Provider<never>, options: stripeOptionsSchema.parse({}) as never },
  github: { provider: githubProvider as Provider<never>, options: githubOptionsSchema.parse({}) as never },
};

/** What the stand-in API received at one webhook URL, and what our inbound verifier said of it. */
export interface ReceivedWebhook {
  readonly provider: ApiFakeProvider;
  readonly tenant: string | undefined;
  readonly request: WebhookRequest;
  readonly verified: VerifyResult;
  readonly items: NormalizedItem[];
}

/** The idempotency key the ingest gives what `items` normalized from, as reconciliation computes it. */
export const identityOf = (provider: ApiFakeProvider, items: readonly NormalizedItem[]): string => {
  const [item] = items;
  if (item === undefined) throw new Error('nothing normalized');
  const providerType = item.kind === 'event' ? item.draft.providerType : item.providerType;
  const externalId = item.kind === 'event' ? item.draft.externalId : item.externalId;
  if (providerType === undefined || externalId === undefined)
    throw new Error(`no identity in ${JSON.stringify(item)}`);
  return idempotencyKeyOf('default', provider, providerType, externalId);
};

/** Normalizes a request with the provider's webhook code, as the ingest and the run do. */
export const normalizeWith = (
  provider: ApiFakeProvider,
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Buffer },
): NormalizedItem[] => {
  const { provider: webhook, options } = WEBHOOK_PROVIDERS[provider];
  return webhook.normalize(
    {
      method: 'POST',
      url: 'https://relayflow.example/webhooks',
      path: '/webhooks',
      rawQueryString: '',
      headers: request.headers,
      body: request.body,
      sourceIp: '127.0.0.1',
    },
    options,
  );
};

export interface ProviderApiFakesUnderTest {
  readonly fakes: ProviderApiFakes;
  readonly received: ReceivedWebhook[];
  /** The stand-in API's answer to every later webhook (e.g. 500 while "deploying"). */
  answerWith(status: number | undefined): void;
  /** An API context for a provider, with the credentials the fakes accept unless others are given. */
  contextFor<C>(provider: ApiFakeProvider, credentials?: C): ApiContext<C>;
  stop(): Promise<void>;
}

/**
 * Starts the provider API fakes with a stand-in for the stack's API behind them: every webhook
 * they post goes through our inbound verifier and normalize, and is kept in `received`.
 */
export const startProviderApiFakes = async (
  options: { readonly now?: () => Date } = {},
): Promise<ProviderApiFakesUnderTest> => {
  const received: ReceivedWebhook[] = [];
  let forced: number | undefined;
  const now = options.now ?? (() => new Date());
  const receive = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await buffer(req);
    const path = req.url ?? '/';
    const [, , provider, tenant] = path.split('/') as [string, string, ApiFakeProvider, string | undefined];
    const request: WebhookRequest = {
      method: req.method ?? 'POST',
      url: `${api.endpoint}${path}`,
      path,
      rawQueryString: '',
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body,
      sourceIp: '127.0.0.1',
    };
    const { provider: webhook, options: webhookOptions } = WEBHOOK_PROVIDERS[provider];
    const verified = await webhook.verify({
      request,
      secrets: [WEBHOOK_SECRETS[provider]],
      now: now(),
      options: webhookOptions,
    });
    received.push({
      provider,
      tenant,
      request,
      verified,
      items: verified.ok ? webhook.normalize(request, webhookOptions) : [],
    });
    res.writeHead(forced ?? (verified.ok ? 202 : 401)).end();
  };
  const api: RunningEmulator = await listenOnLoopback('stand-in API', 0, (req, res) => receive(req, res));
  const endpoint = api.endpoint;
  const fakes = new ProviderApiFakes({
    now,
    routing: {
      target: (provider, tenant) => ({
        url: `${endpoint}/webhooks/${provider}${tenant ? `/${tenant}` : ''}`,
        secret: WEBHOOK_SECRETS[provider],
      }),
    },
  });
  await fakes.start();
  return {
    fakes,
    received,
    answerWith: (status) => {
      forced = status;
    },
    contextFor: <C>(provider: ApiFakeProvider, credentials?: C): ApiContext<C> => ({
      credentials: credentials ?? (localApiCredentials(provider) as C),
      fetch,
      baseUrl: fakes.urls[provider],
    }),
    stop: async () => {
      await fakes.stop();
      await api.stop();
    },
  };
};
