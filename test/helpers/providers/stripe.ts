import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import { stripeOptionsSchema, type StripeOptions } from '#shared/providers/stripe/index';
import type { VerifyInput, WebhookRequest } from '#shared/providers/types';

const FIXTURE_DIR = path.join(__dirname, '../../../functions/providers/stripe/fixtures');

export interface StripeFixture {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

export const stripeFixtures = (): StripeFixture[] =>
  readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(path.join(FIXTURE_DIR, file), 'utf8')) as Omit<StripeFixture, 'name'>),
    }));

export const stripeFixture = (name: string): StripeFixture => {
  const fixture = stripeFixtures().find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`No Stripe fixture named ${name}`);
  return fixture;
};

/** Stripe's own SDK, used only as the official signer and verifier. */
export const officialStripe = new Stripe('sk_test_x');

export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const nowSeconds = (date: Date = NOW): number => Math.floor(date.getTime() / 1000);

/** `Stripe-Signature` as Stripe's SDK writes it. */
export const officialStripeHeader = (body: Buffer, secret: string, timestamp: number): string =>
  officialStripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret, timestamp });

/** Stripe sends pretty-printed JSON (two-space indentation). */
export const stripeBody = (event: unknown): Buffer => Buffer.from(JSON.stringify(event, null, 2));

export const aStripeEvent = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...stripeFixture('payment_intent.succeeded').body,
  ...overrides,
});

export const aStripeRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/webhooks/stripe',
  path: '/webhooks/stripe',
  rawQueryString: '',
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: stripeBody(aStripeEvent()),
  sourceIp: '203.0.113.10',
  ...overrides,
});

/** A request for `body` signed by Stripe's SDK with `secret` at `timestamp`. */
export const aSignedStripeRequest = (
  body: Buffer,
  secret: string,
  timestamp: number = nowSeconds(),
  headers: Record<string, string> = {},
): WebhookRequest =>
  aStripeRequest({
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...headers,
      'stripe-signature': officialStripeHeader(body, secret, timestamp),
    },
  });

export const stripeOptions = (overrides: Partial<StripeOptions> = {}): StripeOptions =>
  stripeOptionsSchema.parse(overrides);

export const aStripeVerifyInput = (
  request: WebhookRequest,
  secrets: readonly string[],
  overrides: Partial<VerifyInput<StripeOptions>> = {},
): VerifyInput<StripeOptions> => ({ request, secrets, now: NOW, options: stripeOptions(), ...overrides });
