/** The providers whose reconciliation APIs this server fakes; Twilio's, Postmark's and Mailgun's are the channel fakes'. */
export const API_FAKE_PROVIDERS = ['stripe', 'github'] as const;
export type ApiFakeProvider = (typeof API_FAKE_PROVIDERS)[number];

/** An API request as a fake reads it: the path below the provider's prefix, lower-cased headers. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  /** `http://127.0.0.1:<port>/<provider>`: where links to further pages point. */
  readonly base: string;
}

export interface Answer {
  readonly status: number;
  /** Sent as JSON; a string is sent as it is, with `contentType`. Absent: no body. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A fault armed for a provider's API: its next `times` requests get the provider's answer for `status`. */
export interface Fault {
  readonly status: 401 | 403 | 429 | 500 | 503;
  /** @default 1 */
  readonly times?: number;
  /** Sent with a 429 (or GitHub's rate-limited 403); none otherwise, as Stripe often sends none. */
  readonly retryAfterSeconds?: number;
  /**
   * How GitHub says how long to wait: `Retry-After` (its secondary limits) or
   * `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset` (its primary limit). @default 'retry-after'
   */
  readonly rateLimitHeader?: 'retry-after' | 'x-ratelimit-reset';
}

/** What a malformed answer is: a body that is not JSON, or JSON without the documented fields. */
export type Malformation = 'not-json' | 'wrong-shape';

/** Where a provider's webhooks go, and what they are signed with. */
export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

/** Set by the local runtime once its API is up, or by a test. */
export interface WebhookRouting {
  /** The stack's webhook URL and signing secret of a provider, for a tenant (undefined: the default one). */
  target(provider: ApiFakeProvider, tenant: string | undefined): WebhookTarget | undefined;
}

/** What became of one webhook the fakes posted. */
export interface Posted {
  readonly url: string;
  /** The stack's answer; absent when the request failed (`error`). */
  readonly status?: number;
  readonly error?: string;
}

/** A webhook a fake sent (or dropped), as {@link ApiFakeContext.record} keeps it. */
export interface SentWebhook {
  readonly provider: ApiFakeProvider;
  /** The provider's id of the event: `evt_…`, a delivery guid. */
  readonly id: string;
  /** GitHub's delivery id; every redelivery has its own. */
  readonly deliveryId?: string;
  /** The event type (Stripe) or event name (GitHub). */
  readonly type: string;
  readonly tenant?: string;
  readonly dropped: boolean;
  /** Answered 2xx by the stack. */
  readonly delivered: boolean;
  readonly status?: number;
  readonly redelivery: boolean;
  readonly at: string;
}

/** What a fake gets from the server: the clock, and the way to the stack's webhook URLs. */
export interface ApiFakeContext {
  now(): Date;
  /**
   * Signs a webhook with the target's secret and posts it to the stack. Throws when the stack
   * takes no webhooks of the provider (for the tenant): a harness call then fails loudly.
   */
  post(
    provider: ApiFakeProvider,
    tenant: string | undefined,
    sign: (secret: string, now: Date) => { readonly headers: Record<string, string>; readonly body: Buffer },
  ): Promise<Posted>;
  record(sent: SentWebhook): void;
}

/** One provider's API fake: its authentication, its error shapes and its routes. */
export interface ApiFake {
  authenticated(request: ApiRequest): boolean;
  unauthenticated(request: ApiRequest): Answer;
  /** The provider's answer to an armed fault. */
  fault(fault: Fault, now: Date): Answer;
  handle(request: ApiRequest): Promise<Answer> | Answer;
  /** Forgets what the harness sent and set. */
  clear(): void;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The bearer token of an `Authorization` header (GitHub also takes `token <t>`). */
export const bearerOf = (
  headers: Readonly<Record<string, string>>,
  schemes = ['bearer'],
): string | undefined => {
  const match = /^(\S+)\s+(\S+)$/.exec(headers.authorization?.trim() ?? '');
  return match && schemes.includes((match[1] ?? '').toLowerCase()) ? match[2] : undefined;
};
