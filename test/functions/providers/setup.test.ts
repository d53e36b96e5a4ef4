import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { builtInProviders, resolveProvider, type ResolvedEntry } from '#shared/providers/registry';
import type { WebhookRequest } from '#shared/providers/types';

const resolved = (id: string, options: unknown = {}): ResolvedEntry => {
  const result = resolveProvider({ id, kind: 'builtin', options });
  if (!result.success) throw new Error(`${id} does not resolve`);
  return result.data;
};

const base64Of = (bytes: number) => randomBytes(bytes).toString('base64');
const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
const p256 = ec('prime256v1');
const p256Der = p256.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const ed25519Raw = generateKeyPairSync('ed25519')
  .publicKey.export({ type: 'spki', format: 'der' })
  .subarray(-32)
  .toString('base64');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'spki', format: 'der' })
  .toString('base64');

/** Values each provider's format accepts and refuses (the documented forms, and common mistakes). */
const FORMATS: Record<string, { accepted: string[]; refused: string[] }> = {
  stripe: {
    accepted: [`whsec_${'a1B2c3D4'.repeat(4)}`, `whsec_${'0f'.repeat(32)}`],
    refused: [
      'sk_live_51H8abcdefghijklmnopqrstuvwx',
      'whsec_tooshort',
      `whsec_${'a'.repeat(24)} `,
      'pk_test_abc',
    ],
  },
  github: {
    accepted: ['0123456789abcdef', randomBytes(32).toString('hex'), 'a passphrase with spaces in it'],
    refused: ['too-short', `line1\nline2-of-a-long-secret`, `tab\tinside-a-long-secret`],
  },
  shopify: {
    accepted: [`shpss_${'0a'.repeat(16)}`, '0a'.repeat(16), 'ab'.repeat(32)],
    refused: [`shpat_${'0a'.repeat(16)}`, `shpss_${'0a'.repeat(15)}`, 'AB'.repeat(16), 'a-store-password'],
  },
  'standard-webhooks': {
    accepted: [
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      `whsec_${base64Of(32)}`,
      `whsec_${base64Of(64)}`,
      `whpk_${ed25519Raw}`,
    ],
    refused: [
      `whsec_${base64Of(16)}`,
      `whsec_${base64Of(65)}`,
      base64Of(32),
      'whsec_not base64!',
      `whpk_${base64Of(16)}`,
    ],
  },
  hubspot: {
    accepted: ['3f2b8c1e-9a4d-4e7f-8b6a-0c1d2e3f4a5b'],
    refused: ['3F2B8C1E-9A4D-4E7F-8B6A-0C1D2E3F4A5B', '3f2b8c1e9a4d4e7f8b6a0c1d2e3f4a5b', 'pat-na1-3f2b8c1e'],
  },
  twilio: {
    accepted: ['0123456789abcdef0123456789abcdef'],
    refused: [`AC${'0'.repeat(32)}`, '0123456789ABCDEF0123456789ABCDEF', '0123456789abcdef'],
  },
  sendgrid: {
    accepted: [p256Der, p256.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    refused: [
      rsa,
      ec('secp384r1').publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      'SG.an-api-key',
      '',
    ],
  },
  postmark: {
    accepted: ['relayflow:0123456789abcdef', 'hooks:pass:with:colons-1234'],
    refused: [
      'no-colon-password-of-length',
      'user:short',
      ':0123456789abcdef',
      'us er:0123456789abcdef',
      'user:0123456789 abcdef',
    ],
  },
  mailgun: {
    accepted: [
      'key-3ax6xnjp29jd6fds4gc373sgvjxteol0',
      'key-55c5c5c5c55f55ca5cd5f55d5c555c55',
      '0123456789abcdef0123456789abcdef',
    ],
    refused: [
      '0123456789abcdef0123456789abcdef-0123abcd-4567ef01',
      'key-short',
      'KEY-3AX6XNJP29JD6FDS4GC373SGVJXTEOL0',
    ],
  },
};

describe("each provider's secret format", () => {
  it('is known for every built-in provider', () => {
    expect(Object.keys(FORMATS).sort()).toEqual(Object.keys(builtInProviders).sort());
  });

  describe.each(Object.entries(FORMATS))('%s', (id, { accepted, refused }) => {
    const { secret } = resolved(id).setup;

    it.each(accepted.map((value) => [value.slice(0, 24), value]))('accepts %j…', (_shown, value) => {
      expect(secret.parse(value)).toBeDefined();
    });

    it.each(refused.map((value) => [value.slice(0, 24), value]))('refuses %j…', (_shown, value) => {
      expect(secret.parse(value)).toBeUndefined();
    });
  });

  it('stores a SendGrid PEM as the base64 DER SendGrid shows', () => {
    const { secret } = resolved('sendgrid').setup;

    expect(secret.parse(p256.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toBe(p256Der);
  });

  it("finds the public key of a SendGrid development secret's private key", () => {
    const { secret } = resolved('sendgrid').setup;
    const privateKey = p256.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');

    expect(secret.publicKeyOf?.(privateKey)).toBe(p256Der);
    expect(secret.publicKeyOf?.('not a key')).toBeUndefined();
  });

  it("takes a generic sender's minimum from its own setup, whatever its signature encoding", () => {
    const result = resolveProvider({
      id: 'acme-billing',
      kind: 'generic-hmac',
      options: {
        signatureHeader: 'x-sig',
        encoding: 'base64',
        id: { jsonPath: 'id' },
        type: { jsonPath: 'type' },
      },
    });
    if (!result.success) throw new Error('acme-billing does not resolve');
    const { setup } = result.data;

    expect(setup.secret.parse('sixteen-chars-ok')).toBe('sixteen-chars-ok');
    expect(setup.secret.parse('fifteen-chars!!')).toBeUndefined();
    expect(setup.request.headers.map((h) => h.name)).toEqual(['x-sig']);
  });
});

/** A minimal request of one event of `name`, in the provider's own shape. */
const REQUESTS: Record<string, (name: string) => { headers: Record<string, string>; body: string }> = {
  github: (name) => ({
    headers: { 'content-type': 'application/json', 'x-github-event': name, 'x-github-delivery': 'd-1' },
    body: JSON.stringify({
      action: 'opened',
      ref: 'refs/heads/main',
      before: '0',
      after: '1',
      number: 1,
      pull_request: {},
      issue: {},
      release: {},
      repository: { full_name: 'octo/hello' },
    }),
  }),
  hubspot: (name) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      { eventId: 1, subscriptionType: name, objectId: 7, occurredAt: 1_700_000_000_000 },
    ]),
  }),
  sendgrid: (name) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        event: name,
        sg_event_id: 'e-1',
        sg_message_id: 'm-1',
        email: 'a@example.com',
        timestamp: 1_700_000_000,
      },
    ]),
  }),
  postmark: (name) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      RecordType: name,
      MessageID: 'm-1',
      Recipient: 'a@example.com',
      Type: 'HardBounce',
      SuppressSending: true,
      DeliveredAt: '2025-06-01T12:00:00Z',
      BouncedAt: '2025-06-01T12:00:00Z',
      ReceivedAt: '2025-06-01T12:00:00Z',
      ChangedAt: '2025-06-01T12:00:00Z',
    }),
  }),
  mailgun: (name) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      'event-data': {
        // The dashboard's permanent_fail webhook delivers `failed` events of permanent severity.
        ...(name === 'permanent_fail' ? { event: 'failed', severity: 'permanent' } : { event: name }),
        id: 'e-1',
        timestamp: 1_700_000_000,
        recipient: 'a@example.com',
        message: { headers: { 'message-id': 'm-1@example.com' } },
      },
    }),
  }),
  twilio: (name) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: name === 'received' ? 'MessageSid=SM1&SmsStatus=received' : `MessageSid=SM1&MessageStatus=${name}`,
  }),
};

describe('the events each provider asks the operator to subscribe to', () => {
  it.each(Object.keys(REQUESTS))('are all given a canonical type by the %s normalizer', (id) => {
    const entry = resolved(id);
    const types = entry.setup.events.map((name) => {
      const { headers, body } = REQUESTS[id]!(name);
      const request: WebhookRequest = {
        method: 'POST',
        url: `https://hooks.example.com/webhooks/${id}`,
        path: `/webhooks/${id}`,
        rawQueryString: '',
        headers,
        body: Buffer.from(body),
        sourceIp: '203.0.113.10',
      };
      const [item] = entry.provider.normalize(request, entry.options);
      return [name, item?.kind === 'event' ? item.draft.type : `unreadable: ${item?.reason}`];
    });

    expect(types.filter(([, type]) => type?.startsWith(`${id}.`) || type?.startsWith('unreadable'))).toEqual(
      [],
    );
    expect(types.length).toBeGreaterThan(0);
  });

  it('are the types the configuration maps, for a Standard Webhooks sender', () => {
    expect(
      resolved('standard-webhooks', { types: { 'user.created': 'customer.created' } }).setup.events,
    ).toEqual(['user.created']);
    expect(resolved('standard-webhooks').setup.events).toEqual([]);
  });
});
