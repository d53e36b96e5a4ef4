import * as z from 'zod/mini';
import { getJson, urlOf, type ApiCall } from '#shared/reconciliation/api-http';
import {
  ProviderApiError,
  type ApiContext,
  type ProviderApi,
  type ProviderEntityState,
  type SentPage,
  type SentRecord,
} from '#shared/reconciliation/contract';

/**
 * Stripe's Events API, read with fetch: three GET endpoints do not justify the `stripe` package
 * in a Lambda bundle (the tests use it as the oracle of the request shapes and the signature).
 */

export const stripeApiCredentialsSchema = z.object({
  /**
   * A restricted key (`rk_…`) with read access to Events, Subscriptions and Invoices is what
   * reconciliation needs; a secret key (`sk_…`) works too, with far more power than it needs.
   */
  apiKey: z
    .string()
    .check(
      z.regex(
        /^(rk|sk)_(live|test)_[A-Za-z0-9]{8,}$/,
        'must be a Stripe restricted key (rk_…) or secret key (sk_…)',
      ),
    ),
});
export type StripeApiCredentials = z.infer<typeof stripeApiCredentialsSchema>;

const StripeApiOptionsSchema = z.looseObject({
  /** The event types the stack's webhook endpoint is subscribed to (its `enabled_events`); absent: all. */
  types: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(100))),
});

/** Stripe's page size limit. */
const PAGE_SIZE = 100;

/** What the run reads of each event; the body it rebuilds is the event as Stripe sent it. */
const EventListSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string().check(z.regex(/^evt_[A-Za-z0-9_]+$/)),
      type: z.string().check(z.minLength(1)),
      created: z.int().check(z.nonnegative()),
    }),
  ),
  has_more: z.boolean(),
});

const ObjectStatusSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  // An invoice's status is documented as nullable (a draft being created).
  status: z.nullable(z.string()),
});

/** Stripe's error answers: `{ error: { type, message, code? } }`. */
const StripeErrorSchema = z.object({ error: z.looseObject({ message: z.string() }) });

/** The headers Stripe's webhook requests carry that a reader of the request would look at. */
const WEBHOOK_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
};

const ENTITY_PATHS: Readonly<Record<string, string>> = {
  subscription: '/v1/subscriptions',
  invoice: '/v1/invoices',
};

const callOf = (credentials: StripeApiCredentials): ApiCall => ({
  provider: 'Stripe',
  secrets: [credentials.apiKey],
  // Stripe's 401 quotes the refused key, partly masked: none of it is repeated.
  mask: /\b[a-z]{2}_(live|test)_[*A-Za-z0-9]+/g,
  detailOf: (json) => {
    const result = StripeErrorSchema.safeParse(json);
    return result.success ? result.data.error.message : undefined;
  },
});

const headersOf = (credentials: StripeApiCredentials) => ({
  Authorization: `Bearer ${credentials.apiKey}`,
  Accept: 'application/json',
});

const optionsOf = (options: Readonly<Record<string, unknown>>) => {
  const result = StripeApiOptionsSchema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ProviderApiError(
    'refused',
    false,
    `stripe reconciliation option ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
  );
};

/**
 * The list query, as the `stripe` package encodes it (arrays indexed, brackets unescaped). Stripe
 * filters on whole seconds: the window is widened to them, so an event in the second `since` falls
 * in is listed (a record seen twice is a duplicate the store recognises; one never seen is lost).
 */
export const stripeEventsQuery = (
  query: { readonly since: Date; readonly until: Date; readonly cursor?: string },
  types: readonly string[] | undefined,
): string => {
  const pairs: [string, string][] = [
    ['created[gte]', String(Math.floor(query.since.getTime() / 1000))],
    ['created[lt]', String(Math.ceil(query.until.getTime() / 1000))],
    ['limit', String(PAGE_SIZE)],
    ...(query.cursor === undefined ? [] : ([['starting_after', query.cursor]] as [string, string][])),
    ...(types ?? []).map((type, index): [string, string] => [`types[${index}]`, type]),
  ];
  return pairs.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&');
};

/** An event of the list as the webhook request that carried it: Stripe posts the event, pretty-printed. */
const recordOf = (event: unknown, id: string, created: number): SentRecord => ({
  id,
  at: new Date(created * 1000).toISOString(),
  request: { body: Buffer.from(JSON.stringify(event, null, 2)), headers: WEBHOOK_HEADERS },
});

export const stripeApi: ProviderApi<StripeApiCredentials> = {
  provider: 'stripe',
  credentials: stripeApiCredentialsSchema,
  defaultBaseUrl: 'https://api.stripe.com',
  // GET /v1/events returns the events of the last 30 days.
  retentionDays: 30,
  entityKinds: ['subscription', 'invoice'],

  /**
   * `GET /v1/events`, newest first, `starting_after` the last id of the page before: the run
   * pages through the whole window.
   */
  async listSent(query, options, ctx: ApiContext<StripeApiCredentials>): Promise<SentPage> {
    const { types } = optionsOf(options);
    const call = callOf(ctx.credentials);
    const { value, raw } = await getJson(
      call,
      ctx,
      urlOf(ctx.baseUrl, `/v1/events?${stripeEventsQuery(query, types)}`),
      headersOf(ctx.credentials),
      EventListSchema,
      'an event list',
    );
    // The schema checked `data`; the raw elements keep Stripe's key order for the rebuilt body.
    const elements = (raw as { data: unknown[] }).data;
    const records = value.data.map((event, index) => recordOf(elements[index], event.id, event.created));
    const last = value.data.at(-1);
    return { records, ...(value.has_more && last ? { next: last.id } : {}) };
  },

  async entityState(entity, ctx): Promise<ProviderEntityState | undefined> {
    const path = Object.hasOwn(ENTITY_PATHS, entity.kind) ? ENTITY_PATHS[entity.kind] : undefined;
    if (path === undefined)
      throw new ProviderApiError(
        'refused',
        false,
        `Stripe entity kind ${entity.kind} cannot be read; reconcile ${Object.keys(ENTITY_PATHS).join(' or ')}`,
      );
    const call = callOf(ctx.credentials);
    try {
      const { value, raw } = await getJson(
        call,
        ctx,
        urlOf(ctx.baseUrl, `${path}/${encodeURIComponent(entity.id)}`),
        headersOf(ctx.credentials),
        ObjectStatusSchema,
        `a ${entity.kind}`,
      );
      return {
        kind: entity.kind,
        id: value.id,
        field: 'status',
        value: value.status ?? '',
        object: raw as Record<string, unknown>,
      };
    } catch (error) {
      // Stripe answers 404 (`resource_missing`) for an id it does not know.
      if (error instanceof ProviderApiError && error.status === 404) return undefined;
      throw error;
    }
  },
};
