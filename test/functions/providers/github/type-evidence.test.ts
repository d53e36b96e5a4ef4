import { githubProvider } from '#shared/providers/github/index';
import { EVENT_SHAPES } from '#shared/providers/github/schemas';
import type { NormalizedItem } from '#shared/providers/types';
import {
  aGithubDelivery,
  githubExamples,
  githubFixture,
  githubOptions,
} from '../../../helpers/providers/github';

const normalize = (event: string, payload: unknown): NormalizedItem[] =>
  githubProvider.normalize(aGithubDelivery(event, payload), githubOptions());
const examples = githubExamples();

describe('github type evidence: X-GitHub-Event must fit the body', () => {
  it('derives every entry of the shape table from real examples of that event', () => {
    const exampleEvents = new Set(examples.map((example) => example.event));

    expect([...EVENT_SHAPES.keys()].filter((event) => !exampleEvents.has(event))).toEqual([]);
  });

  it.each(examples.map((example, index) => [`${example.event} #${index}`, example] as const))(
    'reads the Octokit example %s under its own event name',
    (_name, { event, payload }) => {
      expect(normalize(event, payload)).toMatchObject([{ kind: 'event', draft: { providerType: event } }]);
    },
  );

  it.each(['pull_request', 'issues', 'release', 'check_run', 'workflow_run'])(
    'refuses a push body relabeled as %s, as unreadable with the reason',
    (event) => {
      const [item] = normalize(event, githubFixture('push').body);

      expect(item).toMatchObject({
        kind: 'unreadable',
        providerType: event,
        reason: expect.stringMatching(
          /^X-GitHub-Event does not fit the body: \w+ bodies have .+; this one lacks /,
        ) as unknown,
      });
    },
  );

  it('refuses a pull_request body relabeled as push', () => {
    expect(normalize('push', githubFixture('pull_request.opened').body)).toMatchObject([
      {
        kind: 'unreadable',
        reason:
          'X-GitHub-Event does not fit the body: push bodies have ref, before, after; this one lacks ref, before, after.',
      },
    ]);
  });

  it('refuses an issue_comment body relabeled as issues, although it holds an issue', () => {
    const comment = examples.find((example) => example.event === 'issue_comment');

    expect(normalize('issues', comment?.payload)).toMatchObject([
      {
        kind: 'unreadable',
        reason: 'X-GitHub-Event does not fit the body: issues bodies never have comment.',
      },
    ]);
  });

  it('refuses every real example under each listed event whose keys it lacks', () => {
    const accepted = examples.flatMap(({ event, payload }) =>
      [...EVENT_SHAPES]
        .filter(([other, shape]) => other !== event && !shape.has.every((key) => Object.hasOwn(payload, key)))
        .filter(([other]) => normalize(other, payload)[0]?.kind === 'event')
        .map(([other]) => `${event} as ${other}`),
    );

    expect(accepted).toEqual([]);
  });

  it('passes events it has no shape for', () => {
    expect(
      normalize('some_future_event', { action: 'created', repository: { full_name: 'o/r' } }),
    ).toMatchObject([{ kind: 'event', draft: { type: 'github.some_future_event' } }]);
  });
});
