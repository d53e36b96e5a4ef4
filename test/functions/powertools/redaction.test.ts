import {
  createRedactor,
  isSensitiveKey,
  MAX_LOG_DEPTH,
  MAX_LOG_STRING,
  REDACTED,
  redactText,
} from '#shared/powertools/redaction';

describe('isSensitiveKey', () => {
  it.each([
    'stripe-signature',
    'x-hub-signature-256',
    'x-shopify-hmac-sha256',
    'webhook-signature',
    'x-twilio-signature',
    'x-hubspot-signature-v3',
    'x-twilio-email-event-webhook-signature',
    'authorization',
    'Proxy-Authorization',
    'cookie',
    'set-cookie',
    'signingSecrets',
    'clientSecret',
    'secret',
    'password',
    'token',
    'access_token',
    'X-Api-Key',
    'apiKey',
    'privateKey',
    'credentials',
  ])('treats %s as a credential', (key) => {
    expect(isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'secretIndex',
    'provider',
    'tenant',
    'correlationId',
    'reason',
    'type',
    'eventId',
    'content-type',
    'user-agent',
  ])('leaves %s readable', (key) => {
    expect(isSensitiveKey(key)).toBe(false);
  });
});

describe('redactText', () => {
  it.each([
    ['a Stripe secret', 'secret is whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_[REDACTED]', 'MfKQ9r8'],
    ['a Standard Webhooks public key', 'key whpk_AAAAC3NzaC1lZDI1NTE5', 'whpk_[REDACTED]', 'AAAAC3'],
    ['a Stripe API key', 'sk_live_51H8xyzABCdef', 'sk_live_[REDACTED]', '51H8xyz'],
    ['a bearer token', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc', 'Bearer [REDACTED]', 'eyJhbGci'],
    ['basic credentials', 'Basic dXNlcjpwYXNzd29yZA==', 'Basic [REDACTED]', 'dXNlcjpw'],
    [
      'a Stripe v1 signature',
      't=1,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
      'v1=[REDACTED]',
      '5257a869',
    ],
    [
      'a GitHub signature',
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      'sha256=[REDACTED]',
      '757107ea',
    ],
    [
      'a Standard Webhooks signature',
      'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
      'v1,[REDACTED]',
      'K5oZfzN9',
    ],
  ])('hides %s inside free text', (_what, text, shown, hidden) => {
    const redacted = redactText(text);

    expect(redacted).toContain(shown);
    expect(redacted).not.toContain(hidden);
  });

  it.each(['hooks:Sup3r-S3cret!', 'ab"cd-S3cret', "'quoted-S3cret", 'x'.repeat(40) + 'S3cret'])(
    'hides a secret that JSON.parse quoted in its error message (%s)',
    (secret) => {
      let message = '';
      try {
        JSON.parse(secret);
      } catch (error) {
        message = (error as Error).message;
      }

      const redacted = redactText(`Unable to transform value using 'json' transform: ${message}`);

      expect(redacted).toContain('is not valid JSON');
      expect(redacted).not.toContain(secret.slice(0, 4));
      expect(redacted).not.toContain('S3cret');
    },
  );

  it('cuts an over-long string and says how much was cut', () => {
    const redacted = redactText('x'.repeat(MAX_LOG_STRING + 10));

    expect(redacted).toHaveLength(MAX_LOG_STRING + '…[10 more characters]'.length);
  });
});

describe('createRedactor', () => {
  it('replaces the values of credential keys at any depth', () => {
    const redact = createRedactor();

    const out = redact({
      request: { headers: { 'stripe-signature': 't=1,v1=abc', 'content-type': 'application/json' } },
      secretIndex: 1,
    });

    expect(out).toEqual({
      request: { headers: { 'stripe-signature': REDACTED, 'content-type': 'application/json' } },
      secretIndex: 1,
    });
  });

  it('replaces configured PII paths, with * for one key, ** for any depth, and array elements transparent', () => {
    const redact = createRedactor({ paths: ['**.email', 'data.customer.phone', 'items.*.address'] });

    const out = redact({
      email: 'a@example.com',
      data: { customer: { phone: '+15550100', name: 'Ada', contact: { email: 'b@example.com' } } },
      items: [{ shipping: { address: '1 Main St' }, billing: { address: '2 Side St', country: 'NL' } }],
      phone: 'kept: not on a configured path',
    });

    expect(out).toEqual({
      email: REDACTED,
      data: { customer: { phone: REDACTED, name: 'Ada', contact: { email: REDACTED } } },
      items: [{ shipping: { address: REDACTED }, billing: { address: REDACTED, country: 'NL' } }],
      phone: 'kept: not on a configured path',
    });
  });

  it('redacts inside errors, which it turns into plain attributes first', () => {
    const redact = createRedactor();
    const error = new Error('upstream said: Bearer abcdefghijkl', {
      cause: new Error('secret whsec_abcdefgh'),
    });

    const out = JSON.stringify(redact({ error }));

    expect(out).not.toMatch(/abcdefghijkl|whsec_abcdefgh/);
    expect(out).toContain('Bearer [REDACTED]');
  });

  it('never prints binary data such as a raw body', () => {
    expect(createRedactor()({ body: Buffer.from('{"card":"4242"}') })).toEqual({
      body: '[Binary: 15 bytes]',
    });
  });

  it('cuts nesting deeper than the limit and survives a cycle', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i += 1) deep = { next: deep };
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;

    const out = createRedactor()({ deep, cyclic });

    expect(JSON.stringify(out).match(/next/g)).toHaveLength(MAX_LOG_DEPTH - 1);
    expect(out.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
  });

  it('keeps a "__proto__" key from parsed JSON as data, without touching any prototype', () => {
    const hostile = JSON.parse(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
    ) as Record<string, unknown>;

    const out = createRedactor()({ hostile });

    expect(JSON.stringify(out)).toBe(
      '{"hostile":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
