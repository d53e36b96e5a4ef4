import { sign as ed25519Sign } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { signStandardWebhooksRequest } from '#shared/providers/standard-webhooks/sign';
import { verifyStandardWebhooks as verify } from '#shared/providers/standard-webhooks/verify';
import {
  NOW,
  aSignedDelivery,
  aStandardWebhooksRequest,
  aStandardWebhooksVerifyInput,
  anEd25519KeyPair,
  fixtureBody,
  nowSeconds,
  officialSign,
  standardWebhooksFixture,
  standardWebhooksOptions,
  svixSignAll,
} from '../../../helpers/providers/standard-webhooks';
import { assertEveryByteChangeRejected } from '../../../helpers/tamper';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD_SECRET = 'whsec_cHJldmlvdXMtc2lnbmluZy1rZXktMzItYnl0ZXMhIQ==';
const ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

const secretArb = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`);
const idArb = fc.stringMatching(/^msg_[A-Za-z0-9]{1,40}$/);
const payloadArb = fc.string({ unit: 'binary', maxLength: 300 });

const ed25519Entry = (
  privateKey: ReturnType<typeof anEd25519KeyPair>['privateKey'],
  id: string,
  timestamp: number,
  body: Buffer,
): string =>
  `v1a,${ed25519Sign(null, Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]), privateKey).toString('base64')}`;

describe('standard-webhooks verify', () => {
  it("accepts the libraries' published test vector", () => {
    const fixture = standardWebhooksFixture('test-vector');
    const request = aSignedDelivery(
      fixtureBody(fixture),
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );

    expect(
      verify(aStandardWebhooksVerifyInput(request, [SECRET], { now: new Date(1614265330 * 1000) })),
    ).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('accepts any payload signed by the standardwebhooks package', () => {
    fc.assert(
      fc.property(payloadArb, idArb, secretArb, (payload, id, secret) => {
        const signature = officialSign(secret, id, nowSeconds(), payload);

        const result = verify(
          aStandardWebhooksVerifyInput(aSignedDelivery(Buffer.from(payload), id, nowSeconds(), signature), [
            secret,
          ]),
        );

        expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
      }),
      { numRuns: 150 },
    );
  });

  it('accepts any payload signed by the Svix SDK', () => {
    const cases = fc.sample(
      fc.record({ secret: secretArb, id: idArb, timestamp: fc.constant(nowSeconds()), payload: payloadArb }),
      100,
    );

    const signatures = svixSignAll(cases);

    cases.forEach((svixCase, index) => {
      const request = aSignedDelivery(
        Buffer.from(svixCase.payload),
        svixCase.id,
        svixCase.timestamp,
        signatures[index] ?? '',
      );
      expect(verify(aStandardWebhooksVerifyInput(request, [svixCase.secret]))).toEqual({
        ok: true,
        secretIndex: 0,
        signature: expect.any(Buffer) as unknown,
      });
    });
  });

  it('accepts a v1a Ed25519 signature verified with the whpk_ public key', () => {
    const keys = anEd25519KeyPair();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), idArb, (bytes, id) => {
        const body = Buffer.from(bytes);

        const result = verify(
          aStandardWebhooksVerifyInput(
            aSignedDelivery(body, id, nowSeconds(), ed25519Entry(keys.privateKey, id, nowSeconds(), body)),
            [keys.publicSecret],
          ),
        );

        expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
      }),
      { numRuns: 100 },
    );
  });

  it('reports the index of the key that verified in a list mixing whpk_ and whsec_ entries', () => {
    const keys = anEd25519KeyPair();
    const other = anEd25519KeyPair();
    const body = fixtureBody(standardWebhooksFixture('example.event'));
    const hmacSigned = aSignedDelivery(
      body,
      ID,
      nowSeconds(),
      officialSign(OLD_SECRET, ID, nowSeconds(), body),
    );
    const edSigned = aSignedDelivery(
      body,
      ID,
      nowSeconds(),
      ed25519Entry(keys.privateKey, ID, nowSeconds(), body),
    );

    expect(
      verify(aStandardWebhooksVerifyInput(hmacSigned, [other.publicSecret, SECRET, OLD_SECRET])),
    ).toEqual({ ok: true, secretIndex: 2, signature: expect.any(Buffer) as unknown });
    expect(
      verify(aStandardWebhooksVerifyInput(edSigned, [SECRET, other.publicSecret, keys.publicSecret])),
    ).toEqual({ ok: true, secretIndex: 2, signature: expect.any(Buffer) as unknown });
  });

  it('reports the index of the second active secret when the request is signed with it', () => {
    fc.assert(
      fc.property(payloadArb, (payload) => {
        const request = aSignedDelivery(
          Buffer.from(payload),
          ID,
          nowSeconds(),
          officialSign(OLD_SECRET, ID, nowSeconds(), payload),
        );

        expect(verify(aStandardWebhooksVerifyInput(request, [SECRET, OLD_SECRET]))).toEqual({
          ok: true,
          secretIndex: 1,
          signature: expect.any(Buffer) as unknown,
        });
      }),
      { numRuns: 50 },
    );
  });

  it('accepts a header carrying several signatures when any one matches', () => {
    const body = fixtureBody(standardWebhooksFixture('contact.created-full'));
    const header = [
      officialSign(OLD_SECRET, ID, nowSeconds(), body),
      'v2,future-scheme',
      officialSign(SECRET, ID, nowSeconds(), body),
    ].join(' ');

    expect(
      verify(aStandardWebhooksVerifyInput(aSignedDelivery(body, ID, nowSeconds(), header), [SECRET])),
    ).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('rejects a body with any single byte changed', () =>
    assertEveryByteChangeRejected(
      (body) => officialSign(SECRET, ID, nowSeconds(), body.toString('utf8')),
      (signature, body) =>
        verify(aStandardWebhooksVerifyInput(aSignedDelivery(body, ID, nowSeconds(), signature), [SECRET])),
      // The official signer takes a string: bodies are the UTF-8 of arbitrary latin1 text, so every byte value occurs.
      {
        bodies: fc
          .uint8Array({ minLength: 1, maxLength: 200 })
          .map((bytes) => Buffer.from(Buffer.from(bytes).toString('latin1'), 'utf8')),
      },
    ));

  it('rejects a signature, an id or a timestamp with one character changed', () => {
    const body = fixtureBody(standardWebhooksFixture('example.event'));
    const signature = officialSign(SECRET, ID, nowSeconds(), body);
    fc.assert(
      fc.property(
        fc.nat({ max: 42 }),
        fc.integer({ min: -200, max: 200 }).filter((shift) => shift !== 0),
        fc.nat({ max: ID.length - 1 }),
        (at, shift, idAt) => {
          const encoded = signature.slice(3).split('');
          encoded[at] = encoded[at] === 'A' ? 'B' : 'A';
          const otherId = `${ID.slice(0, idAt)}${ID[idAt] === 'x' ? 'y' : 'x'}${ID.slice(idAt + 1)}`;

          expect(
            verify(
              aStandardWebhooksVerifyInput(
                aSignedDelivery(body, ID, nowSeconds(), `v1,${encoded.join('')}`),
                [SECRET],
              ),
            ),
          ).toMatchObject({ ok: false });
          expect(
            verify(
              aStandardWebhooksVerifyInput(aSignedDelivery(body, otherId, nowSeconds(), signature), [SECRET]),
            ),
          ).toMatchObject({
            ok: false,
            reason: 'signature',
          });
          expect(
            verify(
              aStandardWebhooksVerifyInput(aSignedDelivery(body, ID, nowSeconds() + shift, signature), [
                SECRET,
              ]),
            ),
          ).toMatchObject({
            ok: false,
            reason: 'signature',
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('accepts timestamps at the tolerance edge and rejects one second beyond, in both directions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), fc.constantFrom(-1, 1), (tolerance, direction) => {
        const body = fixtureBody(standardWebhooksFixture('example.event'));
        const options = standardWebhooksOptions({ toleranceSeconds: tolerance });
        const edge = nowSeconds() + direction * tolerance;
        const beyond = nowSeconds() + direction * (tolerance + 1);

        expect(
          verify(
            aStandardWebhooksVerifyInput(
              aSignedDelivery(body, ID, edge, officialSign(SECRET, ID, edge, body)),
              [SECRET],
              { options },
            ),
          ),
        ).toEqual({
          ok: true,
          secretIndex: 0,
          signature: expect.any(Buffer) as unknown,
        });
        expect(
          verify(
            aStandardWebhooksVerifyInput(
              aSignedDelivery(body, ID, beyond, officialSign(SECRET, ID, beyond, body)),
              [SECRET],
              { options },
            ),
          ),
        ).toMatchObject({ ok: false, reason: 'stale' });
      }),
      { numRuns: 100 },
    );
  });

  it('defaults the tolerance to the five minutes the spec recommends', () => {
    expect(standardWebhooksOptions().toleranceSeconds).toBe(300);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'answers missing when %s is absent',
    (name) => {
      const body = fixtureBody(standardWebhooksFixture('example.event'));
      const { [name]: _removed, ...headers } = aSignedDelivery(
        body,
        ID,
        nowSeconds(),
        officialSign(SECRET, ID, nowSeconds(), body),
      ).headers;

      expect(
        verify(aStandardWebhooksVerifyInput(aStandardWebhooksRequest({ body, headers }), [SECRET])),
      ).toMatchObject({ ok: false, reason: 'missing' });
    },
  );

  it.each([
    ['a non-numeric timestamp', { 'webhook-timestamp': 'now' }],
    ['a timestamp with leading zeros', { 'webhook-timestamp': `0${nowSeconds()}` }],
    ['a timestamp sent twice', { 'webhook-timestamp': `${nowSeconds()},${nowSeconds()}` }],
    ['an id sent twice', { 'webhook-id': `${ID},${ID}` }],
    ['a huge id', { 'webhook-id': 'm'.repeat(10_000) }],
    ['a huge signature header', { 'webhook-signature': 'v1,AAAA '.repeat(2_000) }],
  ])('rejects without throwing %s', (_case, overrides) => {
    const body = fixtureBody(standardWebhooksFixture('example.event'));
    const signed = aSignedDelivery(body, ID, nowSeconds(), officialSign(SECRET, ID, nowSeconds(), body));

    const result = verify(
      aStandardWebhooksVerifyInput(
        aStandardWebhooksRequest({ body, headers: { ...signed.headers, ...overrides } }),
        [SECRET],
      ),
    );

    expect(result).toMatchObject({ ok: false });
  });

  it('rejects a signature header sent twice (joined with a comma)', () => {
    const body = fixtureBody(standardWebhooksFixture('example.event'));
    const signature = officialSign(SECRET, ID, nowSeconds(), body);

    expect(
      verify(
        aStandardWebhooksVerifyInput(aSignedDelivery(body, ID, nowSeconds(), `${signature},${signature}`), [
          SECRET,
        ]),
      ),
    ).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('skips malformed configured keys without throwing and still tries the others', () => {
    const body = fixtureBody(standardWebhooksFixture('example.event'));
    const request = aSignedDelivery(body, ID, nowSeconds(), officialSign(SECRET, ID, nowSeconds(), body));

    expect(
      verify(aStandardWebhooksVerifyInput(request, ['whsec_***', 'whpk_AAAA', 'whsec_', '', SECRET])),
    ).toEqual({ ok: true, secretIndex: 4, signature: expect.any(Buffer) as unknown });
  });

  it('never throws and never accepts for arbitrary headers', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }),
        fc.string({ maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        (id, timestamp, signature) => {
          const request = aStandardWebhooksRequest({
            headers: { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature },
          });

          expect(
            verify(aStandardWebhooksVerifyInput(request, [SECRET, anEd25519KeyPair().publicSecret])).ok,
          ).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('verifies the exact bytes, which the string-based package cannot: two bodies it decodes alike get one signature there', () => {
    const signedBody = Buffer.from([0x7b, 0xff, 0x7d]);
    const substituted = Buffer.from([0x7b, 0xfe, 0x7d]);
    expect(new Webhook(SECRET).sign(ID, NOW, substituted)).toBe(
      new Webhook(SECRET).sign(ID, NOW, signedBody),
    );
    const exactSignature =
      signStandardWebhooksRequest({ url: '', headers: { 'webhook-id': ID }, body: signedBody }, SECRET, NOW)[
        'webhook-signature'
      ] ?? '';

    expect(
      verify(
        aStandardWebhooksVerifyInput(aSignedDelivery(signedBody, ID, nowSeconds(), exactSignature), [SECRET]),
      ),
    ).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
    expect(
      verify(
        aStandardWebhooksVerifyInput(aSignedDelivery(substituted, ID, nowSeconds(), exactSignature), [
          SECRET,
        ]),
      ),
    ).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('accepts what our own signer produces with a whsec_ secret, as does the standardwebhooks package', () => {
    const body = fixtureBody(standardWebhooksFixture('contact.created-thin'));
    const now = new Date();
    const headers = signStandardWebhooksRequest(
      { url: 'https://hooks.example.com/webhooks/standard-webhooks', headers: {}, body },
      SECRET,
      now,
    );

    expect(
      verify(aStandardWebhooksVerifyInput(aStandardWebhooksRequest({ body, headers }), [SECRET], { now })),
    ).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
    expect(() => new Webhook(SECRET).verify(body, headers)).not.toThrow();
  });

  it('accepts what our own signer produces with a whsk_ key, verified with the matching whpk_ key', () => {
    const keys = anEd25519KeyPair();
    const body = fixtureBody(standardWebhooksFixture('example.event'));
    const headers = signStandardWebhooksRequest(
      { url: '', headers: { 'webhook-id': ID }, body },
      keys.privateSecret,
      NOW,
    );

    expect(headers['webhook-signature']).toMatch(/^v1a,/);
    expect(
      verify(
        aStandardWebhooksVerifyInput(aStandardWebhooksRequest({ body, headers }), [
          SECRET,
          keys.publicSecret,
        ]),
      ),
    ).toEqual({
      ok: true,
      secretIndex: 1,
      signature: expect.any(Buffer) as unknown,
    });
  });
});
