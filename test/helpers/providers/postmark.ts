import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WebhookRequest } from '#shared/providers/types';

const FIXTURE_DIR = path.join(__dirname, '../../../functions/providers/postmark/fixtures');

export interface PostmarkFixture {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** Every documented example record in the provider folder, by file name without `.json`. */
export const postmarkFixtures = (): PostmarkFixture[] =>
  readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(path.join(FIXTURE_DIR, file), 'utf8')) as Omit<PostmarkFixture, 'name'>),
    }));

export const postmarkRecord = (name: string): Record<string, unknown> => {
  const fixture = postmarkFixtures().find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`No Postmark fixture named ${name}`);
  return fixture.body;
};

/** HTTP Basic credentials as RFC 7617 spells them, built without our code. */
export const basicAuthorization = (credentials: string): string =>
  `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

export const aPostmarkRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.test/webhooks/postmark',
  path: '/webhooks/postmark',
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{}'),
  sourceIp: '203.0.113.10',
  ...overrides,
});

/** A request carrying `record` as its JSON body and, when given, Basic credentials. */
export const aPostmarkRecordRequest = (record: unknown, credentials?: string): WebhookRequest =>
  aPostmarkRequest({
    body: Buffer.from(JSON.stringify(record)),
    headers: {
      'content-type': 'application/json',
      ...(credentials === undefined ? {} : { authorization: basicAuthorization(credentials) }),
    },
  });
