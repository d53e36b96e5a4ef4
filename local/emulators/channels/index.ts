import type { IncomingMessage, ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import type { EventBridgeEmulator } from '../eventbridge';
import { headersOf, writeAnswer } from '../http-answer';
import { listenOnLoopback, type RunningEmulator } from '../loopback';
import { verdictOf } from './conventions';
import { fcmFake } from './fcm';
import { mailgunFake } from './mailgun';
import { postmarkFake } from './postmark';
import { sendgridFake } from './sendgrid';
import { sesFake } from './ses';
import { signReceipt } from './signing';
import { twilioFake } from './twilio';
import { incomingTwilioMessage, type IncomingTwilioMessage } from './twilio-api';
import {
  FAKE_PROVIDERS,
  type Answer,
  type FakeContext,
  type FakeProvider,
  type FakeRequest,
  type Fate,
  type FormFields,
  type HappenedReceipt,
  type KeptMessage,
  type PlannedReceipt,
  type ProviderFake,
  type ReceiptInfo,
  type ReceiptPayload,
  type WebhookProvider,
} from './types';

export {
  FAKE_PROVIDERS,
  type FakeProvider,
  type KeptMessage,
  type ReceiptInfo,
  type WebhookProvider,
} from './types';
export type { IncomingTwilioMessage } from './twilio-api';

const FAKES: Readonly<Record<FakeProvider, ProviderFake>> = {
  postmark: postmarkFake,
  sendgrid: sendgridFake,
  mailgun: mailgunFake,
  ses: sesFake,
  twilio: twilioFake,
  fcm: fcmFake,
};

/** One send request a fake received, parsed, with what it answered. */
export interface SentRequest {
  readonly provider: FakeProvider;
  readonly method: string;
  /** Below the provider's prefix: `/email`, `/v3/mail/send`, … */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON bodies parsed, forms as {@link FormFields}. */
  readonly body: unknown;
  readonly status: number;
  /** The recipient the fake read, when it could. */
  readonly to?: string;
  /** The provider's id of an accepted message. */
  readonly providerMessageId?: string;
}

/** One query of a provider's read API (a message list, a message's status), with what it answered. */
export interface ApiRequest {
  readonly provider: FakeProvider;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
}

/** A fault armed for the next queries of a provider's read API. */
type ApiFault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number; times: number }
  | { readonly kind: 'malformed'; times: number };

/** What became of one receipt. */
export type ReceiptRecord = ReceiptInfo &
  (
    | { readonly outcome: 'posted'; readonly url: string; readonly status: number }
    | { readonly outcome: 'published'; readonly eventId: string }
    /** Never delivered to us, though it happened at the provider: `payload` is what would have gone. */
    | { readonly outcome: 'dropped'; readonly payload: ReceiptPayload }
    /** Nowhere to send it (the stack takes no webhooks of that provider, or no EventBridge). */
    | { readonly outcome: 'unroutable'; readonly reason: string }
    | { readonly outcome: 'error'; readonly url: string; readonly reason: string }
  );

export interface ReceiptTarget {
  readonly url: string;
  /** What the provider signs with: Basic `username:password`, SendGrid's private key, the HMAC key. */
  readonly secret: string;
}

/** Where receipts go: set by the local runtime once its API is up, or by a test. */
export interface ReceiptRouting {
  /** The webhook URL and signing secret of a provider, for a tenant (undefined: the default one). */
  target(provider: WebhookProvider, tenant: string | undefined): ReceiptTarget | undefined;
  /**
   * The URL a verifier checks a URL-signed receipt (Twilio's) against, for the URL it is posted
   * to. Locally API Gateway reports `https://<host>` without the port. @default the URL itself
   */
  signedUrl?(posted: string): string;
  /** Where SES events go, as a configuration set's EventBridge destination puts them. */
  readonly eventBridge?: Pick<EventBridgeEmulator, 'putEvents'>;
}

export interface ChannelFakesOptions {
  /** @default 200 */
  readonly receiptDelayMs?: number;
  /** @default setTimeout; the runtime passes its clock's */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default the system clock; the runtime passes its clock, which the verifiers read */
  readonly now?: () => Date;
  readonly routing?: ReceiptRouting;
  /** Lines about receipts that could not go. @default none */
  readonly log?: (line: string) => void;
}

const TENANT_PATH = /\/webhooks\/[^/?#]+\/([^/?#]+)/;

const formFieldsOf = async (contentType: string, raw: Buffer): Promise<FormFields> => {
  const fields: FormFields = {};
  const entries: [string, unknown][] = /multipart\/form-data/i.test(contentType)
    ? [...(await new Response(raw, { headers: { 'content-type': contentType } }).formData()).entries()]
    : [...new URLSearchParams(raw.toString('utf8'))];
  for (const [name, entry] of entries) {
    const value = typeof entry === 'string' ? entry : '';
    const existing = fields[name];
    fields[name] = existing === undefined ? value : [existing, value].flat();
  }
  return fields;
};

/** `undefined` for a JSON body that does not parse: each fake answers its own 400. */
const parseBody = async (contentType: string, raw: Buffer): Promise<unknown> => {
  if (/x-www-form-urlencoded|multipart\/form-data/i.test(contentType)) return formFieldsOf(contentType, raw);
  const text = raw.toString('utf8');
  if (/json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  return text;
};

/**
 * Local fakes of the providers' send APIs, one loopback port with a path prefix per provider
 * (`/postmark`, `/sendgrid`, `/mailgun`, `/ses`, `/twilio`, `/fcm`). What happens to a message
 * is decided by its recipient (./conventions.ts); an accepted message's receipts go out after
 * a delay, signed as the provider signs them, to the webhook URLs of {@link ReceiptRouting}, or
 * onto EventBridge for SES. Tests steer them with the hooks below.
 */
export class ChannelFakes {
  private readonly delayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private routing: ReceiptRouting | undefined;
  private running: RunningEmulator | undefined;
  private readonly sends: SentRequest[] = [];
  private readonly receiptLog: ReceiptRecord[] = [];
  private readonly throttled = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly failures = new Map<FakeProvider, { status: number; times: number }>();
  private dropCount = 0;
  private readonly dropPredicates: ((receipt: ReceiptInfo) => boolean)[] = [];
  private reversing = false;
  private duplicating = false;
  private stopped = false;
  /** What each provider keeps of the messages it accepted, for its read API; by `provider|id`. */
  private readonly kept = new Map<string, KeptMessage & { readonly happened: HappenedReceipt[] }>();
  private readonly apiLog: ApiRequest[] = [];
  private readonly apiFaults = new Map<FakeProvider, ApiFault>();
  private readonly pageSizes = new Map<FakeProvider, number>();

  constructor(options: ChannelFakesOptions = {}) {
    this.delayMs = options.receiptDelayMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
    this.routing = options.routing;
  }

  async start(options: { port?: number } = {}): Promise<RunningEmulator> {
    this.running = await listenOnLoopback('channel fakes', options.port ?? 0, (req, res) =>
      this.answer(req, res),
    );
    return this.running;
  }

  /** Each provider's base URL, to which its adapter appends the provider's documented path. */
  get urls(): Readonly<Record<FakeProvider, string>> {
    const endpoint = this.running?.endpoint;
    if (endpoint === undefined) throw new Error('the channel fakes are not running');
    return Object.fromEntries(FAKE_PROVIDERS.map((p) => [p, `${endpoint}/${p}`])) as Record<
      FakeProvider,
      string
    >;
  }

  routeReceipts(routing: ReceiptRouting): void {
    this.routing = routing;
  }

  /** Every send request received, oldest first. */
  sent(): readonly SentRequest[] {
    return [...this.sends];
  }

  /** Every receipt and what became of it, in the order they went (or were dropped). */
  receipts(): readonly ReceiptRecord[] {
    return [...this.receiptLog];
  }

  /** Drops the next `n` receipts, or every receipt `predicate` accepts, until {@link clear}. */
  dropReceipts(which: number | ((receipt: ReceiptInfo) => boolean)): void {
    if (typeof which === 'number') this.dropCount += which;
    else this.dropPredicates.push(which);
  }

  /** Sends each later message's receipts in reverse order (a bounce before its delivery, …). */
  reorderReceipts(on = true): void {
    this.reversing = on;
  }

  /** Sends every later receipt twice, the same bytes, as a provider that retries after a lost answer. */
  duplicateReceipts(on = true): void {
    this.duplicating = on;
  }

  /** Answers the next `times` sends to `provider` with its error for `status` (429 with Retry-After). */
  failNext(provider: FakeProvider, status: number, times = 1): void {
    this.failures.set(provider, { status, times });
  }

  /**
   * Answers the next `times` queries of `provider`'s read API with its error for `status` (a 429
   * carries `Retry-After`, `retryAfterSeconds` or the fakes' default). Sends are not affected.
   */
  apiFail(
    provider: FakeProvider,
    fault: { readonly status: number; readonly times?: number; readonly retryAfterSeconds?: number },
  ): void {
    this.apiFaults.set(provider, {
      kind: 'status',
      status: fault.status,
      times: fault.times ?? 1,
      ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds }),
    });
  }

  /** Answers the next `times` queries of `provider`'s read API with 200 and a body that is not JSON. */
  apiMalformed(provider: FakeProvider, times = 1): void {
    this.apiFaults.set(provider, { kind: 'malformed', times });
  }

  /** Serves at most `size` items per page of `provider`'s lists, whatever a query asks; undefined lifts it. */
  apiPageSize(provider: FakeProvider, size: number | undefined): void {
    if (size === undefined) this.pageSizes.delete(provider);
    else this.pageSizes.set(provider, size);
  }

  /** Every query of the providers' read APIs, oldest first. */
  apiRequests(): readonly ApiRequest[] {
    return [...this.apiLog];
  }

  /** The messages each provider kept (accepted sends, received messages), oldest first. */
  messages(): readonly KeptMessage[] {
    return [...this.kept.values()];
  }

  /**
   * An SMS someone sends to one of the account's Twilio numbers: Twilio keeps it (its read API
   * lists it) and posts the incoming-message webhook to the stack's twilio webhook URL, as
   * receipts go (after the delay, subject to drops). Returns its MessageSid.
   */
  receiveTwilioMessage(incoming: IncomingTwilioMessage): string {
    const now = this.now();
    const { providerMessageId, kept, receipt } = incomingTwilioMessage(incoming, now);
    this.keep('twilio', providerMessageId, kept, now);
    this.schedule([receipt]);
    return providerMessageId;
  }

  /** Resolves once every receipt scheduled so far has gone, been dropped or failed. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Forgets sends, receipts, kept messages, armed failures and faults, throttled recipients and hooks. */
  clear(): void {
    this.sends.length = 0;
    this.kept.clear();
    this.apiLog.length = 0;
    this.apiFaults.clear();
    this.pageSizes.clear();
    this.receiptLog.length = 0;
    this.throttled.clear();
    this.failures.clear();
    this.dropCount = 0;
    this.dropPredicates.length = 0;
    this.reversing = false;
    this.duplicating = false;
  }

  /** Receipts still waiting are not sent: the API they would go to is stopping too. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.stop();
    this.running = undefined;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, prefix = '', ...rest] = url.pathname.split('/');
    const fake = (FAKE_PROVIDERS as readonly string[]).includes(prefix)
      ? FAKES[prefix as FakeProvider]
      : undefined;
    const raw = await buffer(req);
    if (fake === undefined) {
      writeAnswer(res, {
        status: 404,
        body: { message: `No provider fake at ${url.pathname}; try /${FAKE_PROVIDERS.join(', /')}` },
      });
      return;
    }
    const headers = headersOf(req);
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: `/${rest.join('/')}`,
      query: url.searchParams,
      headers,
      body: await parseBody(headers['content-type'] ?? '', raw),
    };
    const auxiliary = fake.auxiliary?.(request);
    if (auxiliary) return writeAnswer(res, auxiliary);
    const queried = fake.query?.(request, {
      messages: this.messages().filter((message) => message.provider === fake.provider),
      pageSize: this.pageSizes.get(fake.provider),
    });
    if (queried) {
      const answer = this.queryAnswer(fake, request, queried);
      this.apiLog.push({
        provider: fake.provider,
        method: request.method,
        path: request.path,
        query: url.search,
        status: answer.status,
      });
      return writeAnswer(res, answer);
    }
    const record = (status: number, extra: Pick<SentRequest, 'to' | 'providerMessageId'> = {}) =>
      this.sends.push({
        provider: fake.provider,
        method: request.method,
        path: request.path,
        headers,
        body: request.body,
        status,
        ...extra,
      });
    if (!fake.authenticated(request)) {
      record(fake.unauthenticated.status);
      return writeAnswer(res, fake.unauthenticated);
    }
    const failure = this.failures.get(fake.provider);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      const answer = fake.error(failure.status);
      record(answer.status);
      return writeAnswer(res, answer);
    }
    const outcome = fake.handle(request, this.context(fake.provider));
    if (outcome === undefined) {
      record(fake.notFound.status);
      return writeAnswer(res, fake.notFound);
    }
    record(outcome.answer.status, {
      ...(outcome.to === undefined ? {} : { to: outcome.to }),
      ...(outcome.providerMessageId === undefined ? {} : { providerMessageId: outcome.providerMessageId }),
    });
    if (outcome.kept && outcome.providerMessageId)
      this.keep(fake.provider, outcome.providerMessageId, outcome.kept, this.now());
    writeAnswer(res, outcome.answer);
    if (outcome.receipts?.length) this.schedule(outcome.receipts);
  }

  /** A query's answer, unless the credentials are missing or a fault is armed. */
  private queryAnswer(fake: ProviderFake, request: FakeRequest, answer: Answer): Answer {
    if (!fake.authenticated(request)) return fake.unauthenticated;
    const fault = this.apiFaults.get(fake.provider);
    if (fault === undefined || fault.times <= 0) return answer;
    fault.times -= 1;
    if (fault.kind === 'malformed')
      return {
        status: 200,
        body: '<html><body>502 Bad Gateway</body></html>',
        headers: { 'content-type': 'application/json' },
      };
    const error = fault.status === 401 ? fake.unauthenticated : fake.error(fault.status);
    return fault.retryAfterSeconds === undefined
      ? error
      : { ...error, headers: { ...error.headers, 'retry-after': String(fault.retryAfterSeconds) } };
  }

  private keep(provider: FakeProvider, providerMessageId: string, record: Record<string, unknown>, at: Date) {
    this.kept.set(`${provider}|${providerMessageId}`, {
      provider,
      providerMessageId,
      at,
      record,
      happened: [],
    });
  }

  private context(provider: FakeProvider): FakeContext {
    return {
      now: this.now,
      fate: (kind, to): Fate => {
        const verdict = verdictOf(kind, to);
        if (verdict.kind !== 'throttled-once') return verdict;
        const key = `${provider}|${to}`;
        if (this.throttled.has(key)) return { kind: 'accepted', ending: 'delivered' };
        this.throttled.add(key);
        return { kind: 'throttled' };
      },
    };
  }

  private schedule(planned: readonly PlannedReceipt[]): void {
    // Decided now, so that a hook set after the send does not reach back to it.
    const steps = planned.map((receipt, step) => ({ receipt, step }));
    const ordered = this.reversing ? steps.reverse() : steps;
    const copies = this.duplicating ? 2 : 1;
    const run = this.sleep(this.delayMs)
      .then(async () => {
        for (const { receipt, step } of ordered) await this.deliver(receipt, step, copies);
      })
      .catch((error: unknown) => this.log(`[channel fakes] receipts failed: ${String(error)}`))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  private dropping(info: ReceiptInfo): boolean {
    if (this.dropCount > 0) {
      this.dropCount -= 1;
      return true;
    }
    return this.dropPredicates.some((predicate) => predicate(info));
  }

  private async deliver(receipt: PlannedReceipt, step: number, copies: number): Promise<void> {
    const { info } = receipt;
    if (this.stopped) return;
    const now = this.now();
    const payload = receipt.payload(now);
    // It happened at the provider whether or not it reaches us: the read API tells either way.
    this.kept
      .get(`${info.provider}|${info.providerMessageId}`)
      ?.happened.push({ info, step, at: now, payload });
    if (this.dropping(info)) return void this.receiptLog.push({ ...info, outcome: 'dropped', payload });
    if (payload.kind === 'eventbridge') {
      const eventBridge = this.routing?.eventBridge;
      if (!eventBridge) return this.unroutable(info, 'no EventBridge to put SES events on');
      for (let copy = 0; copy < copies; copy++) {
        const { Entries } = eventBridge.putEvents({
          Entries: [
            {
              Source: payload.source,
              DetailType: payload.detailType,
              Detail: JSON.stringify(payload.detail),
              Resources: [...payload.resources],
              Time: now,
            },
          ],
        });
        this.receiptLog.push({ ...info, outcome: 'published', eventId: Entries[0]?.EventId ?? '' });
      }
      return;
    }
    const provider = info.provider as WebhookProvider;
    const tenant = receipt.callbackUrl ? TENANT_PATH.exec(receipt.callbackUrl)?.[1] : receipt.tenant;
    const target = this.routing?.target(provider, tenant);
    const url = receipt.callbackUrl ?? target?.url;
    if (!target || !url)
      return this.unroutable(info, `no ${provider} webhook${tenant ? ` for tenant ${tenant}` : ''}`);
    const signedUrl = this.routing?.signedUrl?.(url) ?? url;
    const signed = signReceipt(provider, { ...payload, signedUrl }, target.secret, now);
    for (let copy = 0; copy < copies; copy++) {
      try {
        const response = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
        await response.arrayBuffer();
        this.receiptLog.push({ ...info, outcome: 'posted', url, status: response.status });
      } catch (error) {
        this.receiptLog.push({ ...info, outcome: 'error', url, reason: String(error) });
        this.log(`[channel fakes] ${provider} receipt to ${url} failed: ${String(error)}`);
      }
    }
  }

  private unroutable(info: ReceiptInfo, reason: string): void {
    this.receiptLog.push({ ...info, outcome: 'unroutable', reason });
    this.log(
      `[channel fakes] ${info.provider} ${info.event} receipt of ${info.providerMessageId} not sent: ${reason}`,
    );
  }
}

/**
 * The variable that carries an adapter's base URL to the consumer locally
 * (`RELAYFLOW_CHANNEL_URL_POSTMARK`, …), as `AWS_ENDPOINT_URL_*` carries the AWS services'.
 */
export const channelUrlVariable = (via: string) =>
  `RELAYFLOW_CHANNEL_URL_${via.toUpperCase().replaceAll('-', '_')}`;

/** Every adapter's variable, pointing at its fake. */
export const channelUrlEnvironment = (urls: Readonly<Record<FakeProvider, string>>): Record<string, string> =>
  Object.fromEntries(FAKE_PROVIDERS.map((via) => [channelUrlVariable(via), urls[via]]));
