import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import webhookExamples from '@octokit/webhooks-examples';
import { githubOptionsSchema, type GithubOptions } from '#shared/providers/github/index';
import type { VerifyInput, WebhookRequest } from '#shared/providers/types';

const FIXTURE_DIR = path.join(__dirname, '../../../functions/providers/github/fixtures');

export interface GithubFixture {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

export const githubFixtures = (): GithubFixture[] =>
  readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(path.join(FIXTURE_DIR, file), 'utf8')) as Omit<GithubFixture, 'name'>),
    }));

export const githubFixture = (name: string): GithubFixture => {
  const fixture = githubFixtures().find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`No GitHub fixture named ${name}`);
  return fixture;
};

export interface GithubExample {
  /** The `X-GitHub-Event` value. */
  readonly event: string;
  readonly payload: Record<string, unknown>;
}

/** Every payload of `@octokit/webhooks-examples` (real deliveries collected by the Octokit team). */
export const githubExamples = (): GithubExample[] =>
  (webhookExamples as unknown as { name: string; examples: Record<string, unknown>[] }[]).flatMap(
    ({ name, examples }) => examples.map((payload) => ({ event: name, payload })),
  );

let deliveries = 0;
/** A fresh delivery GUID per call, as GitHub sends. */
export const aDeliveryId = (): string =>
  `72d3162e-cc78-11e3-81ab-${(++deliveries).toString(16).padStart(12, '0')}`;

/** GitHub posts compact JSON. */
export const githubBody = (payload: unknown): Buffer => Buffer.from(JSON.stringify(payload));

export const aGithubRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/webhooks/github',
  path: '/webhooks/github',
  rawQueryString: '',
  headers: {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': aDeliveryId(),
  },
  body: githubBody(githubFixture('push').body),
  sourceIp: '140.82.115.1',
  ...overrides,
});

export const aGithubDelivery = (
  event: string,
  payload: unknown,
  headers: Record<string, string> = {},
): WebhookRequest =>
  aGithubRequest({
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': aDeliveryId(),
      ...headers,
    },
    body: githubBody(payload),
  });

export const githubOptions = (): GithubOptions => githubOptionsSchema.parse({});

export const aGithubVerifyInput = (
  request: WebhookRequest,
  secrets: readonly string[],
): VerifyInput<GithubOptions> => ({
  request,
  secrets,
  now: new Date('2025-06-01T12:00:00.000Z'),
  options: githubOptions(),
});
