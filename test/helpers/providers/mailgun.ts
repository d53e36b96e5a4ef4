import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WebhookRequest } from '#shared/providers/types';

const FIXTURE_DIR = path.join(__dirname, '../../../functions/providers/mailgun/fixtures');

export interface MailgunFixture {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly body: { signature: Record<string, string>; 'event-data': Record<string, unknown> };
}

/** Every captured Mailgun sample in the provider folder, by file name without `.json`. */
export const mailgunFixtures = (): MailgunFixture[] =>
  readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(path.join(FIXTURE_DIR, file), 'utf8')) as Omit<MailgunFixture, 'name'>),
    }));

export const mailgunFixture = (name: string): MailgunFixture => {
  const fixture = mailgunFixtures().find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`No Mailgun fixture named ${name}`);
  return fixture;
};

export const mailgunEventData = (name: string): Record<string, unknown> =>
  mailgunFixture(name).body['event-data'];

/**
 * Mailgun's documented algorithm, written independently of our verify.ts: the hex HMAC-SHA256
 * of `timestamp + token` under the webhook signing key.
 */
export const specSignature = (key: string, timestamp: string, token: string): string =>
  createHmac('sha256', key).update(timestamp).update(token).digest('hex');

export const aToken = (): string => randomBytes(25).toString('hex');

export const aMailgunRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.test/webhooks/mailgun',
  path: '/webhooks/mailgun',
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{}'),
  sourceIp: '203.0.113.10',
  ...overrides,
});

export interface SignatureParts {
  readonly timestamp: string;
  readonly token: string;
  readonly signature: string;
}

export const signatureParts = (key: string, timestamp: string, token: string = aToken()): SignatureParts => ({
  timestamp,
  token,
  signature: specSignature(key, timestamp, token),
});

/** A JSON webhook as Mailgun posts it: `signature` beside `event-data`. */
export const aMailgunJsonRequest = (signature: unknown, eventData: unknown): WebhookRequest =>
  aMailgunRequest({ body: Buffer.from(JSON.stringify({ signature, 'event-data': eventData })) });

/** A legacy urlencoded webhook: signature fields beside the event fields. */
export const aMailgunUrlEncodedRequest = (fields: Record<string, string>): WebhookRequest =>
  aMailgunRequest({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(new URLSearchParams(fields).toString()),
  });

/** A legacy multipart webhook, encoded by hand as RFC 7578 describes. */
export const aMailgunMultipartRequest = (
  fields: Record<string, string>,
  files: Record<string, string> = {},
  boundary = `----relayflow${randomBytes(8).toString('hex')}`,
): WebhookRequest => {
  const parts = [
    ...Object.entries(fields).map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    ),
    ...Object.entries(files).map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.txt"\r\nContent-Type: text/plain\r\n\r\n${value}\r\n`,
    ),
  ];
  return aMailgunRequest({
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`),
  });
};
