import fc from 'fast-check';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postmarkOptionsSchema } from '#shared/providers/postmark/index';
import { signPostmarkRequest } from '#shared/providers/postmark/sign';
import { verifyPostmark } from '#shared/providers/postmark/verify';
import {
  aPostmarkRecordRequest,
  aPostmarkRequest,
  basicAuthorization,
} from '../../../helpers/providers/postmark';

const NOW = new Date('2026-03-01T12:00:00Z');
const CREDENTIALS = 'relayflow:correct horse battery staple';
const options = postmarkOptionsSchema.parse({});
const withAllowlist = (allowedSourceIps: string[]) => postmarkOptionsSchema.parse({ allowedSourceIps });

const username = fc.string({ minLength: 1, maxLength: 24 }).filter((name) => !name.includes(':'));
const password = fc.string({ maxLength: 48 });

/** What a real HTTP client sends for URL credentials: Node's http client as the oracle. */
const headersSentByNodeHttp = async (auth: string): Promise<IncomingHttpHeaders> => {
  const server: Server = createServer((req, res) => res.end(JSON.stringify(req.headers)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/webhooks/postmark', auth });
    req.end('{}');
    const [res] = (await once(req, 'response')) as [NodeJS.ReadableStream];
    let text = '';
    for await (const chunk of res) text += String(chunk);
    return JSON.parse(text) as IncomingHttpHeaders;
  } finally {
    server.close();
    await once(server, 'close');
  }
};

describe('verifyPostmark', () => {
  it('accepts the credentials a real HTTP client sends for the configured user and password', async () => {
    const headers = await headersSentByNodeHttp(CREDENTIALS);
    const request = aPostmarkRequest({ headers: { authorization: headers.authorization ?? '' } });

    const result = verifyPostmark({ request, secrets: [CREDENTIALS], now: NOW, options });

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('accepts any username and password presented as Basic credentials', () => {
    fc.assert(
      fc.property(username, password, (user, pass) => {
        const request = aPostmarkRecordRequest({}, `${user}:${pass}`);

        const result = verifyPostmark({ request, secrets: [`${user}:${pass}`], now: NOW, options });

        expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects credentials with any single byte changed', () => {
    fc.assert(
      fc.property(
        username,
        password,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (user, pass, position, xor) => {
          const secret = Buffer.from(`${user}:${pass}`, 'utf8');
          const tampered = Buffer.from(secret);
          const index = position % tampered.length;
          tampered[index] = (tampered[index] ?? 0) ^ xor;
          const request = aPostmarkRequest({
            headers: { authorization: `Basic ${tampered.toString('base64')}` },
          });

          const result = verifyPostmark({ request, secrets: [secret.toString('utf8')], now: NOW, options });

          expect(result).toMatchObject({ ok: false, reason: 'unauthorized' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('verifies with the second active credentials and reports their index', () => {
    const request = aPostmarkRecordRequest({}, CREDENTIALS);

    const result = verifyPostmark({
      request,
      secrets: ['relayflow:previous', CREDENTIALS],
      now: NOW,
      options,
    });

    expect(result).toEqual({ ok: true, secretIndex: 1, signature: expect.any(Buffer) as unknown });
  });

  it('stops accepting credentials as soon as they leave the active ones', () => {
    const request = aPostmarkRecordRequest({}, CREDENTIALS);
    const verifyWith = (secrets: string[]) => verifyPostmark({ request, secrets, now: NOW, options });

    expect([verifyWith([CREDENTIALS]), verifyWith(['relayflow:rotated'])]).toMatchObject([
      { ok: true },
      { ok: false, reason: 'unauthorized' },
    ]);
  });

  it('refuses spellings of the right credentials other than the canonical base64 clients write', () => {
    const canonical = Buffer.from(CREDENTIALS, 'utf8').toString('base64');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    // 38 bytes: one `=` of padding, and two unused bits in the character before it.
    const last = canonical.length - 2;
    const unusedBitSet = `${canonical.slice(0, last)}${alphabet[alphabet.indexOf(canonical.charAt(last)) + 1] ?? ''}=`;
    const spellings = [canonical.replace(/=+$/, ''), unusedBitSet];

    expect(spellings.map((spelling) => Buffer.from(spelling, 'base64').toString('utf8'))).toEqual([
      CREDENTIALS,
      CREDENTIALS,
    ]);
    for (const spelling of spellings) {
      const request = aPostmarkRequest({ headers: { authorization: `Basic ${spelling}` } });

      expect(verifyPostmark({ request, secrets: [CREDENTIALS], now: NOW, options })).toMatchObject({
        ok: false,
        reason: 'unauthorized',
      });
    }
  });

  it('never matches a configured secret that is not a username:password pair', () => {
    const request = aPostmarkRequest({ headers: { authorization: basicAuthorization('nocolon') } });

    const result = verifyPostmark({ request, secrets: ['nocolon'], now: NOW, options });

    expect(result).toMatchObject({ ok: false, reason: 'unauthorized' });
  });

  it.each([
    ['no authorization header', {}],
    ['an empty authorization header', { authorization: '' }],
    ['a Bearer token', { authorization: 'Bearer cmVsYXlmbG93' }],
    ['Basic credentials that are not base64', { authorization: 'Basic *not-base64*' }],
  ])('refuses a request with %s as unauthorized', (_label, headers: Record<string, string>) => {
    const result = verifyPostmark({
      request: aPostmarkRequest({ headers }),
      secrets: [CREDENTIALS],
      now: NOW,
      options,
    });

    expect(result).toMatchObject({ ok: false, reason: 'unauthorized' });
  });

  it('accepts the scheme name in any case, as RFC 7617 allows', () => {
    const request = aPostmarkRequest({
      headers: { authorization: basicAuthorization(CREDENTIALS).replace('Basic', 'basic') },
    });

    const result = verifyPostmark({ request, secrets: [CREDENTIALS], now: NOW, options });

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  describe('source IP allowlist', () => {
    const verifyFrom = (sourceIp: string, allowed: string[]) =>
      verifyPostmark({
        request: { ...aPostmarkRecordRequest({}, CREDENTIALS), sourceIp },
        secrets: [CREDENTIALS],
        now: NOW,
        options: withAllowlist(allowed),
      });

    it.each([
      ['an exact IPv4 address', '50.31.156.6', ['50.31.156.6']],
      ['an IPv4 address inside a CIDR range', '18.217.206.57', ['18.217.206.0/24']],
      ['an IPv4-mapped IPv6 source inside an IPv4 range', '::ffff:18.217.206.57', ['18.217.206.0/24']],
      ['an IPv6 address inside an IPv6 range', '2001:db8::1:2', ['2001:db8::/32']],
      ['any address when no allowlist is configured', '198.51.100.7', []],
    ])('accepts %s', (_label, sourceIp, allowed) => {
      expect(verifyFrom(sourceIp, allowed)).toEqual({
        ok: true,
        secretIndex: 0,
        signature: expect.any(Buffer) as unknown,
      });
    });

    it.each([
      ['an IPv4 address outside every range', '18.217.207.1', ['18.217.206.0/24', '50.31.156.6']],
      ['an IPv6 address outside the range', '2001:db9::1', ['2001:db8::/32']],
      ['a source that is not an IP address', 'unknown', ['18.217.206.0/24']],
    ])('refuses %s as unauthorized, even with good credentials', (_label, sourceIp, allowed) => {
      expect(verifyFrom(sourceIp, allowed)).toEqual({
        ok: false,
        reason: 'unauthorized',
        detail: 'The source IP is not in the Postmark allowlist.',
      });
    });

    it('accepts exactly the addresses of a /24 range', () => {
      fc.assert(
        fc.property(fc.ipV4(), (sourceIp) => {
          const inside = sourceIp.startsWith('18.217.206.');

          const result = verifyFrom(sourceIp, ['18.217.206.0/24']);

          expect(result.ok).toBe(inside);
        }),
        { numRuns: 200 },
      );
    });
  });

  it.each([['10.0.0.0/33'], ['not-an-ip'], ['::1/129'], ['1.2.3.4/8/1']])(
    'refuses %s as an allowlist option',
    (entry) => {
      expect(postmarkOptionsSchema.safeParse({ allowedSourceIps: [entry] }).success).toBe(false);
    },
  );

  it('applies the documented defaults to empty options', () => {
    expect(postmarkOptionsSchema.parse({})).toEqual({ toleranceSeconds: 300, allowedSourceIps: [] });
  });

  it('never throws and never accepts hostile headers, sources or secrets', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.array(fc.string(), { maxLength: 3 }),
        (authorization, sourceIp, secrets) => {
          fc.pre(!secrets.some((secret) => basicAuthorization(secret) === authorization));
          const request = aPostmarkRequest({ headers: { authorization }, sourceIp });

          const result = verifyPostmark({
            request,
            secrets,
            now: NOW,
            options: withAllowlist(['10.0.0.0/8']),
          });

          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('signs with sign.ts a request our verifier accepts', () => {
    const body = Buffer.from('{"RecordType":"Delivery"}');

    const headers = signPostmarkRequest(
      { url: 'https://hooks.example.test/webhooks/postmark', headers: {}, body },
      CREDENTIALS,
      NOW,
    );
    const result = verifyPostmark({
      request: aPostmarkRequest({ body, headers }),
      secrets: [CREDENTIALS],
      now: NOW,
      options,
    });

    expect(headers).toEqual({ authorization: basicAuthorization(CREDENTIALS) });
    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });
});
