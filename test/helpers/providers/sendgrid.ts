import { createPublicKey, createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WebhookRequest } from '#shared/providers/types';

const FIXTURE_DIR = path.join(__dirname, '../../../functions/providers/sendgrid/fixtures');

export interface SendgridFixture {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** Every documented example payload in the provider folder, by file name without `.json`. */
export const sendgridFixtures = (): SendgridFixture[] =>
  readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(path.join(FIXTURE_DIR, file), 'utf8')) as Omit<SendgridFixture, 'name'>),
    }));

export const sendgridFixture = (name: string): SendgridFixture => {
  const fixture = sendgridFixtures().find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`No SendGrid fixture named ${name}`);
  return fixture;
};

/** The events array of a fixture, for tests that rebuild a batch from documented elements. */
export const sendgridFixtureEvents = (name: string): Record<string, unknown>[] =>
  sendgridFixture(name).body as Record<string, unknown>[];

export interface SendgridKeyPair {
  /** What SendGrid's dashboard shows: base64 of the DER SubjectPublicKeyInfo. */
  readonly publicKeyBase64: string;
  readonly publicKeyPem: string;
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
}

export const aSendgridKeyPair = (): SendgridKeyPair => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKeyBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
};

/** Signs as SendGrid documents it: ECDSA with SHA-256 over `timestamp + payload`, base64 DER. */
export const specSign = (privateKey: KeyObject, timestamp: string, body: Buffer): string => {
  const signer = createSign('sha256');
  signer.update(timestamp);
  signer.update(body);
  return signer.sign(privateKey, 'base64');
};

/**
 * Verifies as SendGrid's documented Node example does: the dashboard key wrapped into a PEM,
 * `createVerify('sha256')` over `timestamp + payload`. Independent of our verify.ts.
 */
export const specVerify = (
  publicKeyBase64: string,
  timestamp: string,
  body: Buffer,
  signature: string,
): boolean => {
  const pem = `-----BEGIN PUBLIC KEY-----\n${publicKeyBase64}\n-----END PUBLIC KEY-----`;
  const verifier = createVerify('sha256');
  verifier.update(timestamp);
  verifier.update(body);
  return verifier.verify(createPublicKey(pem), Buffer.from(signature, 'base64'));
};

/**
 * The test vector published in sendgrid/sendgrid-nodejs
 * (packages/eventwebhook/src/eventwebhook.spec.js): key, payload, signature and timestamp
 * produced by SendGrid, plus the second key that test uses to show a wrong key is refused.
 */
export const sendgridPublishedVector = {
  publicKey:
    'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==',
  otherPublicKey:
    'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==',
  signature:
    'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=',
  timestamp: '1588788367',
  payload: JSON.stringify({ category: 'example_payload', event: 'test_event', message_id: 'message_id' }),
} as const;

export const aSendgridRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.test/webhooks/sendgrid',
  path: '/webhooks/sendgrid',
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('[]'),
  sourceIp: '203.0.113.10',
  ...overrides,
});

/** A request whose body is a fixture's events (or `events`), serialized as SendGrid sends JSON. */
export const aSendgridBatchRequest = (events: unknown): WebhookRequest =>
  aSendgridRequest({ body: Buffer.from(JSON.stringify(events)) });

export const aSignedSendgridRequest = (options: {
  readonly keyPair: SendgridKeyPair;
  readonly body: Buffer;
  readonly timestamp: string;
}): WebhookRequest =>
  aSendgridRequest({
    body: options.body,
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': specSign(
        options.keyPair.privateKey,
        options.timestamp,
        options.body,
      ),
      'x-twilio-email-event-webhook-timestamp': options.timestamp,
    },
  });
