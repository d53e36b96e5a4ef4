import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { signGithubRequest } from '#shared/providers/github/sign';
import { verifyGithub as verify } from '#shared/providers/github/verify';
import {
  aGithubRequest,
  aGithubVerifyInput,
  githubBody,
  githubFixture,
} from '../../../helpers/providers/github';
import { assertEveryByteChangeRejected } from '../../../helpers/tamper';

const SECRET = 'current-webhook-secret';
const OLD_SECRET = 'previous-webhook-secret';

const withSignature = (body: Buffer, signature: string) =>
  aGithubRequest({ body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });

const hmacHex = (secret: string, body: Buffer): string =>
  createHmac('sha256', secret).update(body).digest('hex');

describe('github verify', () => {
  it("matches GitHub's documented test vector", () => {
    const body = Buffer.from('Hello, World!');

    const result = verify(
      aGithubVerifyInput(
        withSignature(body, 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'),
        ["It's a Secret to Everybody"],
      ),
    );

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('accepts any payload signed by @octokit/webhooks-methods, as its verify does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        async (payload, secret) => {
          const signature = await octokitSign(secret, payload);

          const result = verify(
            aGithubVerifyInput(withSignature(Buffer.from(payload, 'utf8'), signature), [secret]),
          );

          expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
          await expect(octokitVerify(secret, payload, signature)).resolves.toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('verifies the exact bytes: a body that is not UTF-8 is accepted when signed as sent, which a string-based check cannot do', async () => {
    const body = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]);
    const signature = `sha256=${hmacHex(SECRET, body)}`;
    await expect(octokitVerify(SECRET, body.toString('utf8'), signature)).resolves.toBe(false);

    expect(verify(aGithubVerifyInput(withSignature(body, signature), [SECRET]))).toEqual({
      ok: true,
      secretIndex: 0,
      signature: expect.any(Buffer) as unknown,
    });
  });

  it('rejects invalid UTF-8 bytes substituted for a signed U+FFFD, which a string-based check accepts', async () => {
    const signed = Buffer.from('{"note":"\uFFFD"}', 'utf8');
    const forged = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    const signature = await octokitSign(SECRET, signed.toString('utf8'));
    await expect(octokitVerify(SECRET, forged.toString('utf8'), signature)).resolves.toBe(true);

    const result = verify(aGithubVerifyInput(withSignature(forged, signature), [SECRET]));

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('rejects a body with any single byte changed', () =>
    assertEveryByteChangeRejected(
      (body) => octokitSign(SECRET, body.toString('utf8')),
      (signature, body) => verify(aGithubVerifyInput(withSignature(body, signature), [SECRET])),
      {
        bodies: fc
          .string({ unit: 'binary', minLength: 1, maxLength: 200 })
          .map((text) => Buffer.from(text, 'utf8')),
      },
    ));

  it('rejects a signature with any single hex digit changed', () => {
    fc.assert(
      fc.property(fc.nat({ max: 63 }), fc.integer({ min: 1, max: 15 }), (at, delta) => {
        const body = githubBody(githubFixture('push').body);
        const digits = hmacHex(SECRET, body).split('');
        digits[at] = ((parseInt(digits[at] ?? '0', 16) + delta) % 16).toString(16);

        const result = verify(aGithubVerifyInput(withSignature(body, `sha256=${digits.join('')}`), [SECRET]));

        expect(result).toMatchObject({ ok: false, reason: 'signature' });
      }),
      { numRuns: 150 },
    );
  });

  it('reports the index of the second active secret when the request is signed with it', async () => {
    const body = githubBody(githubFixture('pull_request.opened').body);
    const signature = await octokitSign(OLD_SECRET, body.toString('utf8'));

    expect(verify(aGithubVerifyInput(withSignature(body, signature), [SECRET, OLD_SECRET]))).toEqual({
      ok: true,
      secretIndex: 1,
      signature: expect.any(Buffer) as unknown,
    });
  });

  it('rejects a request signed with a secret that is not active', async () => {
    const body = githubBody(githubFixture('pull_request.opened').body);
    const signature = await octokitSign('revoked', body.toString('utf8'));

    expect(verify(aGithubVerifyInput(withSignature(body, signature), [SECRET, OLD_SECRET]))).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('answers missing when X-Hub-Signature-256 is absent, even if the SHA-1 X-Hub-Signature is present', () => {
    const body = githubBody(githubFixture('ping').body);
    const request = aGithubRequest({
      body,
      headers: { 'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}` },
    });

    expect(verify(aGithubVerifyInput(request, [SECRET]))).toMatchObject({ ok: false, reason: 'missing' });
  });

  it.each([
    ['sent twice (joined with a comma)', (sig: string) => `${sig},${sig}`],
    ['without the sha256= prefix', (sig: string) => sig.slice('sha256='.length)],
    ['with a sha1= prefix', (sig: string) => sig.replace('sha256=', 'sha1=')],
    ['truncated', (sig: string) => sig.slice(0, -2)],
    ['huge', (sig: string) => sig + '0'.repeat(100_000)],
    ['not hex', (sig: string) => sig.replace(/[0-9a-f]$/, 'z')],
  ])('rejects without throwing a signature %s', (_case, mangle) => {
    const body = githubBody(githubFixture('ping').body);

    const result = verify(
      aGithubVerifyInput(withSignature(body, mangle(`sha256=${hmacHex(SECRET, body)}`)), [SECRET]),
    );

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('never throws and never accepts for an arbitrary header', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (header) => {
        expect(verify(aGithubVerifyInput(withSignature(Buffer.from('{}'), header), [SECRET])).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('never accepts with an empty secret', () => {
    const body = githubBody(githubFixture('ping').body);

    expect(
      verify(aGithubVerifyInput(withSignature(body, `sha256=${hmacHex('', body)}`), [''])),
    ).toMatchObject({ ok: false });
  });

  it('accepts what our own signer produces, as does @octokit/webhooks-methods', async () => {
    const body = githubBody(githubFixture('release.published').body);
    const headers = signGithubRequest(
      { url: 'https://hooks.example.com/webhooks/github', headers: {}, body },
      SECRET,
      new Date(),
    );

    expect(verify(aGithubVerifyInput(aGithubRequest({ body, headers }), [SECRET]))).toEqual({
      ok: true,
      secretIndex: 0,
      signature: expect.any(Buffer) as unknown,
    });
    await expect(
      octokitVerify(SECRET, body.toString('utf8'), headers['x-hub-signature-256'] ?? ''),
    ).resolves.toBe(true);
  });
});
