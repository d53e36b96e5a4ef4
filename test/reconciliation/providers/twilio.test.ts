import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { twilioAdapter, type TwilioCredentials } from '#shared/channels/twilio/index';
import type { Message } from '#shared/channels/contract';
import type { ApiContext } from '#shared/reconciliation/contract';
import { PROVIDER_API_LOADERS } from '#shared/reconciliation/providers/index';
import { twilioApi } from '#shared/reconciliation/providers/twilio';
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

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-api-auth-token-0000';
const FROM = '+15557122661';

const credentials: TwilioCredentials = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM };

let harness: FakesHarness;
beforeEach(async () => {
  harness = await startFakes();
});
afterEach(() => harness.stop());

/** Every request the reconciliation API made, as URLs with their authorization. */
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

const ctx = (overrides: Partial<ApiContext<TwilioCredentials>> = {}): ApiContext<TwilioCredentials> => ({
  credentials,
  fetch: recordingFetch,
  baseUrl: harness.fakes.urls.twilio,
  ...overrides,
});

const sms = (to: string, overrides: Partial<Message> = {}): Message => ({
  v: 1,
  id: `msg-${to}`,
  tenant: 'acme',
  channel: 'sms',
  via: 'twilio',
  to,
  content: { body: 'Your code is 4242' },
  correlationId: 'corr-1',
  causationEventId: 'evt-1',
  metadata: {},
  ...overrides,
});

/** Sends through the adapter to the fake, its status callbacks to the stand-in API. */
const send = async (message: Message) => {
  const { providerMessageId } = await twilioAdapter.send(message, {
    credentials,
    fetch,
    baseUrl: harness.fakes.urls.twilio,
    statusCallbackUrl: harness.webhookUrl('twilio'),
  });
  return providerMessageId;
};

/** Moves the clock on by `seconds` (Twilio's dates have whole seconds). */
const tick = (seconds = 1) => {
  harness.clock.now = new Date(harness.clock.now.getTime() + seconds * 1000);
};

const wholeDay = () => ({
  since: new Date(harness.clock.now.getTime() - 3_600_000),
  until: new Date(harness.clock.now.getTime() + 3_600_000),
});

describe('twilio reconciliation: listSent against the fake', () => {
  it('finds each message’s current status callback, and the incoming message, with the webhook’s identity, dropped ones included', async () => {
    harness.hold();
    const delivered = await send(sms('+15550000100'));
    const undelivered = await send(sms('+15550000000'));
    const read = await send(sms('+15550000002', { channel: 'whatsapp' }));
    harness.fakes.dropReceipts(
      (r) =>
        (r.providerMessageId === delivered && r.event === 'delivered') ||
        (r.providerMessageId === undelivered && r.event === 'undelivered'),
    );
    const incoming = harness.fakes.receiveTwilioMessage({
      accountSid: ACCOUNT_SID,
      from: '+15559990000',
      to: FROM,
      body: 'STOP',
    });
    harness.fakes.dropReceipts((r) => r.providerMessageId === incoming);
    harness.release();
    await harness.fakes.drain();

    const { records } = await listAll(twilioApi, wholeDay(), ctx());

    const listed = records.map((record) => draftOf('twilio', requestOf('twilio', record)));
    const dropped = harness.dropped('twilio');
    const posted = harness.received('twilio');
    expect(dropped.map(identityOf).sort()).toEqual(
      [
        `message.delivered#${delivered}:delivered`,
        `message.undelivered#${undelivered}:undelivered`,
        `message.received#${incoming}:received`,
      ].sort(),
    );
    // Each message's last status is listed, as the callback it was (or would have been) posted as.
    const lastOfEach = [...dropped, ...posted].filter((draft) =>
      [
        `${delivered}:delivered`,
        `${undelivered}:undelivered`,
        `${read}:read`,
        `${incoming}:received`,
      ].includes(draft.externalId),
    );
    const comparable = (draft: (typeof listed)[number]) => ({
      identity: identityOf(draft),
      type: draft.type,
      entity: draft.entity,
      receipt: twilioAdapter.receiptOf(eventOf('twilio', draft)),
    });
    expect(listed.map(comparable).sort((a, b) => a.identity.localeCompare(b.identity))).toEqual(
      lastOfEach.map(comparable).sort((a, b) => a.identity.localeCompare(b.identity)),
    );
    expect(records.map((r) => r.id).sort()).toEqual(listed.map((d) => d.externalId).sort());
    expect(listed.find((d) => d.externalId === `${undelivered}:undelivered`)?.data).toMatchObject({
      errorCode: '30003',
      to: '+15550000000',
      from: FROM,
    });
    expect(listed.find((d) => d.externalId === `${incoming}:received`)?.data).toMatchObject({
      status: 'received',
      payload: expect.objectContaining({ Body: 'STOP', From: '+15559990000' }),
    });
  });

  it('follows next_page_uri until the last page, and lists the same records as one page would', async () => {
    for (const to of ['+15550000101', '+15550000102', '+15550000103', '+15550000104', '+15550000105'])
      await send(sms(to));
    await harness.fakes.drain();
    const whole = await listAll(twilioApi, wholeDay(), ctx());
    calls.length = 0;

    harness.fakes.apiPageSize('twilio', 2);
    const paged = await listAll(twilioApi, wholeDay(), ctx());

    expect([whole.pages, paged.pages]).toEqual([1, 3]);
    expect(paged.records.map((r) => r.id).sort()).toEqual(whole.records.map((r) => r.id).sort());
    expect(paged.records).toHaveLength(5);
    expect(calls[1]?.url.searchParams.get('PageToken')).toMatch(/^PA/);
    expect(calls.every((call) => call.url.pathname.endsWith(`/Accounts/${ACCOUNT_SID}/Messages.json`))).toBe(
      true,
    );
  });

  it('applies the window to the second itself, though Twilio filters DateSent by day: since is in, until is out', async () => {
    const first = await send(sms('+15550000111'));
    await harness.fakes.drain();
    tick();
    const startOfWindow = harness.clock.now;
    const second = await send(sms('+15550000112'));
    await harness.fakes.drain();
    tick();
    const endOfWindow = harness.clock.now;
    const third = await send(sms('+15550000113'));
    await harness.fakes.drain();

    const { records } = await listAll(twilioApi, { since: startOfWindow, until: endOfWindow }, ctx());

    expect(records.map((r) => r.id)).toEqual([`${second}:delivered`]);
    expect(records[0]?.at).toBe(startOfWindow.toISOString());
    // What Twilio answered held all three: the day filter let the neighbours through.
    const all = await listAll(twilioApi, wholeDay(), ctx());
    expect(all.records.map((r) => r.id).sort()).toEqual(
      [`${first}:delivered`, `${second}:delivered`, `${third}:delivered`].sort(),
    );
  });

  it('asks what the official library asks for the same list: path, DateSent> and DateSent<, PageSize, basic auth', async () => {
    const window = {
      since: new Date('2026-05-04T09:15:30.250Z'),
      until: new Date('2026-05-04T11:00:00.000Z'),
    };
    await twilioApi.listSent(window, {}, ctx());

    const sent: RequestClient.RequestOptions[] = [];
    const httpClient = {
      request: (opts: RequestClient.RequestOptions) => {
        sent.push(opts);
        return Promise.resolve({
          statusCode: 200,
          body: JSON.stringify({ messages: [], next_page_uri: null }),
          headers: {},
        });
      },
    } as unknown as RequestClient;
    await twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient }).messages.page({
      dateSentAfter: window.since,
      dateSentBefore: window.until,
      pageSize: 1000,
    });

    const official = sent[0]!;
    const ours = calls[0]!;
    expect(ours.url.pathname.replace(/^\/twilio/, '')).toBe(new URL(official.uri).pathname);
    expect(Object.fromEntries(ours.url.searchParams)).toEqual(
      Object.fromEntries(Object.entries(official.params ?? {}).map(([k, v]) => [k, String(v)])),
    );
    expect(ours.authorization).toBe(
      `Basic ${Buffer.from(`${official.username}:${official.password}`).toString('base64')}`,
    );
  });

  it('fetches one message where the official library does, with an API key under the account', async () => {
    const sid = await send(sms('+15550000121'));
    await harness.fakes.drain();
    const apiKey: TwilioCredentials = {
      accountSid: ACCOUNT_SID,
      apiKeySid: 'SK0123456789abcdef0123456789abcdef',
      apiKeySecret: 'api-key-secret-0000',
      from: FROM,
    };
    await twilioApi.messageStatus?.(sid, ctx({ credentials: apiKey }));

    const sent: RequestClient.RequestOptions[] = [];
    const httpClient = {
      request: (opts: RequestClient.RequestOptions) => {
        sent.push(opts);
        return Promise.resolve({ statusCode: 200, body: JSON.stringify({ sid }), headers: {} });
      },
    } as unknown as RequestClient;
    await twilio(apiKey.apiKeySid, apiKey.apiKeySecret, { httpClient, accountSid: ACCOUNT_SID })
      .messages(sid)
      .fetch();

    expect(calls[0]?.url.pathname.replace(/^\/twilio/, '')).toBe(new URL(sent[0]!.uri).pathname);
    expect(calls[0]?.authorization).toBe(
      `Basic ${Buffer.from(`${sent[0]!.username}:${sent[0]!.password}`).toString('base64')}`,
    );
  });
});

describe('twilio reconciliation: messageStatus and entityState', () => {
  it('maps each outcome to the receipt the status callback would have given', async () => {
    const delivered = await send(sms('+15550000131'));
    const failed = await send(sms('+15550000000'));
    const read = await send(sms('+15550000002', { channel: 'whatsapp' }));
    harness.fakes.dropReceipts(() => true);
    await harness.fakes.drain();

    const at = harness.clock.now.toISOString();
    expect(await twilioApi.messageStatus?.(delivered, ctx())).toEqual({
      kind: 'final',
      status: 'delivered',
      at,
    });
    expect(await twilioApi.messageStatus?.(failed, ctx())).toEqual({
      kind: 'final',
      status: 'failed',
      at,
      reason: 'Twilio error 30003: Unreachable destination handset',
    });
    // As twilioAdapter.receiptOf reads a WhatsApp read callback.
    expect(await twilioApi.messageStatus?.(read, ctx())).toEqual({ kind: 'final', status: 'opened', at });
  });

  it('is pending while Twilio still holds the message, and not-found for a sid it never had', async () => {
    harness.hold();
    const queued = await send(sms('+15550000141'));

    expect(await twilioApi.messageStatus?.(queued, ctx())).toEqual({
      kind: 'pending',
      providerStatus: 'queued',
    });
    expect(await twilioApi.messageStatus?.('SM00000000000000000000000000000000', ctx())).toEqual({
      kind: 'not-found',
    });
    harness.release();
    await harness.fakes.drain();
    expect(await twilioApi.messageStatus?.(queued, ctx())).toMatchObject({
      kind: 'final',
      status: 'delivered',
    });
  });

  it('reads a message’s status as its entity state, for drift', async () => {
    const sid = await send(sms('+15550000000'));
    await harness.fakes.drain();

    const state = await twilioApi.entityState?.({ kind: 'message', id: sid }, ctx());

    expect(twilioApi.entityKinds).toEqual(['message']);
    expect(state).toMatchObject({ kind: 'message', id: sid, field: 'status', value: 'undelivered' });
    expect(state?.object).toMatchObject({ sid, status: 'undelivered', error_code: 30003 });
    expect(
      await twilioApi.entityState?.({ kind: 'message', id: 'SM00000000000000000000000000000000' }, ctx()),
    ).toBeUndefined();
    expect(await twilioApi.entityState?.({ kind: 'subscription', id: sid }, ctx())).toBeUndefined();
  });
});

describe('twilio reconciliation: errors', () => {
  const window = () => wholeDay();

  it('401: unauthorized, not retryable, and the token appears nowhere', async () => {
    harness.fakes.apiFail('twilio', { status: 401 });

    const error = await apiError(twilioApi.listSent(window(), {}, ctx()));

    expect(error).toMatchObject({ errorClass: 'unauthorized', retryable: false, status: 401 });
    expect(JSON.stringify([error.message, error.stack])).not.toContain(AUTH_TOKEN);
  });

  it('429: rate-limited, retryable after Retry-After', async () => {
    harness.fakes.apiFail('twilio', { status: 429, retryAfterSeconds: 7 });

    const error = await apiError(twilioApi.listSent(window(), {}, ctx()));

    expect(error).toMatchObject({ errorClass: 'rate-limited', retryable: true, retryAfterSeconds: 7 });
    expect(error.message).toContain('20429 Too Many Requests');
  });

  it('500 and no answer at all: unavailable, retryable', async () => {
    harness.fakes.apiFail('twilio', { status: 500 });
    const broken = await apiError(twilioApi.listSent(window(), {}, ctx()));
    const unreachable = await apiError(
      twilioApi.listSent(window(), {}, ctx({ baseUrl: 'http://127.0.0.1:9' })),
    );

    expect([broken.errorClass, broken.retryable, unreachable.errorClass, unreachable.retryable]).toEqual([
      'unavailable',
      true,
      'unavailable',
      true,
    ]);
  });

  it('a 200 that is not the JSON documented: malformed, for the list and for one message', async () => {
    harness.fakes.apiMalformed('twilio', 2);

    const list = await apiError(twilioApi.listSent(window(), {}, ctx()));
    const one = await apiError(twilioApi.messageStatus!('SM00000000000000000000000000000000', ctx()));

    expect([list.errorClass, one.errorClass]).toEqual(['malformed', 'malformed']);
    // The faults are spent: the next call answers.
    await expect(twilioApi.listSent(window(), {}, ctx())).resolves.toEqual({ records: [] });
  });

  it('refuses a cursor that is not a page of this account’s messages: it would send the credentials elsewhere', async () => {
    const error = await apiError(
      twilioApi.listSent(
        { ...window(), cursor: '/2010-04-01/Accounts/ACother/Messages.json?Page=1' },
        {},
        ctx(),
      ),
    );

    expect(error).toMatchObject({ errorClass: 'refused', retryable: false });
    expect(calls).toEqual([]);
  });
});

describe('the twilio fake’s query faults', () => {
  it('touch queries only: a send goes through, and a query is never recorded as a send', async () => {
    harness.fakes.apiFail('twilio', { status: 500, times: 2 });

    const sid = await send(sms('+15550000151'));
    await apiError(twilioApi.listSent(wholeDay(), {}, ctx()));

    expect(harness.fakes.sent().map((s) => [s.method, s.providerMessageId])).toEqual([['POST', sid]]);
    expect(harness.fakes.apiRequests().map((r) => [r.method, r.status])).toEqual([['GET', 500]]);
  });
});

describe('twilio reconciliation: registry and credentials', () => {
  it('is the api the registry loads, reading the channel adapter’s secret', async () => {
    await expect(PROVIDER_API_LOADERS.twilio!()).resolves.toBe(twilioApi);
    expect(twilioApi.credentials).toBe(twilioAdapter.credentials);
    expect(twilioApi.retentionDays).toBe(400);
  });
});
