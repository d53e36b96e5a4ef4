import type { IncomingMessage, ServerResponse } from 'node:http';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { ProviderApiError, type SentRecord } from '#shared/reconciliation/contract';
import { githubApi, nextCursorOf } from '#shared/reconciliation/providers/github';
import { listenOnLoopback } from '../../../local/emulators/loopback';
import { LOCAL_GITHUB_HOOK, type Fault } from '../../../local/emulators/provider-apis';
import { githubFixture } from '../../helpers/providers/github';
import {
  identityOf,
  normalizeWith,
  startProviderApiFakes,
  WEBHOOK_SECRETS,
  type ProviderApiFakesUnderTest,
} from '../../helpers/provider-api-fakes';

const T0 = new Date('2025-06-01T00:00:00.000Z');
const REPOSITORY_HOOK = { repository: LOCAL_GITHUB_HOOK.repository, hookId: LOCAL_GITHUB_HOOK.hookId };
const push = githubFixture('push').body;

const failureOf = async (promise: Promise<unknown>): Promise<ProviderApiError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderApiError) return error;
    throw error;
  }
  throw new Error('expected a ProviderApiError');
};

describe('githubApi', () => {
  let harness: ProviderApiFakesUnderTest;
  let now: number;

  /** Sends a delivery one second after the last, so that each has its own `delivered_at`. */
  const sendAt = async (options: { drop?: boolean } = {}) => {
    now += 1000;
    return harness.fakes.github.send('push', push, options);
  };

  const listAll = async (
    window: { since: Date; until: Date },
    options: Record<string, unknown> = REPOSITORY_HOOK,
  ) => {
    const ctx = harness.contextFor<{ token: string }>('github');
    const records: SentRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await githubApi.listSent({ ...window, ...(cursor ? { cursor } : {}) }, options, ctx);
      records.push(...page.records);
      cursor = page.next;
    } while (cursor !== undefined);
    return records;
  };

  const listRequests = () =>
    harness.fakes.requests('github').filter((request) => request.path.endsWith('/deliveries'));

  beforeEach(async () => {
    now = T0.getTime();
    harness = await startProviderApiFakes({ now: () => new Date(now) });
  });

  afterEach(() => harness.stop());

  it('sends the headers GitHub asks for and pages with per_page=100', async () => {
    const seen: IncomingMessage[] = [];
    const recorder = await listenOnLoopback('recorder', 0, (req: IncomingMessage, res: ServerResponse) => {
      seen.push(req);
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
      return Promise.resolve();
    });
    try {
      await githubApi.listSent(
        { since: T0, until: new Date(now), cursor: 'v1_42' },
        { org: 'acme', hookId: 7 },
        {
          credentials: { token: 'ghp_recorded' },
          fetch,
          baseUrl: `${recorder.endpoint}/`,
        },
      );

      expect(seen.map((req) => req.url)).toEqual(['/orgs/acme/hooks/7/deliveries?per_page=100&cursor=v1_42']);
      expect(seen[0]?.headers).toMatchObject({
        authorization: 'Bearer ghp_recorded',
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': expect.stringMatching(/\S/),
      });
    } finally {
      await recorder.stop();
    }
  });

  it.each([
    [{ hookId: 1 }, /repository: give repository .* or org/],
    [{ repository: 'relayflow/local', org: 'relayflow', hookId: 1 }, /repository: give repository/],
    [{ repository: 'relayflow', hookId: 1 }, /repository: must be owner\/name/],
    [{ repository: 'relayflow/local' }, /hookId: /],
    [{ org: 'relayflow', hookId: -3 }, /hookId: /],
  ])('refuses the options %j, naming the option', async (options, message) => {
    const error = await failureOf(
      githubApi.listSent({ since: T0, until: T0 }, options, harness.contextFor('github')),
    );

    expect(error.errorClass).toBe('refused');
    expect(error.message).toMatch(/^github reconciliation options: /);
    expect(error.message).toMatch(message);
  });

  it('pages through every delivery of the window with the Link header, newest first', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 250; i++) sent.push((await sendAt({ drop: true })).guid);

    const records = await listAll(
      { since: T0, until: new Date(now + 1000) },
      { ...REPOSITORY_HOOK, fetchRequests: false },
    );

    expect(records.map((record) => record.id)).toEqual([...sent].reverse());
    expect(listRequests()).toHaveLength(3);
    expect(new Set(records.map((record) => record.redelivery?.deliveryId)).size).toBe(250);
  });

  it('stops paging at the first delivery before the window and leaves out those at its end', async () => {
    const times: Date[] = [];
    for (let i = 0; i < 250; i++) {
      await sendAt({ drop: true });
      times.push(new Date(now));
    }
    // Deliveries 60 to 199 (0-based) are in [since, until).
    const since = times[60]!;
    const until = times[200]!;

    const records = await listAll({ since, until }, { ...REPOSITORY_HOOK, fetchRequests: false });

    expect(records).toHaveLength(140);
    expect(records.at(0)?.at).toBe(times[199]?.toISOString());
    expect(records.at(-1)?.at).toBe(since.toISOString());
    // Page 1 holds 249..150, page 2 149..50 and reaches past `since`: no third page.
    expect(listRequests()).toHaveLength(2);
  });

  it('rebuilds the request GitHub sent, which our normalize reads to the webhook’s idempotency key', async () => {
    const { guid, deliveryId, delivered } = await sendAt();
    const [webhook] = harness.received;

    const [record, ...others] = await listAll({ since: T0, until: new Date(now + 1000) });

    expect(delivered).toBe(true);
    expect(others).toEqual([]);
    expect(record).toMatchObject({ id: guid, redelivery: { deliveryId } });
    const items = normalizeWith('github', record!.request);
    expect(items[0]?.kind).toBe('event');
    expect(identityOf('github', items)).toBe(identityOf('github', webhook!.items));
    expect(JSON.parse(record!.request.body.toString())).toEqual(push);
    expect(record!.request.headers).toMatchObject({
      'x-github-event': 'push',
      'x-github-delivery': guid,
      'x-github-hook-id': '1',
    });
    expect(Object.keys(record!.request.headers).filter((name) => name.startsWith('x-hub-signature'))).toEqual(
      [],
    );
  });

  it('without fetchRequests gives headers our normalize still reads the identity from, in one call a page', async () => {
    await sendAt();
    const [webhook] = harness.received;

    const [record] = await listAll(
      { since: T0, until: new Date(now + 1000) },
      { ...REPOSITORY_HOOK, fetchRequests: false },
    );

    expect(record!.request.body.toString()).toBe('{}');
    expect(identityOf('github', normalizeWith('github', record!.request))).toBe(
      identityOf('github', webhook!.items),
    );
    expect(harness.fakes.requests('github')).toHaveLength(1);
  });

  it('lists an event once when its redelivery is on the same page, naming the newest delivery', async () => {
    const dropped = await sendAt({ drop: true });
    const [first] = await listAll({ since: T0, until: new Date(now + 1000) });
    now += 1000;
    await githubApi.redeliver!(first!, REPOSITORY_HOOK, harness.contextFor('github'));
    const redelivery = harness.fakes.sent('github').at(-1);

    const records = await listAll(
      { since: T0, until: new Date(now + 1000) },
      { ...REPOSITORY_HOOK, fetchRequests: false },
    );

    expect(redelivery).toMatchObject({ id: dropped.guid, redelivery: true, delivered: true });
    expect(records).toEqual([
      expect.objectContaining({ id: dropped.guid, redelivery: { deliveryId: redelivery?.deliveryId } }),
    ]);
  });

  it('asks GitHub to redeliver, which posts the same event signed as our verifier and Octokit’s accept', async () => {
    const dropped = await sendAt({ drop: true });
    const [record] = await listAll(
      { since: T0, until: new Date(now + 1000) },
      { org: LOCAL_GITHUB_HOOK.org, hookId: 1 },
    );

    await githubApi.redeliver!(
      record!,
      { org: LOCAL_GITHUB_HOOK.org, hookId: 1 },
      harness.contextFor('github'),
    );

    expect(harness.received).toHaveLength(1);
    const [webhook] = harness.received;
    expect(webhook?.verified.ok).toBe(true);
    const signature = webhook!.request.headers['x-hub-signature-256']!;
    await expect(
      octokitVerify(WEBHOOK_SECRETS.github, webhook!.request.body.toString(), signature),
    ).resolves.toBe(true);
    expect(webhook!.request.headers['x-github-delivery']).toBe(dropped.guid);
    expect(identityOf('github', webhook!.items)).toBe(
      identityOf('github', normalizeWith('github', record!.request)),
    );
    expect(harness.fakes.requests('github').at(-1)).toMatchObject({
      method: 'POST',
      path: `/orgs/relayflow/hooks/1/deliveries/${dropped.deliveryId}/attempts`,
      status: 202,
    });
  });

  it('refuses to redeliver a record that names no delivery, or one GitHub does not know', async () => {
    const ctx = harness.contextFor<{ token: string }>('github');
    const record: SentRecord = {
      id: 'guid',
      at: T0.toISOString(),
      request: { headers: {}, body: Buffer.from('{}') },
    };

    await expect(githubApi.redeliver!(record, REPOSITORY_HOOK, ctx)).rejects.toMatchObject({
      errorClass: 'refused',
    });
    await expect(
      githubApi.redeliver!({ ...record, redelivery: { deliveryId: '404' } }, REPOSITORY_HOOK, ctx),
    ).rejects.toMatchObject({ errorClass: 'refused', status: 404 });
  });

  it('answers a refused token as unauthorized without repeating it', async () => {
    const token = 'ghp_not_the_local_token';
    const error = await failureOf(
      githubApi.listSent({ since: T0, until: T0 }, REPOSITORY_HOOK, {
        ...harness.contextFor('github'),
        credentials: { token },
      }),
    );

    expect(error).toMatchObject({ errorClass: 'unauthorized', retryable: false, status: 401 });
    expect(error.message).toBe('GitHub answered HTTP 401: Bad credentials');
  });

  it.each<[string, Fault, Partial<ProviderApiError>]>([
    ['403 without a rate limit', { status: 403 }, { errorClass: 'unauthorized', retryable: false }],
    [
      '403 with Retry-After',
      { status: 403, retryAfterSeconds: 60 },
      { errorClass: 'rate-limited', retryable: true, retryAfterSeconds: 60 },
    ],
    [
      '429 with Retry-After',
      { status: 429, retryAfterSeconds: 5 },
      { errorClass: 'rate-limited', retryable: true, retryAfterSeconds: 5 },
    ],
    ['500', { status: 500 }, { errorClass: 'unavailable', retryable: true }],
    ['503', { status: 503 }, { errorClass: 'unavailable', retryable: true }],
  ])('answers a %s with the error the run retries by', async (_, fault, expected) => {
    harness.fakes.fail('github', fault);

    const error = await failureOf(
      githubApi.listSent({ since: T0, until: T0 }, REPOSITORY_HOOK, harness.contextFor('github')),
    );

    expect(error).toMatchObject({ ...expected, status: fault.status });
  });

  it('waits until X-RateLimit-Reset when a spent primary limit answers 403', async () => {
    // The fake stamps the reset on its own clock; the client reads it against the real one.
    now = Date.now();
    harness.fakes.fail('github', {
      status: 403,
      retryAfterSeconds: 120,
      rateLimitHeader: 'x-ratelimit-reset',
    });

    const error = await failureOf(
      githubApi.listSent({ since: T0, until: T0 }, REPOSITORY_HOOK, harness.contextFor('github')),
    );

    expect(error.errorClass).toBe('rate-limited');
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(118);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(121);
  });

  it.each(['wrong-shape', 'not-json'] as const)(
    'answers a delivery list whose body is %s as malformed',
    async (kind) => {
      harness.fakes.malformed('github', 1, kind);

      const error = await failureOf(
        githubApi.listSent({ since: T0, until: T0 }, REPOSITORY_HOOK, harness.contextFor('github')),
      );

      expect(error).toMatchObject({ errorClass: 'malformed', retryable: false });
    },
  );

  it('answers a delivery whose request is not the documented JSON as malformed', async () => {
    await sendAt({ drop: true });
    const ctx = harness.contextFor<{ token: string }>('github');
    // The list is the fake's; the delivery's own answer lacks its request.
    const detailLacksRequest: typeof fetch = (input, init) =>
      /\/deliveries\/\d+$/.test(input instanceof Request ? input.url : input.toString())
        ? Promise.resolve(Response.json({ id: 1, guid: 'x' }))
        : fetch(input, init);

    const error = await failureOf(
      githubApi.listSent({ since: T0, until: new Date(now + 1000) }, REPOSITORY_HOOK, {
        ...ctx,
        fetch: detailLacksRequest,
      }),
    );

    expect(error).toMatchObject({ errorClass: 'malformed', retryable: false });
    expect(error.message).toMatch(/delivery \d+ that is not the documented JSON \(request /);
  });

  it('answers a hook GitHub does not know as refused', async () => {
    const error = await failureOf(
      githubApi.listSent(
        { since: T0, until: T0 },
        { repository: 'someone/else', hookId: 1 },
        harness.contextFor('github'),
      ),
    );

    expect(error).toMatchObject({ errorClass: 'refused', retryable: false, status: 404 });
  });

  it('reads the next cursor from a Link header with several relations', () => {
    const link =
      '<https://api.github.com/repos/o/r/hooks/1/deliveries?per_page=100&cursor=v1_11>; rel="prev", <https://api.github.com/repos/o/r/hooks/1/deliveries?per_page=100&cursor=v1_9>; rel="next"';

    expect(nextCursorOf(link)).toBe('v1_9');
    expect(nextCursorOf('<https://api.github.com/x?cursor=v1_1>; rel="prev"')).toBeUndefined();
    expect(nextCursorOf(null)).toBeUndefined();
  });
});
