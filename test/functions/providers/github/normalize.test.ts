import fc from 'fast-check';
import { EntitySchema } from '#shared/contract/integration-event';
import { githubProvider } from '#shared/providers/github/index';
import type { EventDraft, NormalizedItem, WebhookRequest } from '#shared/providers/types';
import {
  aGithubDelivery,
  aGithubRequest,
  githubExamples,
  githubFixture,
  githubFixtures,
  githubOptions,
} from '../../../helpers/providers/github';

const normalize = (request: WebhookRequest): NormalizedItem[] =>
  githubProvider.normalize(request, githubOptions());

const onlyDraft = (items: NormalizedItem[]): EventDraft => {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
  return item.draft;
};

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The mapping the provider promises, written out independently of its implementation. */
const expectedType = (event: string, action: unknown): string => {
  if (event === 'push') return 'code.push';
  if (event === 'pull_request') return `code.pull_request.${String(action)}`;
  if (event === 'issues') return `code.issue.${String(action)}`;
  if (event === 'release') return `code.release.${String(action)}`;
  return `github.${event}`;
};

const expectedEntity = (payload: Record<string, unknown>): { kind: string; id: string } | undefined => {
  const repository = payload.repository as { full_name?: string } | null | undefined;
  const organization = payload.organization as { login?: string } | null | undefined;
  const installation = payload.installation as { id?: number } | null | undefined;
  if (repository?.full_name) return { kind: 'repository', id: repository.full_name };
  if (organization?.login) return { kind: 'organization', id: organization.login };
  if (installation?.id !== undefined) return { kind: 'installation', id: String(installation.id) };
  return undefined;
};

describe('github normalize', () => {
  const examples = githubExamples();

  it('covers many real deliveries', () => {
    expect(examples.length).toBeGreaterThan(250);
    expect(new Set(examples.map((example) => example.event)).size).toBeGreaterThan(50);
  });

  it.each(
    examples.map(
      (example, index) =>
        [
          `${example.event} #${index} ${typeof example.payload.action === 'string' ? example.payload.action : ''}`,
          example,
        ] as const,
    ),
  )('reads the Octokit example %s', (_name, { event, payload }) => {
    const request = aGithubDelivery(event, payload);

    const draft = onlyDraft(normalize(request));

    expect(draft.providerType).toBe(event);
    expect(draft.externalId).toBe(request.headers['x-github-delivery']);
    expect(draft.type).toBe(expectedType(event, payload.action));
    expect(draft.entity).toEqual(expectedEntity(payload));
    expect(draft.entity === undefined || EntitySchema.safeParse(draft.entity).success).toBe(true);
    expect(draft.occurredAt ?? '2000-01-01T00:00:00.000Z').toMatch(ISO_UTC);
    expect(draft.data).toEqual(payload);
  });

  it.each([
    ['push', 'code.push', { kind: 'repository', id: 'Codertocat/Hello-World' }, '2019-05-15T15:20:41.000Z'],
    [
      'pull_request.opened',
      'code.pull_request.opened',
      { kind: 'repository', id: 'Codertocat/Hello-World' },
      '2019-05-15T15:20:33.000Z',
    ],
    [
      'pull_request.closed',
      'code.pull_request.closed',
      { kind: 'repository', id: 'Codertocat/Hello-World' },
      '2019-05-15T15:21:18.000Z',
    ],
    [
      'issues.opened',
      'code.issue.opened',
      { kind: 'repository', id: 'Codertocat/Hello-World' },
      '2019-05-15T15:20:18.000Z',
    ],
    [
      'release.published',
      'code.release.published',
      { kind: 'repository', id: 'Codertocat/Hello-World' },
      '2019-05-15T15:20:53.000Z',
    ],
    ['ping', 'github.ping', { kind: 'repository', id: 'Octocoders/Hello-World' }, '2019-05-15T15:20:49.000Z'],
    [
      'installation.created',
      'github.installation',
      { kind: 'installation', id: '957387' },
      '2019-05-15T15:19:51.000Z',
    ],
  ])('reads the %s fixture with its documented headers', (name, type, entity, occurredAt) => {
    const fixture = githubFixture(name);

    const draft = onlyDraft(
      normalize(
        aGithubRequest({ headers: fixture.headers, body: Buffer.from(JSON.stringify(fixture.body)) }),
      ),
    );

    expect(draft).toMatchObject({
      providerType: fixture.headers['x-github-event'],
      externalId: fixture.headers['x-github-delivery'],
      type,
      entity,
      occurredAt,
    });
  });

  it('has a fixture for every canonical family', () => {
    const events = githubFixtures().map((fixture) => fixture.headers['x-github-event']);

    expect(events).toEqual(expect.arrayContaining(['push', 'pull_request', 'issues', 'release', 'ping']));
  });

  it('uses the push time when a push has no head commit (branch deletion)', () => {
    const payload = {
      ...githubFixture('push').body,
      head_commit: null,
      repository: { full_name: 'o/r', pushed_at: 1557933657 },
    };

    expect(onlyDraft(normalize(aGithubDelivery('push', payload))).occurredAt).toBe(
      '2019-05-15T15:20:57.000Z',
    );
  });

  it('reads a form-encoded delivery (payload=<json>)', () => {
    const payload = githubFixture('issues.opened').body;
    const body = Buffer.from(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    const request = aGithubRequest({
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-github-event': 'issues',
        'x-github-delivery': 'f0f0f0f0-0000-4000-8000-000000000001',
      },
      body,
    });

    expect(onlyDraft(normalize(request))).toMatchObject({ type: 'code.issue.opened', data: payload });
  });

  it('treats a pull_request payload without action as unreadable, keeping the delivery id', () => {
    const { action: _action, ...payload } = githubFixture('pull_request.opened').body;
    const request = aGithubDelivery('pull_request', payload);

    expect(normalize(request)).toEqual([
      expect.objectContaining({
        kind: 'unreadable',
        externalId: request.headers['x-github-delivery'],
        providerType: 'pull_request',
      }),
    ]);
  });

  it.each([
    ['no X-GitHub-Event', { 'x-github-delivery': 'abc-1' }],
    ['no X-GitHub-Delivery', { 'x-github-event': 'push' }],
    [
      'an event name that GitHub never sends',
      { 'x-github-event': 'Push Event', 'x-github-delivery': 'abc-1' },
    ],
    [
      'a delivery id that GitHub never sends',
      { 'x-github-event': 'push', 'x-github-delivery': 'x'.repeat(500) },
    ],
  ])('treats a delivery with %s as unreadable', (_case, headers) => {
    const items = normalize(aGithubRequest({ headers: { 'content-type': 'application/json', ...headers } }));

    expect(items).toHaveLength(1);
    expect(items[0]?.kind).toBe('unreadable');
  });

  it.each([
    ['not JSON', 'application/json', Buffer.from('hello')],
    ['not UTF-8', 'application/json', Buffer.from([0x7b, 0xff, 0x7d])],
    ['a form without payload', 'application/x-www-form-urlencoded', Buffer.from('a=1')],
    ['a JSON array', 'application/json', Buffer.from('[1]')],
    ['a repository without full_name', 'application/json', Buffer.from('{"repository":{"name":"x"}}')],
  ])('returns one unreadable item for a body that is %s', (_case, contentType, body) => {
    const items = normalize(
      aGithubRequest({
        headers: { 'content-type': contentType, 'x-github-event': 'push', 'x-github-delivery': 'abc-2' },
        body,
      }),
    );

    expect(items).toEqual([
      expect.objectContaining({ kind: 'unreadable', externalId: 'abc-2', providerType: 'push' }),
    ]);
  });

  it('never throws for arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded'),
        (bytes, contentType) => {
          const items = normalize(
            aGithubRequest({
              headers: {
                'content-type': contentType,
                'x-github-event': 'push',
                'x-github-delivery': 'abc-3',
              },
              body: Buffer.from(bytes),
            }),
          );

          expect(items).toHaveLength(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
