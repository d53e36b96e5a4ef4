import type { IncomingMessage, ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { providerApiUrlVariable } from '../../../functions/reconciliation/wiring';
import { headersOf, writeAnswer } from '../http-answer';
import { listenOnLoopback, type RunningEmulator } from '../loopback';
import { GithubApiFake } from './github';
import { answerHarness, HARNESS_PREFIX } from './harness';
import { randomId } from './ids';
import { StripeApiFake } from './stripe';
import {
  API_FAKE_PROVIDERS,
  type Answer,
  type ApiFake,
  type ApiFakeContext,
  type ApiFakeProvider,
  type ApiRequest,
  type Fault,
  type Malformation,
  type Posted,
  type SentWebhook,
  type WebhookRouting,
} from './types';

export { LOCAL_GITHUB_HOOK, type GithubSendOptions, type GithubSendResult } from './github';
export {
  GithubHarnessSendSchema,
  HARNESS_PREFIX,
  LOST_WEBHOOK_AGE_SECONDS,
  StripeHarnessSendSchema,
  type GithubHarnessSend,
  type StripeHarnessSend,
} from './harness';
export {
  STRIPE_API_VERSION,
  type StripeEventInput,
  type StripeObjectKind,
  type StripeSendOptions,
  type StripeSendResult,
} from './stripe';
export {
  API_FAKE_PROVIDERS,
  type ApiFakeProvider,
  type Fault,
  type Malformation,
  type SentWebhook,
  type WebhookRouting,
  type WebhookTarget,
} from './types';

/** The reconciliation API credentials each fake accepts, made once per process. */
const LOCAL_CREDENTIALS = {
  stripe: { apiKey: `rk_test_${randomId(24)}` },
  github: { token: `ghs_${randomId(36)}` },
} as const;

/**
 * The JSON of a provider's reconciliation API credentials secret that the local fakes accept
 * (functions/reconciliation/providers/<provider>.ts reads it): a Stripe restricted key, a GitHub
 * token. The same values within one process, so the runtime's secrets and its fakes agree.
 */
export const localApiCredentials = <P extends ApiFakeProvider>(provider: P): (typeof LOCAL_CREDENTIALS)[P] =>
  LOCAL_CREDENTIALS[provider];

/** The providers whose reconciliation APIs the channel fakes already serve. */
export type ChannelApiProvider = 'twilio' | 'postmark' | 'mailgun';

export type ProviderApiUrls = Readonly<Record<ApiFakeProvider, string>> &
  Readonly<Partial<Record<ChannelApiProvider, string>>>;

/** One API request a fake received, with its answer. */
export interface ApiRequestRecord {
  readonly provider: ApiFakeProvider;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
}

export interface ProviderApiFakesOptions {
  /** @default the system clock; the runtime passes its clock, which the verifiers read */
  readonly now?: () => Date;
  readonly routing?: WebhookRouting;
  /** The channel fakes' base URLs, which serve Twilio's, Postmark's and Mailgun's reconciliation APIs. */
  readonly channelUrls?: Readonly<Partial<Record<ChannelApiProvider, string>>>;
  /** Lines about webhooks that could not go. @default none */
  readonly log?: (line: string) => void;
}

const MALFORMED: Readonly<Record<Malformation, Answer>> = {
  'not-json': {
    status: 200,
    body: '<html><body><h1>Upstream answered</h1></body></html>',
    contentType: 'application/json',
  },
  'wrong-shape': { status: 200, body: { unexpected: true } },
};

/**
 * Local fakes of the provider APIs reconciliation reads (Stripe's Events API, GitHub's hook
 * deliveries), one loopback port with a path prefix per provider (`/stripe`, `/github`), and the
 * harness that sends their webhooks: a sent webhook is signed as the provider signs it and
 * posted to the stack's webhook URL of {@link WebhookRouting}, or dropped (the provider lists it,
 * the stack never saw it: the lost webhook reconciliation must find). Tests steer them with the
 * fault hooks below; another process (the CLI's `send --lost`) reaches the harness through
 * `POST /_harness/<provider>/send` on the same port (harness.ts).
 */
export class ProviderApiFakes {
  readonly stripe: StripeApiFake;
  readonly github: GithubApiFake;
  private readonly fakes: Readonly<Record<ApiFakeProvider, ApiFake>>;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly channelUrls: Readonly<Partial<Record<ChannelApiProvider, string>>>;
  private routing: WebhookRouting | undefined;
  private running: RunningEmulator | undefined;
  private readonly webhooks: SentWebhook[] = [];
  private readonly apiRequests: ApiRequestRecord[] = [];
  private readonly faults = new Map<ApiFakeProvider, Fault & { remaining: number }>();
  private readonly malformations = new Map<ApiFakeProvider, { kind: Malformation; remaining: number }>();

  constructor(options: ProviderApiFakesOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
    this.routing = options.routing;
    this.channelUrls = options.channelUrls ?? {};
    const ctx: ApiFakeContext = {
      now: () => this.now(),
      post: (provider, tenant, sign) => this.post(provider, tenant, sign),
      record: (sent) => void this.webhooks.push(sent),
    };
    this.stripe = new StripeApiFake(ctx, LOCAL_CREDENTIALS.stripe.apiKey);
    this.github = new GithubApiFake(ctx, LOCAL_CREDENTIALS.github.token);
    this.fakes = { stripe: this.stripe, github: this.github };
  }

  async start(options: { port?: number } = {}): Promise<RunningEmulator> {
    this.running = await listenOnLoopback('provider API fakes', options.port ?? 0, (req, res) =>
      this.answer(req, res),
    );
    return this.running;
  }

  /** Each provider's API base URL, to which its reconciliation module appends the documented path. */
  get urls(): ProviderApiUrls {
    const endpoint = this.running?.endpoint;
    if (endpoint === undefined) throw new Error('the provider API fakes are not running');
    return { ...this.channelUrls, stripe: `${endpoint}/stripe`, github: `${endpoint}/github` };
  }

  routeWebhooks(routing: WebhookRouting): void {
    this.routing = routing;
  }

  /** Answers the next `times` API requests to `provider` with its error for `status`. */
  fail(provider: ApiFakeProvider, fault: Fault): void {
    this.faults.set(provider, { ...fault, remaining: fault.times ?? 1 });
  }

  /** Answers the next `times` API requests to `provider` 200 with a body that is not the documented JSON. */
  malformed(provider: ApiFakeProvider, times = 1, kind: Malformation = 'wrong-shape'): void {
    this.malformations.set(provider, { kind, remaining: times });
  }

  /** Every webhook the harness (and GitHub's redeliveries) sent or dropped, oldest first. */
  sent(provider?: ApiFakeProvider): readonly SentWebhook[] {
    return this.webhooks.filter((sent) => provider === undefined || sent.provider === provider);
  }

  /** Every API request received, oldest first, with the status it was answered. */
  requests(provider?: ApiFakeProvider): readonly ApiRequestRecord[] {
    return this.apiRequests.filter((request) => provider === undefined || request.provider === provider);
  }

  /** Forgets events, objects, deliveries, armed faults and the request log. */
  clear(): void {
    this.webhooks.length = 0;
    this.apiRequests.length = 0;
    this.faults.clear();
    this.malformations.clear();
    for (const fake of Object.values(this.fakes)) fake.clear();
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, prefix = '', ...rest] = url.pathname.split('/');
    const body = await buffer(req);
    if (prefix === HARNESS_PREFIX) {
      writeAnswer(res, await this.answerHarness(req.method ?? 'GET', rest, body));
      return;
    }
    const provider = (API_FAKE_PROVIDERS as readonly string[]).includes(prefix)
      ? (prefix as ApiFakeProvider)
      : undefined;
    if (provider === undefined) {
      writeAnswer(res, {
        status: 404,
        body: { message: `No provider API fake at ${url.pathname}; try /${API_FAKE_PROVIDERS.join(', /')}` },
      });
      return;
    }
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path: `/${rest.join('/')}`,
      query: url.searchParams,
      headers: headersOf(req),
      base: `http://${req.headers.host ?? 'localhost'}/${provider}`,
    };
    let answer: Answer;
    try {
      answer = await this.answerFor(provider, request);
    } catch (error) {
      this.log(`[provider API fakes] ${provider} ${request.method} ${request.path} failed: ${String(error)}`);
      answer = { status: 500, body: { message: 'the fake failed' } };
    }
    this.apiRequests.push({
      provider,
      method: request.method,
      path: request.path,
      query: url.search.replace(/^\?/, ''),
      status: answer.status,
    });
    writeAnswer(res, answer);
  }

  private async answerHarness(method: string, segments: string[], body: Buffer): Promise<Answer> {
    try {
      return await answerHarness(this, () => this.now(), { method, segments, body });
    } catch (error) {
      this.log(`[provider API fakes] harness ${method} /${segments.join('/')} failed: ${String(error)}`);
      return { status: 500, body: { message: 'the harness failed; the runtime logged why' } };
    }
  }

  private async answerFor(provider: ApiFakeProvider, request: ApiRequest): Promise<Answer> {
    const fake = this.fakes[provider];
    if (!fake.authenticated(request)) return fake.unauthenticated(request);
    const fault = this.faults.get(provider);
    if (fault && fault.remaining > 0) {
      fault.remaining -= 1;
      return fake.fault(fault, this.now());
    }
    const malformation = this.malformations.get(provider);
    if (malformation && malformation.remaining > 0) {
      malformation.remaining -= 1;
      return MALFORMED[malformation.kind];
    }
    return fake.handle(request);
  }

  private async post(
    provider: ApiFakeProvider,
    tenant: string | undefined,
    sign: (secret: string, now: Date) => { readonly headers: Record<string, string>; readonly body: Buffer },
  ): Promise<Posted> {
    const target = this.routing?.target(provider, tenant);
    if (!target)
      throw new Error(
        `the stack takes no ${provider} webhooks${tenant === undefined ? '' : ` for tenant ${tenant}`}: nothing to post to (drop it, or enable the provider)`,
      );
    const signed = sign(target.secret, this.now());
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      });
      await response.arrayBuffer();
      return { url: target.url, status: response.status };
    } catch (error) {
      this.log(`[provider API fakes] ${provider} webhook to ${target.url} failed: ${String(error)}`);
      return { url: target.url, error: String(error) };
    }
  }
}

/** Every reconciliation module's `RELAYFLOW_PROVIDER_API_URL_<PROVIDER>` variable, pointing at its fake. */
export const providerApiUrlEnvironment = (urls: ProviderApiUrls): Record<string, string> =>
  Object.fromEntries(
    Object.entries(urls)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([provider, url]) => [providerApiUrlVariable(provider), url]),
  );
