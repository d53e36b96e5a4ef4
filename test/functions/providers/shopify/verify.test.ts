import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { signShopifyRequest } from '#shared/providers/shopify/sign';
import { verifyShopify as verify } from '#shared/providers/shopify/verify';
import {
  aShopifyRequest,
  aShopifyVerifyInput,
  shopifyFixture,
  specShopifyHmac,
} from '../../../helpers/providers/shopify';
import { assertEveryByteChangeRejected } from '../../../helpers/tamper';

const SECRET = 'shpss_current_client_secret';
const OLD_SECRET = 'shpss_previous_client_secret';

const withHmac = (body: Buffer, hmac: string) =>
  aShopifyRequest({
    body,
    headers: { ...shopifyFixture('orders-create').headers, 'x-shopify-hmac-sha256': hmac },
  });

describe('shopify verify', () => {
  it('accepts any body signed with the documented algorithm', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        async (bytes, secret) => {
          const body = Buffer.from(bytes);

          expect(
            verify(aShopifyVerifyInput(withHmac(body, await specShopifyHmac(secret, body)), [secret])),
          ).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('accepts a documented sample payload signed with the documented algorithm', async () => {
    const body = Buffer.from(shopifyFixture('orders-paid').body);

    expect(
      verify(aShopifyVerifyInput(withHmac(body, await specShopifyHmac(SECRET, body)), [SECRET])),
    ).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('rejects a body with any single byte changed', () =>
    assertEveryByteChangeRejected(
      (body) => specShopifyHmac(SECRET, body),
      (hmac, body) => verify(aShopifyVerifyInput(withHmac(body, hmac), [SECRET])),
    ));

  it('rejects a signature with any single decoded bit changed', async () => {
    const body = Buffer.from(shopifyFixture('customers-create').body);
    const digest = Buffer.from(await specShopifyHmac(SECRET, body), 'base64');
    fc.assert(
      fc.property(fc.nat({ max: 255 }), (bit) => {
        const tampered = Buffer.from(digest);
        tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));

        expect(
          verify(aShopifyVerifyInput(withHmac(body, tampered.toString('base64')), [SECRET])),
        ).toMatchObject({ ok: false, reason: 'signature' });
      }),
      { numRuns: 256 },
    );
  });

  it('reports the index of the second active secret when the request is signed with it', async () => {
    const body = Buffer.from(shopifyFixture('orders-create').body);

    expect(
      verify(
        aShopifyVerifyInput(withHmac(body, await specShopifyHmac(OLD_SECRET, body)), [SECRET, OLD_SECRET]),
      ),
    ).toEqual({
      ok: true,
      secretIndex: 1,
      signature: expect.any(Buffer) as unknown,
    });
  });

  it('rejects a request signed with a secret that is not active', async () => {
    const body = Buffer.from(shopifyFixture('orders-create').body);

    expect(
      verify(
        aShopifyVerifyInput(withHmac(body, await specShopifyHmac('revoked', body)), [SECRET, OLD_SECRET]),
      ),
    ).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('answers missing when X-Shopify-Hmac-Sha256 is absent or blank', () => {
    expect(verify(aShopifyVerifyInput(aShopifyRequest(), [SECRET]))).toMatchObject({
      ok: false,
      reason: 'missing',
    });
    expect(verify(aShopifyVerifyInput(withHmac(Buffer.from('{}'), '  '), [SECRET]))).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });

  it.each([
    ['sent twice (joined with a comma)', (hmac: string) => `${hmac},${hmac}`],
    ['as hex instead of base64', (hmac: string) => Buffer.from(hmac, 'base64').toString('hex')],
    ['without padding', (hmac: string) => hmac.replace(/=$/, '')],
    ['in base64url', (hmac: string) => hmac.replace(/\+/g, '-').replace(/\//g, '_') + '-_'],
    ['huge', (hmac: string) => hmac.repeat(10_000)],
    [
      'spelled with the unused low bits of its last character set',
      (hmac: string) => {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        const last = alphabet.indexOf(hmac.charAt(42));
        return `${hmac.slice(0, 42)}${alphabet.charAt(last ^ 1)}=`;
      },
    ],
  ])('rejects without throwing a signature %s', async (_case, mangle) => {
    const body = Buffer.from(shopifyFixture('orders-create').body);

    const result = verify(
      aShopifyVerifyInput(withHmac(body, mangle(await specShopifyHmac(SECRET, body))), [SECRET]),
    );

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('never throws and never accepts for an arbitrary header', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (header) => {
        expect(verify(aShopifyVerifyInput(withHmac(Buffer.from('{}'), header), [SECRET])).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('never accepts with an empty secret', () => {
    const body = Buffer.from('{}');
    const emptyKeyHmac = createHmac('sha256', '').update(body).digest('base64');

    expect(verify(aShopifyVerifyInput(withHmac(body, emptyKeyHmac), ['']))).toMatchObject({ ok: false });
  });

  it('accepts what our own signer produces, which matches the documented algorithm', async () => {
    const body = Buffer.from(shopifyFixture('customers-delete').body);
    const headers = signShopifyRequest(
      { url: 'https://hooks.example.com/webhooks/shopify', headers: {}, body },
      SECRET,
      new Date(),
    );

    expect(headers['x-shopify-hmac-sha256']).toBe(await specShopifyHmac(SECRET, body));
    expect(verify(aShopifyVerifyInput(aShopifyRequest({ body, headers }), [SECRET]))).toEqual({
      ok: true,
      secretIndex: 0,
      signature: expect.any(Buffer) as unknown,
    });
  });
});
