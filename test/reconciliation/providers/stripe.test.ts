import type { IncomingMessage, ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { ProviderApiError, type SentRecord } from '#shared/reconciliation/contract';
import { stripeApi, stripeApiCredentialsSchema } from '#shared/reconciliation/providers/stripe';
import { listenOnLoopback } from '../../../local/emulators/loopback';
import { localApiCredentials, type Fault } from '../../../local/emulators/provider-apis';
import {
  identityOf,
  normalizeWith,
  startProviderApiFakes,
  type ProviderApiFakesUnderTest,
} from '../../helpers/provider-api-fakes';

const SINCE = new Date('2025-06-01T00:00:00.000Z');
const UNTIL = new Date('2025-06-02T00:00:00.000Z');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

const aSubscriptionEvent = (created: number, id?: string) => ({
  ...(id === undefined ? {} : { id }),
  type: 'customer.subscription.updated',
  created,
  data: { object: { id: `sub_${created}`, object: 'subscription', customer: 'cus_1', status: 'active' } },
});

/** Every record of the window, page after page, as the run reads them. */
const listAll = async (
  harness: ProviderApiFakesUnderTest,
  window: { since: Date; until: Date } = { since: SINCE, until: UNTIL },
  options: Record<string, unknown> = {},
) => {
  const ctx = harness.contextFor<{ apiKey: string }>('stripe');
  const records: SentRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await stripeApi.listSent({ ...window, ...(cursor ? { cursor } : {}) }, options, ctx);
    records.push(...page.records);
    cursor = page.next;
    pages += 1;
  } while (cursor !== undefined);
  return { records, pages };
};

const failureOf = async (promise: Promise<unknown>): Promise<ProviderApiError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderApiError) return error;
    throw error;
  }
  throw new Error('expected a ProviderApiError');
};

describe('stripeApi', () => {
  let harness: ProviderApiFakesUnderTest;

  beforeEach(async () => {
    harness = await startProviderApiFakes();
  });

  afterEach(() => harness.stop());

  it('asks for the window as the stripe package asks for the same list', async () => {
    const seen: { method: string; url: string; authorization: string }[] = [];
    const recorder = await listenOnLoopback('recorder', 0, (req: IncomingMessage, res: ServerResponse) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization ?? '',
      });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'list', data: [], has_more: false, url: '/v1/events' }));
      return Promise.resolve();
    });
    try {
      const apiKey = 'rk_test_recordedKey123';
      const sdk = new Stripe(apiKey, {
        host: '127.0.0.1',
        port: Number(new URL(recorder.endpoint).port),
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      const types = ['invoice.paid', 'customer.subscription.updated'];
      await sdk.events.list({
        created: { gte: seconds(SINCE), lt: seconds(UNTIL) },
        limit: 100,
        starting_after: 'evt_cursor',
        types,
      });
      await stripeApi.listSent(
        { since: SINCE, until: UNTIL, cursor: 'evt_cursor' },
        { types },
        {
          credentials: { apiKey },
          fetch,
          baseUrl: recorder.endpoint,
        },
      );

      expect(seen).toHaveLength(2);
      const [expected, actual] = seen.map(({ method, url, authorization }) => {
        const parsed = new URL(url, 'http://127.0.0.1');
        return {
          method,
          path: parsed.pathname,
          query: [...parsed.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b)),
          authorization,
        };
      });
      expect(actual).toEqual(expected);
      expect(expected?.query).toContainEqual(['types[1]', 'customer.subscription.updated']);
    } finally {
      await recorder.stop();
    }
  });

  it('pages through every event of the window, newest first, each once', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 250; i++) {
      const { id } = await harness.fakes.stripe.send(aSubscriptionEvent(seconds(SINCE) + 60 * i), {
        drop: true,
      });
      sent.push(id);
    }

    const { records, pages } = await listAll(harness);

    expect(pages).toBe(3);
    expect(records.map((record) => record.id)).toEqual([...sent].reverse());
    expect(
      harness.fakes
        .requests('stripe')
        .map((request) => new URLSearchParams(request.query).get('starting_after')),
    ).toEqual([null, sent[150], sent[50]]);
  });

  it('lists an event created at the window start and leaves out one created at its end', async () => {
    const at = (date: Date, offset: number, id: string) =>
      harness.fakes.stripe.send(aSubscriptionEvent(seconds(date) + offset, id), { drop: true });
    await at(SINCE, -1, 'evt_before');
    await at(SINCE, 0, 'evt_first');
    await at(UNTIL, -1, 'evt_last');
    await at(UNTIL, 0, 'evt_after');

    const { records } = await listAll(harness);

    expect(records.map((record) => [record.id, record.at])).toEqual([
      ['evt_last', new Date(UNTIL.getTime() - 1000).toISOString()],
      ['evt_first', SINCE.toISOString()],
    ]);
  });

  it('rebuilds each event as the webhook body our normalize reads to the same idempotency key', async () => {
    const { id, delivered } = await harness.fakes.stripe.send(aSubscriptionEvent(seconds(SINCE) + 5));
    const [webhook] = harness.received;

    const { records } = await listAll(harness);

    expect(delivered).toBe(true);
    expect(webhook?.verified.ok).toBe(true);
    const [record] = records;
    expect(record?.id).toBe(id);
    const fromRecord = normalizeWith('stripe', record!.request);
    expect(fromRecord[0]?.kind).toBe('event');
    expect(identityOf('stripe', fromRecord)).toBe(identityOf('stripe', webhook!.items));
    // The same event, as Stripe lists it: only the webhooks still pending have changed since.
    const { pending_webhooks: listed, ...listedEvent } = JSON.parse(
      record!.request.body.toString(),
    ) as Record<string, unknown>;
    const { pending_webhooks: posted, ...postedEvent } = JSON.parse(
      webhook!.request.body.toString(),
    ) as Record<string, unknown>;
    expect(listedEvent).toEqual(postedEvent);
    expect([posted, listed]).toEqual([1, 0]);
    expect(record!.request.body.toString()).toBe(
      JSON.stringify(JSON.parse(record!.request.body.toString()), null, 2),
    );
  });

  it('lists only the types the webhook endpoint is subscribed to', async () => {
    await harness.fakes.stripe.send(aSubscriptionEvent(seconds(SINCE) + 1, 'evt_subscription'), {
      drop: true,
    });
    await harness.fakes.stripe.send(
      {
        id: 'evt_invoice',
        type: 'invoice.paid',
        created: seconds(SINCE) + 2,
        data: { object: { id: 'in_1', object: 'invoice' } },
      },
      { drop: true },
    );

    const { records } = await listAll(harness, undefined, { types: ['invoice.paid'] });

    expect(records.map((record) => record.id)).toEqual(['evt_invoice']);
  });

  it('refuses a types option that is not a list of names, naming it', async () => {
    const error = await failureOf(
      stripeApi.listSent(
        { since: SINCE, until: UNTIL },
        { types: 'invoice.paid' },
        harness.contextFor('stripe'),
      ),
    );

    expect(error.errorClass).toBe('refused');
    expect(error.message).toMatch(/^stripe reconciliation option types:/);
  });

  it('answers a refused key as unauthorized without repeating any of it', async () => {
    const apiKey = 'rk_test_NotTheLocalKey9876';
    const error = await failureOf(
      stripeApi.listSent(
        { since: SINCE, until: UNTIL },
        {},
        { ...harness.contextFor('stripe'), credentials: { apiKey } },
      ),
    );

    expect(error).toMatchObject({ errorClass: 'unauthorized', retryable: false, status: 401 });
    expect(error.message).toContain('Invalid API Key provided');
    expect(error.message).not.toContain('9876');
    expect(error.message).not.toContain(apiKey);
  });

  it.each<[string, Fault, Partial<ProviderApiError>]>([
    ['403', { status: 403 }, { errorClass: 'unauthorized', retryable: false }],
    [
      '429 with Retry-After',
      { status: 429, retryAfterSeconds: 7 },
      { errorClass: 'rate-limited', retryable: true, retryAfterSeconds: 7 },
    ],
    [
      '429 without Retry-After',
      { status: 429 },
      { errorClass: 'rate-limited', retryable: true, retryAfterSeconds: undefined },
    ],
    ['500', { status: 500 }, { errorClass: 'unavailable', retryable: true }],
    ['503', { status: 503 }, { errorClass: 'unavailable', retryable: true }],
  ])('answers a %s with the error the run retries by', async (_, fault, expected) => {
    harness.fakes.fail('stripe', fault);

    const error = await failureOf(
      stripeApi.listSent({ since: SINCE, until: UNTIL }, {}, harness.contextFor('stripe')),
    );

    expect(error).toMatchObject({ ...expected, status: fault.status });
    expect(error.message).toMatch(new RegExp(`^Stripe answered HTTP ${fault.status}: `));
  });

  it.each(['wrong-shape', 'not-json'] as const)(
    'answers a 200 whose body is %s as malformed',
    async (kind) => {
      harness.fakes.malformed('stripe', 1, kind);

      const error = await failureOf(
        stripeApi.listSent({ since: SINCE, until: UNTIL }, {}, harness.contextFor('stripe')),
      );

      expect(error).toMatchObject({ errorClass: 'malformed', retryable: false });
    },
  );

  it('answers an API it cannot reach as unavailable', async () => {
    const { endpoint } = await listenOnLoopback('closed', 0, () => Promise.resolve()).then(async (server) => {
      await server.stop();
      return server;
    });

    const error = await failureOf(
      stripeApi.listSent(
        { since: SINCE, until: UNTIL },
        {},
        { ...harness.contextFor('stripe'), baseUrl: endpoint },
      ),
    );

    expect(error).toMatchObject({ errorClass: 'unavailable', retryable: true });
  });

  it('reads the status of a subscription and of an invoice', async () => {
    harness.fakes.stripe.setObject('subscription', {
      id: 'sub_drift',
      status: 'past_due',
      customer: 'cus_1',
    });
    harness.fakes.stripe.setObject('invoice', { id: 'in_drift', status: 'uncollectible' });
    const ctx = harness.contextFor<{ apiKey: string }>('stripe');

    const subscription = await stripeApi.entityState!({ kind: 'subscription', id: 'sub_drift' }, ctx);
    const invoice = await stripeApi.entityState!({ kind: 'invoice', id: 'in_drift' }, ctx);

    expect(subscription).toEqual({
      kind: 'subscription',
      id: 'sub_drift',
      field: 'status',
      value: 'past_due',
      object: { id: 'sub_drift', object: 'subscription', status: 'past_due', customer: 'cus_1' },
    });
    expect(invoice).toMatchObject({ kind: 'invoice', value: 'uncollectible' });
    expect(stripeApi.entityKinds).toEqual(['subscription', 'invoice']);
  });

  it('answers undefined for an object Stripe does not know, and refuses a kind it cannot read', async () => {
    const ctx = harness.contextFor<{ apiKey: string }>('stripe');

    await expect(
      stripeApi.entityState!({ kind: 'subscription', id: 'sub_unknown' }, ctx),
    ).resolves.toBeUndefined();
    await expect(stripeApi.entityState!({ kind: 'customer', id: 'cus_1' }, ctx)).rejects.toMatchObject({
      errorClass: 'refused',
    });
  });

  it('takes a restricted or secret key and refuses a publishable one', () => {
    expect(stripeApiCredentialsSchema.safeParse(localApiCredentials('stripe')).success).toBe(true);
    expect(stripeApiCredentialsSchema.safeParse({ apiKey: 'sk_live_abcdefgh12345678' }).success).toBe(true);
    expect(stripeApiCredentialsSchema.safeParse({ apiKey: 'pk_test_abcdefgh12345678' }).success).toBe(false);
  });
});
