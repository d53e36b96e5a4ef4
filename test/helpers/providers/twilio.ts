import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { WebhookRequest } from '#shared/providers/types';

export const TWILIO_TOKEN = 'twilio-auth-token-0000';
export const TWILIO_URL = 'https://hooks.example.com/webhooks/twilio';

/** Form parameters in the order sent; a name may repeat. */
export type FormPairs = ReadonlyArray<readonly [string, string]>;

export const formBody = (pairs: FormPairs): Buffer =>
  Buffer.from(
    new URLSearchParams(pairs.map(([name, value]): [string, string] => [name, value])).toString(),
    'utf8',
  );

/** The parameters as an Express app hands them to the official library: a repeated name becomes an array. */
export const officialParams = (pairs: FormPairs): Record<string, string | string[]> => {
  const params: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of pairs) {
    const existing = params[name];
    params[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return params;
};

export const officialTwilioSignature = (url: string, pairs: FormPairs, token = TWILIO_TOKEN): string =>
  getExpectedTwilioSignature(token, url, officialParams(pairs));

export const officialTwilioAccepts = (
  url: string,
  pairs: FormPairs,
  signature: string,
  token = TWILIO_TOKEN,
): boolean => validateRequest(token, signature, url, officialParams(pairs));

export const aTwilioRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: TWILIO_URL,
  path: '/webhooks/twilio',
  rawQueryString: '',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: Buffer.from(''),
  sourceIp: '192.0.2.20',
  ...overrides,
});

/** A request Twilio signed with the official signer over `signedUrl`, delivered to `url`. */
export const aSignedTwilioRequest = (options: {
  pairs: FormPairs;
  url?: string;
  signedUrl?: string;
  token?: string;
  headers?: Record<string, string>;
}): WebhookRequest => {
  const url = options.url ?? TWILIO_URL;
  return aTwilioRequest({
    url,
    body: formBody(options.pairs),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': officialTwilioSignature(options.signedUrl ?? url, options.pairs, options.token),
      ...options.headers,
    },
  });
};

export interface TwilioFixture {
  readonly description: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const FIXTURES = join(__dirname, '..', '..', '..', 'functions', 'providers', 'twilio', 'fixtures');

export const twilioFixture = (name: string): TwilioFixture =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as TwilioFixture;

export const aTwilioFixtureRequest = (name: string, headers: Record<string, string> = {}): WebhookRequest => {
  const fixture = twilioFixture(name);
  return aTwilioRequest({
    headers: { ...fixture.headers, ...headers },
    body: Buffer.from(fixture.body, 'utf8'),
  });
};

export const STATUS_CALLBACK: FormPairs = [
  ['AccountSid', 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'],
  ['From', '+15017122661'],
  ['MessageSid', 'SM0123456789abcdef0123456789abcdef'],
  ['MessageStatus', 'delivered'],
  ['SmsSid', 'SM0123456789abcdef0123456789abcdef'],
  ['SmsStatus', 'delivered'],
  ['To', '+15558675310'],
];
