import type * as z from 'zod/mini';
import type { ReceiptStatus } from '#shared/channels/contract';

/*
 * Reconciliation (docs/reconciliation.md, ARCHITECTURE 20): each provider that can be asked what
 * it sent implements a ProviderApi; the run (run.ts) compares its answers with the store and
 * recovers what is missing through the ingest, with the same idempotency key as the webhook.
 */

/** What a provider API call gets besides its arguments: explicit, so tests and fakes pass theirs. */
export interface ApiContext<Credentials> {
  readonly credentials: Credentials;
  readonly fetch: typeof fetch;
  /** The provider's API base URL; the local runtime points it at its fake. */
  readonly baseUrl: string;
  readonly signal?: AbortSignal;
}

/**
 * Why a provider API call failed, as the run's retry reads it: `retryable` for 429 (with
 * `retryAfterSeconds` from Retry-After) and 5xx and network failures; not for 401/403 (the
 * credentials are wrong: retrying cannot help) or an answer that is not the JSON the API
 * documents (`errorClass` 'malformed').
 */
export class ProviderApiError extends Error {
  constructor(
    readonly errorClass: 'unauthorized' | 'rate-limited' | 'unavailable' | 'malformed' | 'refused',
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; status?: number },
  ) {
    super(message, options);
    this.name = 'ProviderApiError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.status = options?.status;
  }

  readonly retryAfterSeconds: number | undefined;
  readonly status: number | undefined;
}

/**
 * One thing the provider says it sent to our webhook URL, rebuilt as the request our verifier
 * would have received: the exact body the provider sends (Stripe's event JSON, Twilio's status
 * callback form, Postmark's record, Mailgun's `{ signature, 'event-data' }` without a valid
 * signature), with the headers its normalize reads (GitHub's `x-github-event` and
 * `x-github-delivery`, content-type). The run normalizes it with the provider's own code to find
 * its idempotency key, so it finds the same event a webhook would have created.
 */
export interface SentRecord {
  /** The provider's id of what was sent: `evt_…`, a delivery guid, `SM…:<status>`, … */
  readonly id: string;
  /** When the provider says it happened (ISO 8601): orders recovery and moves the checkpoint. */
  readonly at: string;
  readonly request: {
    readonly body: Buffer;
    readonly headers: Readonly<Record<string, string>>;
  };
  /**
   * For a provider that redelivers on request (GitHub): what to ask for. The run asks for a
   * redelivery instead of ingesting, so the event arrives signed through the webhook URL.
   */
  readonly redelivery?: { readonly deliveryId: string };
}

/** One page of what the provider sent; `next` continues it, absent on the last page. */
export interface SentPage {
  readonly records: readonly SentRecord[];
  readonly next?: string;
}

/** A message's status as the provider's API reports it, mapped to a receipt status. */
export type ProviderMessageStatus =
  | { readonly kind: 'final'; readonly status: ReceiptStatus; readonly at: string; readonly reason?: string }
  /** Still in the provider's hands (queued, sending, sent): no receipt to record yet. */
  | { readonly kind: 'pending'; readonly providerStatus: string }
  | { readonly kind: 'not-found' };

/** An entity's current state at the provider, for drift detection. */
export interface ProviderEntityState {
  /** The entity kind as our events name it: `subscription`, `invoice`, `message`. */
  readonly kind: string;
  readonly id: string;
  /** The field that is compared, and its value at the provider (`status`: `past_due`). */
  readonly field: string;
  readonly value: string;
  /** The provider's whole object, kept in the drift event for the workflow that repairs it. */
  readonly object: Readonly<Record<string, unknown>>;
}

/**
 * A provider that can be reconciled. Every method is optional but `listSent`: a provider whose
 * API cannot list what it sent is not reconcilable (docs/reconciliation.md says why for each).
 */
export interface ProviderApi<Credentials = unknown> {
  /** The provider id our webhooks use (`stripe`, `github`, `twilio`, `postmark`, `mailgun`). */
  readonly provider: string;
  /** The JSON its API credentials secret holds (a Stripe restricted key, a GitHub token, …); never logged. */
  readonly credentials: z.ZodMiniType<Credentials>;
  readonly defaultBaseUrl: string;
  /** How far back the provider keeps what it sent (Stripe: 30 days), so a longer lookback is cut. */
  readonly retentionDays: number;
  /**
   * What the provider sent in [since, until), a page at a time. `options` are the provider's
   * reconciliation options from the configuration (`repository`/`hookId` for GitHub, `domain`
   * for Mailgun, `accountSid` lives in the credentials).
   */
  listSent(
    query: { readonly since: Date; readonly until: Date; readonly cursor?: string },
    options: Readonly<Record<string, unknown>>,
    ctx: ApiContext<Credentials>,
  ): Promise<SentPage>;
  /** Asks the provider to deliver a record again (GitHub). */
  redeliver?(
    record: SentRecord,
    options: Readonly<Record<string, unknown>>,
    ctx: ApiContext<Credentials>,
  ): Promise<void>;
  /** The provider's answer on a message we sent through its channel adapter of the same id. */
  messageStatus?(providerMessageId: string, ctx: ApiContext<Credentials>): Promise<ProviderMessageStatus>;
  /** Entity kinds whose state can be read, for `reconciliation.<provider>.entities`. */
  readonly entityKinds?: readonly string[];
  /** The entity's current state at the provider, or undefined when the provider does not know it. */
  entityState?(
    entity: { readonly kind: string; readonly id: string },
    ctx: ApiContext<Credentials>,
  ): Promise<ProviderEntityState | undefined>;
}
