import type { IncomingMessage, ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { mailgunOptionsSchema, mailgunProvider } from '#shared/providers/mailgun/index';
import { postmarkOptionsSchema, postmarkProvider } from '#shared/providers/postmark/index';
import { twilioOptionsSchema, twilioProvider } from '#shared/providers/twilio/index';
import type { EventDraft, NormalizedItem, Provider, WebhookRequest } from '#shared/providers/types';
import {
  ProviderApiError,
  type ApiContext,
  type ProviderApi,
  type SentRecord,
} from '#shared/reconciliation/contract';
import { ChannelFakes } from '../../../local/emulators/channels';
import { listenOnLoopback, type RunningEmulator } from '../../../local/emulators/loopback';

/**
 * What the three message providers' reconciliation tests share: the local channel fakes, a
 * stand-in for the webhook API that verifies and normalizes each receipt with the provider's own
 * code, a settable clock, and the identity (`providerType#externalId`) a normalize gives.
 */

export type MessageProvider = 'twilio' | 'postmark' | 'mailgun';

const SECRETS: Record<MessageProvider, string> = {
  postmark: 'relayflow:local-password',
  mailgun: 'mailgun-signing-key',
  twilio: 'twilio-auth-token',
};

const PROVIDERS = {
  postmark: {
    provider: postmarkProvider as Provider<never>,
    options: postmarkOptionsSchema.parse({}) as never,
  },
  mailgun: { provider: mailgunProvider as Provider<never>, options: mailgunOptionsSchema.parse({}) as never },
  twilio: { provider: twilioProvider as Provider<never>, options: twilioOptionsSchema.parse({}) as never },
};

export const RECEIVED_AT = '2026-03-01T12:00:00.000Z';

/** The one event a request normalizes to. */
export const draftOf = (provider: MessageProvider, request: WebhookRequest): EventDraft => {
  const { provider: normalizer, options } = PROVIDERS[provider];
  const items: NormalizedItem[] = normalizer.normalize(request, options);
  const [item] = items;
  if (items.length !== 1 || item?.kind !== 'event') throw new Error(`expected one ${provider} event`);
  return item.draft;
};

export const identityOf = (draft: EventDraft): string => `${draft.providerType}#${draft.externalId}`;

/** A record of `listSent` as its webhook request. */
export const requestOf = (provider: MessageProvider, record: SentRecord): WebhookRequest => ({
  method: 'POST',
  url: `https://hooks.example.com/webhooks/${provider}`,
  path: `/webhooks/${provider}`,
  rawQueryString: '',
  headers: { ...record.request.headers },
  body: record.request.body,
  sourceIp: '127.0.0.1',
});

/** A draft as the event the ingest would store, for an adapter's `receiptOf`. */
export const eventOf = (provider: MessageProvider, draft: EventDraft): IntegrationEvent => ({
  specVersion: '1.0',
  id: 'evt-reconciled',
  idempotencyKey: `acme#${provider}#${draft.providerType}#${draft.externalId}`,
  tenant: 'acme',
  provider,
  type: draft.type,
  providerType: draft.providerType,
  externalId: draft.externalId,
  entity: draft.entity ?? { kind: 'event', id: 'evt-reconciled' },
  occurredAt: draft.occurredAt ?? RECEIVED_AT,
  receivedAt: RECEIVED_AT,
  correlationId: 'corr-reconciled',
  data: draft.data,
});

/** Every record of a window, page after page. */
export const listAll = async <C>(
  api: ProviderApi<C>,
  window: { since: Date; until: Date },
  ctx: ApiContext<C>,
  options: Record<string, unknown> = {},
): Promise<{ records: SentRecord[]; pages: number }> => {
  const records: SentRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await api.listSent({ ...window, ...(cursor === undefined ? {} : { cursor }) }, options, ctx);
    records.push(...page.records);
    cursor = page.next;
    pages += 1;
    if (pages > 100) throw new Error('listSent pages without end');
  } while (cursor !== undefined);
  return { records, pages };
};

/** The error a call rejects with, which must be a ProviderApiError. */
export const apiError = async (call: Promise<unknown>): Promise<ProviderApiError> => {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderApiError))
    throw new Error(`expected a ProviderApiError, got ${String(error)}`);
  return error;
};

export interface FakesHarness {
  readonly fakes: ChannelFakes;
  /** The stand-in API's webhook URL of a provider. */
  webhookUrl(provider: MessageProvider): string;
  /** The drafts of every receipt the stand-in API verified, oldest first. */
  received(provider: MessageProvider): EventDraft[];
  /** The drafts the dropped receipts would have given. */
  dropped(provider: MessageProvider): EventDraft[];
  /** The fakes' clock, which the verifiers read too. */
  clock: { now: Date };
  /** Receipts scheduled from now on wait until {@link release}. */
  hold(): void;
  release(): void;
  stop(): Promise<void>;
}

export const startFakes = async (): Promise<FakesHarness> => {
  const clock = { now: new Date('2026-05-04T10:00:00.000Z') };
  const received: { provider: MessageProvider; draft: EventDraft }[] = [];
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  // Set once listening; the handler reads it for the URL a request came to.
  let endpoint = '';

  const receive = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await buffer(req);
    const path = req.url ?? '/';
    const provider = /^\/webhooks\/([^/]+)/.exec(path)?.[1] as MessageProvider;
    const request: WebhookRequest = {
      method: req.method ?? 'POST',
      url: `${endpoint}${path}`,
      path,
      rawQueryString: '',
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body,
      sourceIp: '127.0.0.1',
    };
    const { provider: verifier, options } = PROVIDERS[provider];
    const verified = await verifier.verify({
      request,
      secrets: [SECRETS[provider]],
      now: clock.now,
      options,
    });
    if (verified.ok) received.push({ provider, draft: draftOf(provider, request) });
    res.writeHead(verified.ok ? 200 : 401).end();
  };
  const api: RunningEmulator = await listenOnLoopback('stand-in API', 0, receive);
  endpoint = api.endpoint;

  const fakes = new ChannelFakes({
    receiptDelayMs: 1,
    now: () => clock.now,
    sleep: () => gate?.promise ?? Promise.resolve(),
    routing: {
      target: (provider) =>
        provider === 'sendgrid'
          ? undefined
          : { url: `${endpoint}/webhooks/${provider}`, secret: SECRETS[provider] },
    },
  });
  await fakes.start();

  return {
    fakes,
    clock,
    webhookUrl: (provider) => `${endpoint}/webhooks/${provider}`,
    received: (provider) => received.filter((r) => r.provider === provider).map((r) => r.draft),
    dropped: (provider) =>
      fakes
        .receipts()
        .filter((r) => r.provider === provider)
        .flatMap((r) =>
          r.outcome === 'dropped' && r.payload.kind === 'http'
            ? [
                draftOf(provider, {
                  ...requestOf(provider, {
                    id: '',
                    at: '',
                    request: { body: r.payload.body, headers: { 'content-type': r.payload.contentType } },
                  }),
                }),
              ]
            : [],
        ),
    hold: () => {
      let open = () => undefined as void;
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open };
    },
    release: () => {
      gate?.open();
      gate = undefined;
    },
    stop: async () => {
      gate?.open();
      await fakes.drain();
      await fakes.stop();
      await api.stop();
    },
  };
};
