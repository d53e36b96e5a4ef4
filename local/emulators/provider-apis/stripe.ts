import { signStripeRequest } from '../../../functions/providers/stripe/sign';
import { randomId } from './ids';
import {
  bearerOf,
  type Answer,
  type ApiFake,
  type ApiFakeContext,
  type ApiRequest,
  type Fault,
} from './types';

/** The API version the fake's events carry, as an account pinned to it would see them. */
export const STRIPE_API_VERSION = '2024-06-20';

/** What a test sends: Stripe completes the rest of the event. */
export interface StripeEventInput {
  readonly id?: string;
  readonly type: string;
  readonly data: {
    readonly object: Record<string, unknown>;
    readonly previous_attributes?: Record<string, unknown>;
  };
  /** Unix seconds. @default now */
  readonly created?: number;
  /** A Connect account's events name it. */
  readonly account?: string;
}

export interface StripeSendOptions {
  readonly tenant?: string;
  /** Keep the event in the Events API but never post it: the lost webhook. */
  readonly drop?: boolean;
}

export interface StripeSendResult {
  readonly id: string;
  /** The event's `created` (Unix seconds), as the Events API lists it. */
  readonly created: number;
  /** The stack answered 2xx. */
  readonly delivered: boolean;
  readonly status?: number;
}

export type StripeObjectKind = 'subscription' | 'invoice';

interface StoredEvent {
  readonly event: Record<string, unknown>;
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly seq: number;
  delivered: boolean;
}

const stripeError = (
  status: number,
  error: Record<string, unknown>,
  headers?: Record<string, string>,
): Answer => ({
  status,
  body: { error },
  ...(headers ? { headers } : {}),
});

/** Stripe shows a refused key with all but its last four characters masked. */
const maskedKey = (key: string) => {
  const prefix = /^[a-z]{2}_(live|test)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
};

const OBJECT_PATHS: Readonly<Record<string, StripeObjectKind>> = {
  subscriptions: 'subscription',
  invoices: 'invoice',
};

/** `types[]=a&types[]=b` or `types[0]=a&types[1]=b`, as Stripe reads arrays in a query. */
const arrayParam = (query: URLSearchParams, name: string): string[] =>
  [...query.entries()]
    .filter(([key]) => key === `${name}[]` || new RegExp(`^${name}\\[\\d+\\]$`).test(key))
    .map(([, value]) => value);

const INTEGER = /^\d+$/;

/**
 * Stripe's Events, Subscriptions and Invoices APIs as reconciliation reads them, and the events
 * a test sends: each is completed as Stripe completes it, kept for `GET /v1/events`, and (unless
 * dropped) signed with the endpoint secret and posted to the stack's Stripe webhook URL.
 */
export class StripeApiFake implements ApiFake {
  private readonly events = new Map<string, StoredEvent>();
  private readonly objects = new Map<string, Record<string, unknown>>();
  private seq = 0;

  constructor(
    private readonly ctx: ApiFakeContext,
    private readonly apiKey: string,
  ) {}

  /** Completes an event as Stripe would, records it, and posts it unless `drop`. Sending an id again resends it. */
  async send(input: StripeEventInput, options: StripeSendOptions = {}): Promise<StripeSendResult> {
    const known = input.id === undefined ? undefined : this.events.get(input.id);
    const stored = known ?? this.store(input);
    const tenant = options.tenant;
    const base = {
      provider: 'stripe' as const,
      id: stored.id,
      type: stored.type,
      ...(tenant === undefined ? {} : { tenant }),
      redelivery: known !== undefined,
      at: this.ctx.now().toISOString(),
    };
    if (options.drop) {
      this.ctx.record({ ...base, dropped: true, delivered: false });
      return { id: stored.id, created: stored.created, delivered: false };
    }
    // Stripe posts the event pretty-printed, as the Events API shows it, with the count it had then.
    const body = Buffer.from(JSON.stringify(stored.event, null, 2));
    const posted = await this.ctx.post('stripe', tenant, (secret, now) => {
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      };
      return { headers: { ...headers, ...signStripeRequest({ url: '', headers, body }, secret, now) }, body };
    });
    const delivered = posted.status !== undefined && posted.status >= 200 && posted.status < 300;
    if (delivered) stored.delivered = true;
    this.ctx.record({
      ...base,
      dropped: false,
      delivered,
      ...(posted.status === undefined ? {} : { status: posted.status }),
    });
    return {
      id: stored.id,
      created: stored.created,
      delivered,
      ...(posted.status === undefined ? {} : { status: posted.status }),
    };
  }

  /** The provider's current state of an object (`id` required), as `GET /v1/<kind>s/{id}` answers it. */
  setObject(kind: StripeObjectKind, object: Record<string, unknown>): void {
    const id = object.id;
    if (typeof id !== 'string' || id === '') throw new Error(`a Stripe ${kind} needs an id`);
    this.objects.set(`${kind}/${id}`, { ...object, object: kind });
  }

  clear(): void {
    this.events.clear();
    this.objects.clear();
  }

  authenticated(request: ApiRequest): boolean {
    return bearerOf(request.headers) === this.apiKey;
  }

  unauthenticated(request: ApiRequest): Answer {
    const key = bearerOf(request.headers);
    return stripeError(401, {
      message:
        key === undefined
          ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
          : `Invalid API Key provided: ${maskedKey(key)}`,
      type: 'invalid_request_error',
    });
  }

  fault(fault: Fault): Answer {
    switch (fault.status) {
      case 401:
        return stripeError(401, {
          message: 'Invalid API Key provided: rk_test_****',
          type: 'invalid_request_error',
        });
      case 403:
        return stripeError(403, {
          message: 'The provided key does not have the required permissions for this endpoint.',
          type: 'invalid_request_error',
        });
      case 429:
        return stripeError(
          429,
          {
            code: 'rate_limit',
            message:
              'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
            type: 'invalid_request_error',
          },
          fault.retryAfterSeconds === undefined
            ? undefined
            : { 'retry-after': String(fault.retryAfterSeconds) },
        );
      default:
        return stripeError(fault.status, { message: 'An unknown error occurred', type: 'api_error' });
    }
  }

  handle(request: ApiRequest): Answer {
    const segments = request.path.split('/').filter(Boolean);
    if (request.method === 'GET' && segments.length === 2 && segments[0] === 'v1' && segments[1] === 'events')
      return this.list(request.query);
    const kind = segments[0] === 'v1' && segments[1] ? OBJECT_PATHS[segments[1]] : undefined;
    if (request.method === 'GET' && segments.length === 3 && kind) {
      const id = decodeURIComponent(segments[2] ?? '');
      const object = this.objects.get(`${kind}/${id}`);
      return object
        ? { status: 200, body: object }
        : stripeError(404, {
            code: 'resource_missing',
            doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
            message: `No such ${kind}: '${id}'`,
            param: 'id',
            type: 'invalid_request_error',
          });
    }
    return stripeError(404, {
      message: `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      type: 'invalid_request_error',
    });
  }

  private store(input: StripeEventInput): StoredEvent {
    const id = input.id ?? `evt_${randomId(24)}`;
    const created = input.created ?? Math.floor(this.ctx.now().getTime() / 1000);
    const event = {
      id,
      object: 'event',
      ...(input.account === undefined ? {} : { account: input.account }),
      api_version: STRIPE_API_VERSION,
      created,
      data: input.data,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: input.type,
    };
    const stored: StoredEvent = { event, id, type: input.type, created, seq: this.seq++, delivered: false };
    this.events.set(id, stored);
    return stored;
  }

  /** `GET /v1/events`: newest first, `created` bounds, `types`, `starting_after`, `limit` (1 to 100). */
  private list(query: URLSearchParams): Answer {
    const invalid = (param: string, message: string) =>
      stripeError(400, { message, param, type: 'invalid_request_error' });
    const bounds: [string, (created: number, bound: number) => boolean][] = [
      ['created[gte]', (c, b) => c >= b],
      ['created[gt]', (c, b) => c > b],
      ['created[lte]', (c, b) => c <= b],
      ['created[lt]', (c, b) => c < b],
      ['created', (c, b) => c === b],
    ];
    const checks: ((event: StoredEvent) => boolean)[] = [];
    for (const [param, test] of bounds) {
      const value = query.get(param);
      if (value === null) continue;
      if (!INTEGER.test(value)) return invalid(param, `Invalid integer: ${value}`);
      checks.push((event) => test(event.created, Number(value)));
    }
    const types = arrayParam(query, 'types');
    if (types.length > 0) checks.push((event) => types.includes(event.type));
    const single = query.get('type');
    if (single !== null) checks.push((event) => event.type === single);
    const limitText = query.get('limit') ?? '10';
    const limit = Number(limitText);
    if (!INTEGER.test(limitText) || limit < 1 || limit > 100)
      return invalid('limit', `Invalid limit: must be between 1 and 100`);
    const ordered = [...this.events.values()].sort((a, b) => b.created - a.created || b.seq - a.seq);
    const after = query.get('starting_after');
    let start = 0;
    if (after !== null) {
      const index = ordered.findIndex((event) => event.id === after);
      if (index < 0) return invalid('starting_after', `No such event: '${after}'`);
      start = index + 1;
    }
    const matching = ordered.slice(start).filter((event) => checks.every((check) => check(event)));
    return {
      status: 200,
      body: {
        object: 'list',
        data: matching
          .slice(0, limit)
          .map((stored) => ({ ...stored.event, pending_webhooks: stored.delivered ? 0 : 1 })),
        has_more: matching.length > limit,
        url: '/v1/events',
      },
    };
  }
}
