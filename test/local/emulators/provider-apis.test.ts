import { verify as octokitVerify } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import {
  localApiCredentials,
  providerApiUrlEnvironment,
  ProviderApiFakes,
  STRIPE_API_VERSION,
} from '../../../local/emulators/provider-apis';
import {
  startProviderApiFakes,
  WEBHOOK_SECRETS,
  type ProviderApiFakesUnderTest,
} from '../../helpers/provider-api-fakes';

const stripeSdk = new Stripe('sk_test_provider_api_fakes');

const anInvoiceEvent = {
  type: 'invoice.paid',
  data: { object: { id: 'in_1', object: 'invoice', customer: 'cus_9' } },
};

describe('provider API fakes', () => {
  let harness: ProviderApiFakesUnderTest;

  beforeEach(async () => {
    harness = await startProviderApiFakes();
  });

  afterEach(() => harness.stop());

  const stripeGet = (path: string, apiKey: string | null = localApiCredentials('stripe').apiKey) =>
    fetch(`${harness.fakes.urls.stripe}${path}`, {
      headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` },
    });

  const githubGet = (path: string, token: string | null = localApiCredentials('github').token) =>
    fetch(`${harness.fakes.urls.github}/repos/relayflow/local/hooks/1${path}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });

  describe('Stripe', () => {
    it('completes an event as Stripe does and posts it signed so that our verifier and Stripe’s accept it', async () => {
      const result = await harness.fakes.stripe.send(anInvoiceEvent);

      expect(result).toEqual({
        id: expect.stringMatching(/^evt_[A-Za-z0-9]{24}$/),
        created: expect.any(Number),
        delivered: true,
        status: 202,
      });
      const [webhook] = harness.received;
      expect(webhook?.verified.ok).toBe(true);
      const event = stripeSdk.webhooks.constructEvent(
        webhook!.request.body.toString(),
        webhook!.request.headers['stripe-signature']!,
        WEBHOOK_SECRETS.stripe,
      );
      expect(event).toMatchObject({
        id: result.id,
        object: 'event',
        api_version: STRIPE_API_VERSION,
        created: expect.any(Number),
        livemode: false,
        pending_webhooks: 1,
        type: 'invoice.paid',
        data: anInvoiceEvent.data,
      });
      expect(harness.fakes.sent('stripe')).toEqual([
        expect.objectContaining({
          id: result.id,
          type: 'invoice.paid',
          dropped: false,
          delivered: true,
          status: 202,
        }),
      ]);
    });

    it('lists a dropped event in the Events API but never posts it', async () => {
      const { id, delivered } = await harness.fakes.stripe.send(anInvoiceEvent, { drop: true });

      const listed = (await (await stripeGet('/v1/events')).json()) as {
        data: { id: string }[];
        has_more: boolean;
      };

      expect(delivered).toBe(false);
      expect(harness.received).toEqual([]);
      expect(listed).toMatchObject({ object: 'list', has_more: false, data: [{ id, pending_webhooks: 1 }] });
      expect(harness.fakes.sent('stripe')).toEqual([
        expect.objectContaining({ id, dropped: true, delivered: false }),
      ]);
    });

    it('posts a tenant’s event to its tenant URL and reports what the stack answered', async () => {
      harness.answerWith(500);

      const result = await harness.fakes.stripe.send(anInvoiceEvent, { tenant: 'acme' });

      expect(result).toMatchObject({ delivered: false, status: 500 });
      expect(harness.received.map((webhook) => [webhook.tenant, webhook.verified.ok])).toEqual([
        ['acme', true],
      ]);
    });

    it('resends an event whose id it already holds, as Stripe retries, listing it once', async () => {
      const { id } = await harness.fakes.stripe.send(
        { ...anInvoiceEvent, id: 'evt_retried' },
        { drop: true },
      );
      await harness.fakes.stripe.send({ ...anInvoiceEvent, id });

      const listed = (await (await stripeGet('/v1/events')).json()) as { data: { id: string }[] };

      expect(listed.data.map((event) => event.id)).toEqual(['evt_retried']);
      expect(harness.received).toHaveLength(1);
    });

    it('answers an object set as the provider’s current state, and 404 for another', async () => {
      harness.fakes.stripe.setObject('subscription', { id: 'sub_1', status: 'canceled' });

      const found = await stripeGet('/v1/subscriptions/sub_1');
      const missing = await stripeGet('/v1/invoices/sub_1');

      expect(await found.json()).toEqual({ id: 'sub_1', object: 'subscription', status: 'canceled' });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({
        error: { code: 'resource_missing', type: 'invalid_request_error' },
      });
    });

    it('refuses a request without the local key with Stripe’s 401, masking the key it was given', async () => {
      const none = await stripeGet('/v1/events', null);
      const wrong = await stripeGet('/v1/events', 'rk_test_wrongwrongwrong1234');

      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({
        error: { type: 'invalid_request_error', message: /did not provide an API key/ },
      });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: { message: string } }).error.message).toMatch(
        /^Invalid API Key provided: rk_test_\*{15}1234$/,
      );
    });

    it('filters the Events API by types[] and by created bounds', async () => {
      await harness.fakes.stripe.send({ ...anInvoiceEvent, id: 'evt_old', created: 100 }, { drop: true });
      await harness.fakes.stripe.send({ ...anInvoiceEvent, id: 'evt_new', created: 200 }, { drop: true });
      await harness.fakes.stripe.send(
        { type: 'charge.refunded', id: 'evt_charge', created: 150, data: { object: { id: 'ch_1' } } },
        { drop: true },
      );

      const ids = async (query: string) =>
        ((await (await stripeGet(`/v1/events?${query}`)).json()) as { data: { id: string }[] }).data.map(
          (e) => e.id,
        );

      expect(await ids('')).toEqual(['evt_new', 'evt_charge', 'evt_old']);
      expect(await ids('types[]=invoice.paid')).toEqual(['evt_new', 'evt_old']);
      expect(await ids('created[gte]=150&created[lt]=200')).toEqual(['evt_charge']);
      expect(await ids('limit=1&starting_after=evt_new')).toEqual(['evt_charge']);
    });
  });

  describe('GitHub', () => {
    const payload = {
      action: 'opened',
      issue: { number: 1, updated_at: '2025-06-01T00:00:00Z' },
      repository: { id: 7, full_name: 'relayflow/local' },
    };

    it('posts a delivery signed so that our verifier and Octokit’s accept it, and shows it delivered', async () => {
      const result = await harness.fakes.github.send('issues', payload);

      expect(result).toEqual({
        deliveryId: expect.stringMatching(/^\d+$/),
        guid: expect.any(String),
        delivered: true,
        deliveredAt: expect.any(String),
      });
      const [webhook] = harness.received;
      expect(webhook?.verified.ok).toBe(true);
      await expect(
        octokitVerify(
          WEBHOOK_SECRETS.github,
          webhook!.request.body.toString(),
          webhook!.request.headers['x-hub-signature-256']!,
        ),
      ).resolves.toBe(true);
      expect(webhook!.request.headers).toMatchObject({
        'x-github-event': 'issues',
        'x-github-delivery': result.guid,
      });
      const delivery = (await (await githubGet(`/deliveries/${result.deliveryId}`)).json()) as Record<
        string,
        unknown
      >;
      expect(delivery).toMatchObject({
        id: Number(result.deliveryId),
        guid: result.guid,
        redelivery: false,
        status: 'OK',
        status_code: 202,
        event: 'issues',
        action: 'opened',
        repository_id: 7,
        request: { payload, headers: { 'X-GitHub-Delivery': result.guid, 'X-GitHub-Event': 'issues' } },
      });
    });

    it('shows a dropped delivery failed, as GitHub shows one that never reached the endpoint', async () => {
      const result = await harness.fakes.github.send('issues', payload, { drop: true });

      const [item] = (await (await githubGet('/deliveries')).json()) as Record<string, unknown>[];

      expect(result.delivered).toBe(false);
      expect(harness.received).toEqual([]);
      expect(item).toMatchObject({
        id: Number(result.deliveryId),
        status_code: 502,
        status: 'failed to connect',
      });
    });

    it('redelivers on POST …/attempts: the same payload and guid, a new delivery marked as a redelivery', async () => {
      const dropped = await harness.fakes.github.send('issues', payload, { drop: true });

      const attempt = await fetch(
        `${harness.fakes.urls.github}/repos/relayflow/local/hooks/1/deliveries/${dropped.deliveryId}/attempts`,
        { method: 'POST', headers: { authorization: `token ${localApiCredentials('github').token}` } },
      );

      expect(attempt.status).toBe(202);
      expect(harness.received).toHaveLength(1);
      expect(harness.received[0]?.verified.ok).toBe(true);
      expect(JSON.parse(harness.received[0]!.request.body.toString())).toEqual(payload);
      expect(harness.fakes.sent('github')).toEqual([
        expect.objectContaining({ id: dropped.guid, redelivery: false, dropped: true }),
        expect.objectContaining({ id: dropped.guid, redelivery: true, delivered: true }),
      ]);
    });

    it('pages its deliveries newest first with a Link header to the next page', async () => {
      for (let i = 0; i < 3; i++) await harness.fakes.github.send('issues', payload, { drop: true });

      const first = await githubGet('/deliveries?per_page=2');
      const link = first.headers.get('link') ?? '';
      const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
      const second = await fetch(next, {
        headers: { authorization: `Bearer ${localApiCredentials('github').token}` },
      });

      const ids = [
        ...((await first.json()) as { id: number }[]),
        ...((await second.json()) as { id: number }[]),
      ].map((d) => d.id);
      const sent = harness.fakes.sent('github').map((s) => Number(s.deliveryId));
      expect(ids).toEqual([...sent].reverse());
      expect(second.headers.get('link')).toBeNull();
    });

    it('refuses a request without the local token, and answers 404 for another hook', async () => {
      const none = await githubGet('/deliveries', null);
      const other = await fetch(`${harness.fakes.urls.github}/repos/relayflow/local/hooks/2/deliveries`, {
        headers: { authorization: `Bearer ${localApiCredentials('github').token}` },
      });

      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ message: 'Requires authentication' });
      expect(other.status).toBe(404);
    });
  });

  describe('the harness route', () => {
    const NOW = new Date('2025-06-01T12:00:00Z');
    let dated: ProviderApiFakesUnderTest;

    beforeEach(async () => {
      dated = await startProviderApiFakes({ now: () => NOW });
    });

    afterEach(() => dated.stop());

    const harnessPost = (path: string, body: unknown) =>
      fetch(new URL(`/_harness/${path}`, dated.fakes.urls.stripe), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const listed = async () =>
      (
        (await (
          await fetch(`${dated.fakes.urls.stripe}/v1/events`, {
            headers: { authorization: `Bearer ${localApiCredentials('stripe').apiKey}` },
          })
        ).json()) as { data: { id: string; created: number; type: string }[] }
      ).data;

    it('sends a Stripe event as stripe.send does and answers its result', async () => {
      const answer = await harnessPost('stripe/send', { event: anInvoiceEvent });

      expect(answer.status).toBe(200);
      const result = (await answer.json()) as { id: string };
      expect(result).toEqual({
        provider: 'stripe',
        id: expect.stringMatching(/^evt_/),
        created: NOW.getTime() / 1000,
        delivered: true,
        status: 202,
      });
      expect(dated.received.map((webhook) => webhook.verified.ok)).toEqual([true]);
      expect((await listed()).map((event) => event.id)).toEqual([result.id]);
    });

    it('lists a dropped Stripe event dated 10 minutes back, past the settle margin, and posts nothing', async () => {
      const answer = await harnessPost('stripe/send', { event: anInvoiceEvent, drop: true });

      const result = (await answer.json()) as { id: string; created: number };
      expect(answer.status).toBe(200);
      expect(result).toMatchObject({ delivered: false, created: NOW.getTime() / 1000 - 600 });
      expect(dated.received).toEqual([]);
      expect(await listed()).toEqual([
        expect.objectContaining({ id: result.id, type: 'invoice.paid', created: NOW.getTime() / 1000 - 600 }),
      ]);
    });

    it('dates a Stripe event as far back as createdSecondsAgo says', async () => {
      const answer = await harnessPost('stripe/send', {
        event: anInvoiceEvent,
        drop: true,
        createdSecondsAgo: 3600,
      });

      expect(await answer.json()).toMatchObject({ created: NOW.getTime() / 1000 - 3600 });
    });

    it('records a dropped GitHub delivery as failed with delivered_at 10 minutes back', async () => {
      const answer = await harnessPost('github/send', {
        event: 'issues',
        payload: { action: 'opened' },
        drop: true,
      });

      const result = (await answer.json()) as { deliveryId: string };
      expect(answer.status).toBe(200);
      expect(result).toMatchObject({
        provider: 'github',
        delivered: false,
        deliveredAt: '2025-06-01T11:50:00.000Z',
      });
      expect(dated.received).toEqual([]);
      const item = (await (
        await fetch(`${dated.fakes.urls.github}/repos/relayflow/local/hooks/1/deliveries`, {
          headers: { authorization: `Bearer ${localApiCredentials('github').token}` },
        })
      ).json()) as Record<string, unknown>[];
      expect(item).toEqual([
        expect.objectContaining({
          id: Number(result.deliveryId),
          delivered_at: '2025-06-01T11:50:00Z',
          status_code: 502,
        }),
      ]);
    });

    it('answers 400 with what is wrong for a body that is not JSON or not the schema', async () => {
      const notJson = await harnessPost('stripe/send', '{"event":');
      const noType = await harnessPost('stripe/send', { event: { data: { object: {} } }, drop: 'yes' });
      const noPayload = await harnessPost('github/send', { event: 'push' });

      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toEqual({ message: expect.stringContaining('not JSON') });
      expect(noType.status).toBe(400);
      const { message } = (await noType.json()) as { message: string };
      expect(message).toMatch(/event\.type/);
      expect(message).toMatch(/drop/);
      expect(noPayload.status).toBe(400);
      expect(await noPayload.json()).toEqual({ message: expect.stringContaining('payload') });
      expect(await listed()).toEqual([]);
    });

    it('answers 404 for a provider it has no fake of, and keeps the route out of the provider APIs', async () => {
      const twilio = await harnessPost('twilio/send', { event: anInvoiceEvent });
      const underStripe = await fetch(`${dated.fakes.urls.stripe}/_harness/stripe/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${localApiCredentials('stripe').apiKey}` },
        body: JSON.stringify({ event: anInvoiceEvent }),
      });

      expect(twilio.status).toBe(404);
      expect(await twilio.json()).toEqual({ message: expect.stringContaining('POST /_harness/stripe/send') });
      expect(underStripe.status).toBe(404);
      expect(dated.fakes.requests('stripe')).toEqual([expect.objectContaining({ status: 404 })]);
    });
  });

  describe('faults', () => {
    it('answers the armed fault as many times as asked, then as usual, to that provider only', async () => {
      harness.fakes.fail('stripe', { status: 503, times: 2 });

      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await stripeGet('/v1/events')).status);
      const github = await githubGet('/deliveries');

      expect(statuses).toEqual([503, 503, 200]);
      expect(github.status).toBe(200);
      expect(harness.fakes.requests('stripe').map((request) => request.status)).toEqual([503, 503, 200]);
    });

    it('sends Retry-After with a 429 only when asked to', async () => {
      harness.fakes.fail('stripe', { status: 429, retryAfterSeconds: 3 });
      const withWait = await stripeGet('/v1/events');
      harness.fakes.fail('stripe', { status: 429 });
      const without = await stripeGet('/v1/events');

      expect([withWait.status, withWait.headers.get('retry-after')]).toEqual([429, '3']);
      expect([without.status, without.headers.get('retry-after')]).toEqual([429, null]);
    });

    it('answers malformed bodies with 200 for as many requests as asked', async () => {
      harness.fakes.malformed('github', 1, 'not-json');
      harness.fakes.malformed('stripe', 1);

      const notJson = await githubGet('/deliveries');
      const wrongShape = await stripeGet('/v1/events');
      const afterwards = await stripeGet('/v1/events');

      expect(notJson.status).toBe(200);
      await expect(notJson.clone().json()).rejects.toThrow();
      expect(await wrongShape.json()).toEqual({ unexpected: true });
      expect(await afterwards.json()).toMatchObject({ object: 'list' });
    });

    it('forgets faults, events and deliveries on clear', async () => {
      await harness.fakes.stripe.send(anInvoiceEvent, { drop: true });
      await harness.fakes.github.send('issues', {}, { drop: true });
      harness.fakes.fail('stripe', { status: 500, times: 5 });

      harness.fakes.clear();
      const events = await stripeGet('/v1/events');

      expect(events.status).toBe(200);
      expect(await events.json()).toMatchObject({ data: [] });
      expect(await (await githubGet('/deliveries')).json()).toEqual([]);
      expect(harness.fakes.sent()).toEqual([]);
    });
  });

  it('refuses to post when the stack takes no webhooks of the provider, but still drops', async () => {
    const fakes = new ProviderApiFakes({ routing: { target: () => undefined } });
    await fakes.start();
    try {
      await expect(fakes.stripe.send(anInvoiceEvent)).rejects.toThrow(/takes no stripe webhooks/);
      await expect(fakes.github.send('issues', {}, { drop: true })).resolves.toMatchObject({
        delivered: false,
      });
    } finally {
      await fakes.stop();
    }
  });

  it('names each provider API variable after the fake’s URL', () => {
    expect(providerApiUrlEnvironment({ ...harness.fakes.urls, twilio: 'http://127.0.0.1:1/twilio' })).toEqual(
      {
        RELAYFLOW_PROVIDER_API_URL_STRIPE: `${harness.fakes.urls.stripe}`,
        RELAYFLOW_PROVIDER_API_URL_GITHUB: `${harness.fakes.urls.github}`,
        RELAYFLOW_PROVIDER_API_URL_TWILIO: 'http://127.0.0.1:1/twilio',
      },
    );
  });
});
