/** The providers whose send APIs the local runtime fakes, each under its own path prefix. */
export const FAKE_PROVIDERS = ['postmark', 'sendgrid', 'mailgun', 'ses', 'twilio', 'fcm'] as const;
export type FakeProvider = (typeof FAKE_PROVIDERS)[number];

/** Providers whose receipts arrive as signed webhooks at `<api>/webhooks/<provider>[/<tenant>]`. */
export type WebhookProvider = 'postmark' | 'sendgrid' | 'mailgun' | 'twilio';

/** A form body: a name sent once is a string, a repeated one every value in order. */
export type FormFields = Record<string, string | string[]>;

/** A request as a fake reads it: the path below the provider's prefix, lower-cased headers, a parsed body. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  /** The query string's parameters. */
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON for JSON bodies, {@link FormFields} for forms, the text otherwise. */
  readonly body: unknown;
}

export interface Answer {
  readonly status: number;
  /** Sent as JSON; a string is sent as plain text. Absent: no body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Whom a receipt is about, as a drop predicate and the receipt log see it. */
export interface ReceiptInfo {
  readonly provider: FakeProvider;
  readonly providerMessageId: string;
  readonly to: string;
  /** The provider's own name of the event: `Delivery`, `bounce`, `failed`, `undelivered`, `Email Opened`, … */
  readonly event: string;
}

/** A receipt's body, built when it goes out so that the times it carries are that moment's. */
export type ReceiptPayload =
  | { readonly kind: 'http'; readonly contentType: string; readonly body: Buffer }
  | {
      readonly kind: 'eventbridge';
      readonly source: string;
      readonly detailType: string;
      readonly detail: Record<string, unknown>;
      readonly resources: readonly string[];
    };

export interface PlannedReceipt {
  readonly info: ReceiptInfo;
  /** The tenant the send named in the metadata the provider echoes (`tenant`), for its webhook URL. */
  readonly tenant?: string;
  /** Where the send asked the provider to post this message's callbacks (Twilio's StatusCallback). */
  readonly callbackUrl?: string;
  payload(now: Date): ReceiptPayload;
}

/** What happens to a message, as its recipient dictates (local/README.md, "Channel fakes"). */
export type Fate =
  | { readonly kind: 'invalid' }
  | { readonly kind: 'throttled' }
  | { readonly kind: 'down' }
  | { readonly kind: 'accepted'; readonly ending: 'delivered' | 'opened' | 'bounced' | 'failed' };

export type RecipientKind = 'email' | 'phone' | 'push';

export interface FakeContext {
  now(): Date;
  /** The fate of a send to `to`; a throttling recipient is throttled on its first send only. */
  fate(kind: RecipientKind, to: string): Fate;
}

/** What a fake made of a send request. */
export interface SendOutcome {
  readonly answer: Answer;
  readonly to?: string;
  readonly providerMessageId?: string;
  readonly receipts?: readonly PlannedReceipt[];
  /** What the provider keeps of an accepted message, in its own shape, for its query API. */
  readonly kept?: Readonly<Record<string, unknown>>;
}

/**
 * A receipt's event as it happened at the provider: its body built once, at its time, whether it
 * was then posted or dropped. A dropped receipt was never delivered to us, but it did happen.
 */
export interface HappenedReceipt {
  readonly info: ReceiptInfo;
  /** Its place among the message's planned receipts: the last step reached is the message's status. */
  readonly step: number;
  readonly at: Date;
  readonly payload: ReceiptPayload;
}

/** A message the provider accepted (or received), and what has happened to it so far. */
export interface KeptMessage {
  readonly provider: FakeProvider;
  readonly providerMessageId: string;
  readonly at: Date;
  readonly record: Readonly<Record<string, unknown>>;
  readonly happened: readonly HappenedReceipt[];
}

/** What a query API reads: the provider's messages, oldest first, and the page size a test imposed. */
export interface QueryContext {
  readonly messages: readonly KeptMessage[];
  /** At most this many items per page, whatever the request asks. */
  readonly pageSize: number | undefined;
}

/** One provider's fake: its routes, its authentication check and its error shapes. */
export interface ProviderFake {
  readonly provider: FakeProvider;
  /** Whether the request carries the provider's kind of credentials; any value is accepted. */
  authenticated(request: FakeRequest): boolean;
  readonly unauthenticated: Answer;
  /** The provider's error for a status (a `failNext`, a throttled or a failing recipient). */
  error(status: number): Answer;
  /** Answers a request that is not a send (a token endpoint): no send is recorded, no fault applies. */
  auxiliary?(request: FakeRequest): Answer | undefined;
  /** Undefined when nothing lives at the method and path. */
  handle(request: FakeRequest, ctx: FakeContext): SendOutcome | undefined;
  /**
   * Answers a query of the provider's API (a message list, a message's status) from what it
   * kept; undefined when the request is not one. No send is recorded.
   */
  query?(request: FakeRequest, ctx: QueryContext): Answer | undefined;
  readonly notFound: Answer;
}

export const RETRY_AFTER_SECONDS = 1;

/** The `Retry-After` every fake's 429 carries. */
export const retryAfter = { 'retry-after': String(RETRY_AFTER_SECONDS) } as const;

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const stringField = (record: unknown, key: string): string | undefined => {
  if (!isRecord(record)) return undefined;
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
};

/** A form field's single (or first) value. */
export const formField = (fields: unknown, key: string): string | undefined => {
  if (!isRecord(fields)) return undefined;
  const value = fields[key];
  return Array.isArray(value)
    ? (value[0] as string | undefined)
    : typeof value === 'string'
      ? value
      : undefined;
};

/** String values of a metadata object; providers echo only strings. */
export const stringRecord = (value: unknown): Record<string, string> =>
  isRecord(value)
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
    : {};

export const jsonPayload = (value: unknown): ReceiptPayload => ({
  kind: 'http',
  contentType: 'application/json',
  body: Buffer.from(JSON.stringify(value)),
});
