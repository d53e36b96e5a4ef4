import { ServerClient } from 'postmark';
import { postmarkAdapter, type PostmarkCredentials } from '#shared/channels/postmark/index';
import type { Message } from '#shared/channels/contract';
import type { EventDraft } from '#shared/providers/types';
import type { ApiContext } from '#shared/reconciliation/contract';
import { PROVIDER_API_LOADERS } from '#shared/reconciliation/providers/index';
import { easternTime, postmarkApi } from '#shared/reconciliation/providers/postmark';
import {
  apiError,
  draftOf,
  eventOf,
  identityOf,
  listAll,
  requestOf,
  startFakes,
  type FakesHarness,
} from './fakes-harness';

const TOKEN = 'postmark-server-token-recon-0000';
const credentials: PostmarkCredentials = { serverToken: TOKEN, from: 'billing@example.com' };

let harness: FakesHarness;
beforeEach(async () => {
  harness = await startFakes();
});
afterEach(() => harness.stop());

const ctx = (overrides: Partial<ApiContext<PostmarkCredentials>> = {}): ApiContext<PostmarkCredentials> => ({
  credentials,
  fetch,
  baseUrl: harness.fakes.urls.postmark,
  ...overrides,
});

const email = (to: string): Message => ({
  v: 1,
  id: `msg-${to}`,
  tenant: 'acme',
  channel: 'email',
  via: 'postmark',
  to,
  content: { subject: 'Your receipt', text: 'Thanks' },
  correlationId: 'corr-1',
  causationEventId: 'evt-1',
  metadata: { order: 'o-1' },
});

const send = async (to: string) =>
  (await postmarkAdapter.send(email(to), { credentials, fetch, baseUrl: harness.fakes.urls.postmark }))
    .providerMessageId;

const HOUR = 3_600_000;
const tick = (ms = 1000) => {
  harness.clock.now = new Date(harness.clock.now.getTime() + ms);
};
const around = () => ({
  since: new Date(harness.clock.now.getTime() - HOUR),
  until: new Date(harness.clock.now.getTime() + HOUR),
});

/** What a record must give to be the webhook's event: key, type, entity, time, and the adapter's receipt. */
const comparable = (draft: EventDraft) => ({
  identity: identityOf(draft),
  type: draft.type,
  entity: draft.entity,
  occurredAt: draft.occurredAt,
  receipt: postmarkAdapter.receiptOf(eventOf('postmark', draft)),
});
const byIdentity = (a: { identity: string }, b: { identity: string }) => a.identity.localeCompare(b.identity);

describe('postmark reconciliation: listSent against the fake', () => {
  it('finds every Delivery, Bounce and Open record with the webhook’s identity and Metadata, dropped ones included', async () => {
    harness.hold();
    const delivered = await send('ada@example.com');
    const opened = await send('open@example.com');
    const bounced = await send('bounce@example.com');
    harness.fakes.dropReceipts(
      (r) =>
        (r.providerMessageId === delivered && r.event === 'Delivery') ||
        (r.providerMessageId === opened && r.event === 'Open') ||
        r.providerMessageId === bounced,
    );
    harness.release();
    await harness.fakes.drain();

    const { records } = await listAll(postmarkApi, around(), ctx());

    const listed = records.map((record) => draftOf('postmark', requestOf('postmark', record)));
    const dropped = harness.dropped('postmark');
    const posted = harness.received('postmark');
    expect(dropped.map((d) => d.providerType).sort()).toEqual(['Bounce', 'Delivery', 'Open']);
    expect(posted.map((d) => d.providerType)).toEqual(['Delivery']);
    expect(listed.map(comparable).sort(byIdentity)).toEqual(
      [...posted, ...dropped].map(comparable).sort(byIdentity),
    );
    expect(records.map((r) => r.id).sort()).toEqual(listed.map((d) => d.externalId).sort());
    // The Metadata came back: each receipt names our message id, as the webhook's does.
    expect(listed.map((d) => postmarkAdapter.receiptOf(eventOf('postmark', d))?.messageId).sort()).toEqual([
      'msg-ada@example.com',
      'msg-bounce@example.com',
      'msg-open@example.com',
      'msg-open@example.com',
    ]);
  });

  it('finds a delivery inside the window of a message sent before it, as far back as eventLagDays', async () => {
    harness.hold();
    const late = await send('ada@example.com');
    tick(2 * HOUR);
    harness.release();
    await harness.fakes.drain();
    const window = {
      since: new Date(harness.clock.now.getTime() - HOUR),
      until: new Date(harness.clock.now.getTime() + HOUR),
    };

    const found = await listAll(postmarkApi, window, ctx());
    const tooShort = await listAll(postmarkApi, window, ctx(), { eventLagDays: 1 / 48 });

    expect(found.records.map((r) => r.id)).toEqual([`${late}:${harness.clock.now.toISOString()}`]);
    expect(tooShort.records).toEqual([]);
  });

  it('applies the window to each record’s own time: since is in, until is out', async () => {
    await send('ada@example.com');
    await harness.fakes.drain();
    tick();
    const since = harness.clock.now;
    const inside = await send('ada@example.com');
    await harness.fakes.drain();
    tick();
    const until = harness.clock.now;
    await send('ada@example.com');
    await harness.fakes.drain();

    const { records } = await listAll(postmarkApi, { since, until }, ctx());

    expect(records.map((r) => [r.id, r.at])).toEqual([
      [`${inside}:${since.toISOString()}`, since.toISOString()],
    ]);
  });

  it('pages each list by offset, and lists what one page would', async () => {
    for (const to of [
      'a@example.com',
      'b@example.com',
      'c@example.com',
      'open@example.com',
      'bounce@example.com',
    ])
      await send(to);
    await harness.fakes.drain();
    const whole = await listAll(postmarkApi, around(), ctx());

    harness.fakes.apiPageSize('postmark', 2);
    const paged = await listAll(postmarkApi, around(), ctx());

    // Deliveries, bounces, opens: one page each, then three pages of five messages.
    expect([whole.pages, paged.pages]).toEqual([3, 5]);
    expect(paged.records.map((r) => r.id).sort()).toEqual(whole.records.map((r) => r.id).sort());
    expect(whole.records).toHaveLength(6);
  });

  it('asks what Postmark’s own client asks: the same paths and query', async () => {
    const id = await send('open@example.com');
    await harness.fakes.drain();
    const window = around();
    await listAll(postmarkApi, window, ctx());
    await postmarkApi.messageStatus?.(id, ctx());
    const ours = harness.fakes.apiRequests();
    const [messages, , bounces, opens] = ours;

    const official = new ServerClient(TOKEN, {
      useHttps: false,
      requestHost: harness.fakes.urls.postmark.replace('http://', ''),
    });
    const query = (request: { query: string } | undefined) =>
      Object.fromEntries([...new URLSearchParams(request?.query)].map(([k, v]) => [k.toLowerCase(), v]));
    const paramsOf = (request: { query: string } | undefined) => {
      const { count, offset, fromdate, todate } = query(request);
      return { count: Number(count), offset: Number(offset), fromDate: fromdate, toDate: todate };
    };
    await official.getOutboundMessages(paramsOf(messages));
    await official.getOutboundMessageDetails(id);
    await official.getBounces(paramsOf(bounces));
    await official.getMessageOpens(paramsOf(opens));
    const theirs = harness.fakes.apiRequests().slice(ours.length);

    const shape = (r: (typeof ours)[number] | undefined) => ({
      path: r?.path,
      query: query(r),
      status: r?.status,
    });
    expect([messages, ours[1], bounces, opens].map(shape)).toEqual(theirs.map(shape));
    expect(query(messages)).toMatchObject({
      count: '500',
      offset: '0',
      fromdate: easternTime(new Date(window.since.getTime() - 3 * 24 * HOUR)),
    });
  });

  it('sends the Eastern wall-clock time Postmark reads, across daylight saving', () => {
    expect(easternTime(new Date('2026-01-15T17:30:05.900Z'))).toBe('2026-01-15T12:30:05');
    expect(easternTime(new Date('2026-07-15T17:30:05.900Z'))).toBe('2026-07-15T13:30:05');
  });
});

describe('postmark reconciliation: messageStatus', () => {
  it('maps each outcome as the channel adapter reads its webhook', async () => {
    const delivered = await send('ada@example.com');
    const opened = await send('open@example.com');
    const bounced = await send('bounce@example.com');
    harness.fakes.dropReceipts(() => true);
    await harness.fakes.drain();

    const at = harness.clock.now.toISOString();
    expect(await postmarkApi.messageStatus?.(delivered, ctx())).toEqual({
      kind: 'final',
      status: 'delivered',
      at,
    });
    expect(await postmarkApi.messageStatus?.(opened, ctx())).toEqual({ kind: 'final', status: 'opened', at });
    expect(await postmarkApi.messageStatus?.(bounced, ctx())).toEqual({
      kind: 'final',
      status: 'bounced',
      at,
      reason: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
    });
  });

  it('is pending while no event has happened, and not-found for an id Postmark never had', async () => {
    harness.hold();
    const waiting = await send('ada@example.com');

    expect(await postmarkApi.messageStatus?.(waiting, ctx())).toEqual({
      kind: 'pending',
      providerStatus: 'Sent',
    });
    expect(await postmarkApi.messageStatus?.('00000000-0000-4000-8000-000000000000', ctx())).toEqual({
      kind: 'not-found',
    });
  });
});

describe('postmark reconciliation: errors', () => {
  it('401: unauthorized, not retryable, and the token appears nowhere', async () => {
    harness.fakes.apiFail('postmark', { status: 401 });

    const error = await apiError(postmarkApi.listSent(around(), {}, ctx()));

    expect(error).toMatchObject({ errorClass: 'unauthorized', retryable: false });
    expect(JSON.stringify([error.message, error.stack])).not.toContain(TOKEN);
  });

  it('429: rate-limited after Retry-After; 500: unavailable; both retryable', async () => {
    harness.fakes.apiFail('postmark', { status: 429, retryAfterSeconds: 3 });
    const limited = await apiError(postmarkApi.listSent(around(), {}, ctx()));
    harness.fakes.apiFail('postmark', { status: 500 });
    const broken = await apiError(postmarkApi.messageStatus!('00000000-0000-4000-8000-000000000000', ctx()));

    expect(limited).toMatchObject({ errorClass: 'rate-limited', retryable: true, retryAfterSeconds: 3 });
    expect(broken).toMatchObject({ errorClass: 'unavailable', retryable: true, status: 500 });
  });

  it('a 200 that is not the JSON documented: malformed, in a details call too', async () => {
    await send('ada@example.com');
    await harness.fakes.drain();
    harness.fakes.apiMalformed('postmark');
    const list = await apiError(postmarkApi.listSent(around(), {}, ctx()));

    const fetchDetailsBroken: typeof fetch = (input, init) =>
      String(input instanceof Request ? input.url : input).includes('/details')
        ? Promise.resolve(
            new Response('{"MessageID": 42', { headers: { 'content-type': 'application/json' } }),
          )
        : fetch(input, init);
    const details = await apiError(postmarkApi.listSent(around(), {}, ctx({ fetch: fetchDetailsBroken })));

    expect([list.errorClass, details.errorClass]).toEqual(['malformed', 'malformed']);
  });

  it('refuses a window holding more than the 10,000 records Postmark’s search pages through', async () => {
    const tooMany: typeof fetch = () => Promise.resolve(Response.json({ TotalCount: 10_001, Messages: [] }));

    const error = await apiError(postmarkApi.listSent(around(), {}, ctx({ fetch: tooMany })));

    expect(error).toMatchObject({ errorClass: 'refused', retryable: false });
    expect(error.message).toContain('10001');
  });

  it('refuses invalid options and a cursor it did not write', async () => {
    const options = await apiError(postmarkApi.listSent(around(), { eventLagDays: -1 }, ctx()));
    const cursor = await apiError(postmarkApi.listSent({ ...around(), cursor: 'not-ours' }, {}, ctx()));

    expect([options.errorClass, cursor.errorClass]).toEqual(['refused', 'refused']);
    expect(harness.fakes.apiRequests()).toEqual([]);
  });
});

describe('postmark reconciliation: registry and credentials', () => {
  it('is the api the registry loads, reading the channel adapter’s secret', async () => {
    await expect(PROVIDER_API_LOADERS.postmark!()).resolves.toBe(postmarkApi);
    expect(postmarkApi.credentials).toBe(postmarkAdapter.credentials);
    expect(postmarkApi.retentionDays).toBe(45);
  });
});
