import Mailgun from 'mailgun.js';
import { mailgunAdapter, type MailgunCredentials } from '#shared/channels/mailgun/index';
import type { Message } from '#shared/channels/contract';
import type { EventDraft } from '#shared/providers/types';
import type { ApiContext } from '#shared/reconciliation/contract';
import { PROVIDER_API_LOADERS } from '#shared/reconciliation/providers/index';
import { mailgunApi } from '#shared/reconciliation/providers/mailgun';
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

const API_KEY = 'mailgun-api-key-recon-0000';
const DOMAIN = 'mg.example.com';
const credentials: MailgunCredentials = { apiKey: API_KEY, domain: DOMAIN, from: `billing@${DOMAIN}` };

let harness: FakesHarness;
beforeEach(async () => {
  harness = await startFakes();
});
afterEach(() => harness.stop());

/** Every URL the reconciliation API asked for, with its authorization. */
const calls: { url: URL; authorization: string | null }[] = [];
const recordingFetch: typeof fetch = (input, init) => {
  calls.push({
    url: new URL(input instanceof Request ? input.url : input.toString()),
    authorization: new Headers(init?.headers).get('authorization'),
  });
  return fetch(input, init);
};
beforeEach(() => {
  calls.length = 0;
});

const ctx = (overrides: Partial<ApiContext<MailgunCredentials>> = {}): ApiContext<MailgunCredentials> => ({
  credentials,
  fetch: recordingFetch,
  baseUrl: harness.fakes.urls.mailgun,
  ...overrides,
});

const email = (to: string): Message => ({
  v: 1,
  id: `msg-${to}`,
  tenant: 'acme',
  channel: 'email',
  via: 'mailgun',
  to,
  content: { subject: 'Your receipt', text: 'Thanks' },
  correlationId: 'corr-1',
  causationEventId: 'evt-1',
  metadata: {},
});

const send = async (to: string) =>
  (await mailgunAdapter.send(email(to), { credentials, fetch, baseUrl: harness.fakes.urls.mailgun }))
    .providerMessageId;

const HOUR = 3_600_000;
const tick = (ms = 1000) => {
  harness.clock.now = new Date(harness.clock.now.getTime() + ms);
};
const around = () => ({
  since: new Date(harness.clock.now.getTime() - HOUR),
  until: new Date(harness.clock.now.getTime() + HOUR),
});

const comparable = (draft: EventDraft) => ({
  identity: identityOf(draft),
  type: draft.type,
  entity: draft.entity,
  occurredAt: draft.occurredAt,
  receipt: mailgunAdapter.receiptOf(eventOf('mailgun', draft)),
});
const byIdentity = (a: { identity: string }, b: { identity: string }) => a.identity.localeCompare(b.identity);

describe('mailgun reconciliation: listSent against the fake', () => {
  it('finds every delivered, failed and opened event with the webhook’s event id, dropped ones included', async () => {
    harness.hold();
    const delivered = await send('ada@example.com');
    const opened = await send('open@example.com');
    const bounced = await send('bounce@example.com');
    // The fake names a message by the id its send answered, in angle brackets.
    harness.fakes.dropReceipts(
      (r) =>
        (r.providerMessageId === `<${delivered}>` && r.event === 'delivered') ||
        (r.providerMessageId === `<${opened}>` && r.event === 'opened') ||
        r.providerMessageId === `<${bounced}>`,
    );
    harness.release();
    await harness.fakes.drain();

    const { records } = await listAll(mailgunApi, around(), ctx());

    const listed = records.map((record) => draftOf('mailgun', requestOf('mailgun', record)));
    const dropped = harness.dropped('mailgun');
    const posted = harness.received('mailgun');
    expect(dropped.map((d) => d.providerType).sort()).toEqual(['delivered', 'failed', 'opened']);
    expect(posted.map((d) => d.providerType)).toEqual(['delivered']);
    // `accepted` is listed by the Events API but posted to no webhook: not a record.
    expect(listed.map(comparable).sort(byIdentity)).toEqual(
      [...posted, ...dropped].map(comparable).sort(byIdentity),
    );
    expect(records.map((r) => r.id).sort()).toEqual(listed.map((d) => d.externalId).sort());
    expect(listed.map((d) => mailgunAdapter.receiptOf(eventOf('mailgun', d))?.messageId).sort()).toEqual([
      'msg-ada@example.com',
      'msg-bounce@example.com',
      'msg-open@example.com',
      'msg-open@example.com',
    ]);
    const body = JSON.parse(records[0]!.request.body.toString('utf8')) as {
      signature: Record<string, unknown>;
    };
    expect(body.signature).toEqual({
      timestamp: expect.stringMatching(/^\d{10}$/),
      token: expect.stringMatching(/^[0-9a-f]{50}$/),
      signature: '',
    });
  });

  it('takes only the events the options name', async () => {
    await send('open@example.com');
    await harness.fakes.drain();

    const { records } = await listAll(mailgunApi, around(), ctx(), { events: ['opened'] });

    expect(records.map((r) => draftOf('mailgun', requestOf('mailgun', r)).providerType)).toEqual(['opened']);
  });

  it('applies the window to each event’s time: since is in, until is out', async () => {
    await send('ada@example.com');
    await harness.fakes.drain();
    tick(1500);
    const since = harness.clock.now;
    const inside = await send('ada@example.com');
    await harness.fakes.drain();
    tick(1500);
    const until = harness.clock.now;
    await send('ada@example.com');
    await harness.fakes.drain();

    const { records } = await listAll(mailgunApi, { since, until }, ctx());

    expect(records.map((r) => [draftOf('mailgun', requestOf('mailgun', r)).entity?.id, r.at])).toEqual([
      [inside, since.toISOString()],
    ]);
    // Mailgun got whole seconds, so it answered the neighbours too; they were cut here.
    expect(calls[0]?.url.searchParams.get('begin')).toBe(String(Math.floor(since.getTime() / 1000)));
    expect(calls[0]?.url.searchParams.get('end')).toBe(String(Math.ceil(until.getTime() / 1000)));
  });

  it('follows paging.next under the configured host until a page comes back empty', async () => {
    for (const to of ['a@example.com', 'b@example.com', 'c@example.com']) await send(to);
    await harness.fakes.drain();
    const whole = await listAll(mailgunApi, around(), ctx());
    calls.length = 0;

    harness.fakes.apiPageSize('mailgun', 2);
    const paged = await listAll(mailgunApi, around(), ctx());

    // Six events (three accepted, three delivered): pages of 2, 2, 2, then the empty one.
    expect([whole.pages, paged.pages]).toEqual([2, 4]);
    expect(paged.records.map((r) => r.id).sort()).toEqual(whole.records.map((r) => r.id).sort());
    expect(calls.map((c) => c.url.origin)).toEqual(
      calls.map(() => new URL(harness.fakes.urls.mailgun).origin),
    );
    expect(calls[1]?.url.pathname).toMatch(new RegExp(`^/mailgun/v3/${DOMAIN}/events/[\\w-]+$`));
  });

  it('asks what mailgun.js asks for the same events, with the same credentials', async () => {
    const window = around();
    await mailgunApi.listSent(window, {}, ctx());
    const ours = harness.fakes.apiRequests()[0];

    // mailgun.js warns that the Events API is deprecated (for its Logs API); the request is what counts.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const official = new Mailgun(FormData).client({
      username: 'api',
      key: API_KEY,
      url: harness.fakes.urls.mailgun,
    });
    await official.events.get(DOMAIN, {
      begin: String(Math.floor(window.since.getTime() / 1000)),
      end: String(Math.ceil(window.until.getTime() / 1000)),
      ascending: 'yes',
      limit: 300,
    });
    warn.mockRestore();
    const theirs = harness.fakes.apiRequests()[1];

    expect(ours?.path).toBe(theirs?.path);
    expect(Object.fromEntries(new URLSearchParams(ours?.query))).toEqual(
      Object.fromEntries(new URLSearchParams(theirs?.query)),
    );
    expect(calls[0]?.authorization).toBe(`Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`);
  });

  it('uses the EU host when the credentials say so and the stack keeps Mailgun’s default', async () => {
    const urls: string[] = [];
    const answer: typeof fetch = (input) => {
      urls.push(input instanceof Request ? input.url : input.toString());
      return Promise.resolve(Response.json({ items: [], paging: {} }));
    };
    await mailgunApi.listSent(
      around(),
      {},
      ctx({
        fetch: answer,
        baseUrl: mailgunApi.defaultBaseUrl,
        credentials: { ...credentials, region: 'eu' },
      }),
    );

    expect(new URL(urls[0]!).origin).toBe('https://api.eu.mailgun.net');
  });
});

describe('mailgun reconciliation: messageStatus', () => {
  it('maps each outcome as the channel adapter reads its webhook', async () => {
    const delivered = await send('ada@example.com');
    const opened = await send('open@example.com');
    const bounced = await send('bounce@example.com');
    harness.fakes.dropReceipts(() => true);
    await harness.fakes.drain();

    const at = harness.clock.now.toISOString();
    expect(await mailgunApi.messageStatus?.(delivered, ctx())).toEqual({
      kind: 'final',
      status: 'delivered',
      at,
    });
    expect(await mailgunApi.messageStatus?.(opened, ctx())).toEqual({ kind: 'final', status: 'opened', at });
    expect(await mailgunApi.messageStatus?.(bounced, ctx())).toEqual({
      kind: 'final',
      status: 'bounced',
      at,
      reason: '5.1.1 The email account that you tried to reach does not exist.',
    });
    expect(calls.map((c) => c.url.searchParams.get('message-id'))).toContain(bounced);
  });

  it('is pending while only accepted, and not-found for a message Mailgun never had', async () => {
    harness.hold();
    const accepted = await send('ada@example.com');

    expect(await mailgunApi.messageStatus?.(accepted, ctx())).toEqual({
      kind: 'pending',
      providerStatus: 'accepted',
    });
    expect(await mailgunApi.messageStatus?.(`none.0000@${DOMAIN}`, ctx())).toEqual({ kind: 'not-found' });
  });
});

describe('mailgun reconciliation: errors', () => {
  it('401: unauthorized, not retryable, and the key appears nowhere', async () => {
    harness.fakes.apiFail('mailgun', { status: 401 });

    const error = await apiError(mailgunApi.listSent(around(), {}, ctx()));

    expect(error).toMatchObject({ errorClass: 'unauthorized', retryable: false, status: 401 });
    expect(JSON.stringify([error.message, error.stack])).not.toContain(API_KEY);
  });

  it('429: rate-limited after Retry-After; 503: unavailable; both retryable', async () => {
    harness.fakes.apiFail('mailgun', { status: 429, retryAfterSeconds: 12 });
    const limited = await apiError(mailgunApi.listSent(around(), {}, ctx()));
    harness.fakes.apiFail('mailgun', { status: 503 });
    const broken = await apiError(mailgunApi.messageStatus!(`x@${DOMAIN}`, ctx()));

    expect(limited).toMatchObject({ errorClass: 'rate-limited', retryable: true, retryAfterSeconds: 12 });
    expect(broken).toMatchObject({ errorClass: 'unavailable', retryable: true, status: 503 });
  });

  it('a 200 that is not the JSON documented: malformed', async () => {
    harness.fakes.apiMalformed('mailgun');

    const error = await apiError(mailgunApi.listSent(around(), {}, ctx()));

    expect(error).toMatchObject({ errorClass: 'malformed', retryable: false });
  });

  it('refuses invalid options and a cursor outside the domain’s events', async () => {
    const options = await apiError(mailgunApi.listSent(around(), { events: ['accepted'] }, ctx()));
    const cursor = await apiError(
      mailgunApi.listSent({ ...around(), cursor: '/v3/other.com/events/abc' }, {}, ctx()),
    );

    expect([options.errorClass, cursor.errorClass]).toEqual(['refused', 'refused']);
    expect(calls).toEqual([]);
  });
});

describe('mailgun reconciliation: registry and credentials', () => {
  it('is the api the registry loads, reading the channel adapter’s secret', async () => {
    await expect(PROVIDER_API_LOADERS.mailgun!()).resolves.toBe(mailgunApi);
    expect(mailgunApi.credentials).toBe(mailgunAdapter.credentials);
    expect(mailgunApi.retentionDays).toBe(5);
  });
});
