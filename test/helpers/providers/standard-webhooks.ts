import { Webhook as SvixWebhook } from 'svix';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import {
  standardWebhooksOptionsSchema,
  type StandardWebhooksOptions,
} from '#shared/providers/standard-webhooks/index';
import type { VerifyInput, WebhookRequest } from '#shared/providers/types';

const FIXTURE_DIR = path.join(__dirname, '../../../functions/providers/standard-webhooks/fixtures');

export interface StandardWebhooksFixture {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

export const standardWebhooksFixtures = (): StandardWebhooksFixture[] =>
  readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(path.join(FIXTURE_DIR, file), 'utf8')) as Omit<
        StandardWebhooksFixture,
        'name'
      >),
    }));

export const standardWebhooksFixture = (name: string): StandardWebhooksFixture => {
  const fixture = standardWebhooksFixtures().find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`No Standard Webhooks fixture named ${name}`);
  return fixture;
};

/** A fixture body as sent: strings verbatim, JSON values compact. */
export const fixtureBody = (fixture: StandardWebhooksFixture): Buffer =>
  Buffer.from(typeof fixture.body === 'string' ? fixture.body : JSON.stringify(fixture.body));

export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const nowSeconds = (date: Date = NOW): number => Math.floor(date.getTime() / 1000);

/** `v1,<base64>` as the official `standardwebhooks` package signs it. */
export const officialSign = (secret: string, id: string, timestamp: number, body: Buffer | string): string =>
  new Webhook(secret).sign(id, new Date(timestamp * 1000), body);

export interface SvixCase {
  readonly secret: string;
  readonly id: string;
  readonly timestamp: number;
  readonly payload: string;
}

/** Signs with Svix's SDK, the reference implementation of Standard Webhooks signing. */
export const svixSignAll = (cases: readonly SvixCase[]): string[] =>
  cases.map((c) => new SvixWebhook(c.secret).sign(c.id, new Date(c.timestamp * 1000), c.payload));

export interface Ed25519Keys {
  /** `whpk_<base64 raw public key>`, as configured for verification. */
  readonly publicSecret: string;
  /** `whsk_<base64 seed>`, as our signer takes it. */
  readonly privateSecret: string;
  readonly privateKey: KeyObject;
}

export const anEd25519KeyPair = (): Ed25519Keys => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x ?? '';
  const d = privateKey.export({ format: 'jwk' }).d ?? '';
  return {
    publicSecret: `whpk_${Buffer.from(x, 'base64url').toString('base64')}`,
    privateSecret: `whsk_${Buffer.from(d, 'base64url').toString('base64')}`,
    privateKey,
  };
};

export const aStandardWebhooksRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/webhooks/standard-webhooks',
  path: '/webhooks/standard-webhooks',
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  body: fixtureBody(standardWebhooksFixture('example.event')),
  sourceIp: '44.228.126.217',
  ...overrides,
});

export const aSignedDelivery = (
  body: Buffer,
  id: string,
  timestamp: number,
  signature: string,
): WebhookRequest =>
  aStandardWebhooksRequest({
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
  });

export const standardWebhooksOptions = (input: unknown = {}): StandardWebhooksOptions =>
  standardWebhooksOptionsSchema.parse(input);

export const aStandardWebhooksVerifyInput = (
  request: WebhookRequest,
  secrets: readonly string[],
  overrides: Partial<VerifyInput<StandardWebhooksOptions>> = {},
): VerifyInput<StandardWebhooksOptions> => ({
  request,
  secrets,
  now: NOW,
  options: standardWebhooksOptions(),
  ...overrides,
});
