import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Signature } from '@hubspot/api-client/lib/src/utils/signature';
import type { WebhookRequest } from '#shared/providers/types';

export const HUBSPOT_SECRET = 'hubspot-client-secret-0000';
export const HUBSPOT_URL = 'https://hooks.example.com/webhooks/hubspot';

/** The official client's v3 signature of this exact URI, body and millisecond timestamp. */
export const officialHubspotSignature = (options: {
  url: string;
  body: string;
  timestamp: number;
  secret?: string;
  method?: string;
}): string =>
  Signature.getSignature(options.method ?? 'POST', 'v3', {
    signature: '',
    clientSecret: options.secret ?? HUBSPOT_SECRET,
    requestBody: options.body,
    url: options.url,
    timestamp: options.timestamp,
  });

/** The official client's validator, which checks the timestamp against the real clock. */
export const officialHubspotIsValid = (options: {
  url: string;
  body: string;
  timestamp: number;
  signature: string;
  secret?: string;
}): boolean =>
  Signature.isValid({
    signatureVersion: 'v3',
    method: 'POST',
    signature: options.signature,
    clientSecret: options.secret ?? HUBSPOT_SECRET,
    requestBody: options.body,
    url: options.url,
    timestamp: options.timestamp,
  });

export const aHubspotRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => {
  const url = overrides.url ?? HUBSPOT_URL;
  const parsed = new URL(url);
  return {
    method: 'POST',
    url,
    path: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('[]'),
    sourceIp: '192.0.2.10',
    ...overrides,
  };
};

/**
 * A request signed as HubSpot signs it: the official signer over `signedUrl` (what HubSpot
 * signs), delivered to `url` (what the ingest rebuilds). They differ only when a test says so.
 */
export const aSignedHubspotRequest = (options: {
  body: string;
  timestamp: number;
  url?: string;
  signedUrl?: string;
  secret?: string;
}): WebhookRequest => {
  const url = options.url ?? HUBSPOT_URL;
  const signature = officialHubspotSignature({
    url: options.signedUrl ?? url,
    body: options.body,
    timestamp: options.timestamp,
    ...(options.secret === undefined ? {} : { secret: options.secret }),
  });
  return aHubspotRequest({
    url,
    body: Buffer.from(options.body, 'utf8'),
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': String(options.timestamp),
    },
  });
};

export interface Fixture {
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

const FIXTURES = join(__dirname, '..', '..', '..', 'functions', 'providers', 'hubspot', 'fixtures');

export const hubspotFixture = (name: string): Fixture =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;

export const aHubspotFixtureRequest = (name: string): WebhookRequest => {
  const fixture = hubspotFixture(name);
  return aHubspotRequest({ headers: fixture.headers, body: Buffer.from(JSON.stringify(fixture.body)) });
};
