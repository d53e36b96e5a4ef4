import fc from 'fast-check';
import { signStripeRequest } from '#shared/providers/stripe/sign';
import { verifyStripe as verify } from '#shared/providers/stripe/verify';
import {
  NOW,
  aSignedStripeRequest,
  aStripeRequest,
  aStripeVerifyInput,
  nowSeconds,
  officialStripe,
  officialStripeHeader,
  stripeBody,
  stripeFixture,
  stripeOptions,
} from '../../../helpers/providers/stripe';
import { assertEveryByteChangeRejected } from '../../../helpers/tamper';

const SECRET = 'whsec_test_current';
const OLD_SECRET = 'whsec_test_previous';

const secretArb = fc.string({ minLength: 1, maxLength: 40 }).map((s) => `whsec_${s}`);
const payloadArb = fc.string({ unit: 'binary', maxLength: 300 });

describe('stripe verify', () => {
  it('accepts any payload signed by the Stripe SDK, as the SDK itself does', () => {
    fc.assert(
      fc.property(payloadArb, secretArb, (payload, secret) => {
        const body = Buffer.from(payload, 'utf8');
        const request = aSignedStripeRequest(body, secret);

        const result = verify(aStripeVerifyInput(request, [secret]));

        expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
        expect(
          officialStripe.webhooks.signature?.verifyHeader(
            body,
            request.headers['stripe-signature'] ?? '',
            secret,
            300,
            undefined,
            NOW.getTime(),
          ),
        ).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('accepts a documented event that the Stripe SDK constructEvent accepts', () => {
    const body = stripeBody(stripeFixture('payment_intent.succeeded').body);
    const request = aSignedStripeRequest(body, SECRET);

    const result = verify(aStripeVerifyInput(request, [SECRET]));

    expect(result.ok).toBe(true);
    expect(
      officialStripe.webhooks.constructEvent(
        body,
        request.headers['stripe-signature'] ?? '',
        SECRET,
        300,
        undefined,
        NOW.getTime(),
      ).id,
    ).toBe('evt_1MoS6tLgUG5tbmjchDsX6fiU');
  });

  it('rejects a body with any single byte changed', () =>
    assertEveryByteChangeRejected(
      (body) => aSignedStripeRequest(body, SECRET),
      (signed, body) => verify(aStripeVerifyInput({ ...signed, body }, [SECRET])),
      // Stripe's SDK signs a string: bodies are valid UTF-8, so its signature covers these exact bytes.
      {
        bodies: fc
          .string({ unit: 'binary', minLength: 1, maxLength: 200 })
          .map((text) => Buffer.from(text, 'utf8')),
      },
    ));

  it('rejects a signature with any single hex digit changed', () => {
    fc.assert(
      fc.property(fc.nat({ max: 63 }), fc.integer({ min: 1, max: 15 }), (at, delta) => {
        const body = stripeBody(stripeFixture('invoice.paid').body);
        const header = officialStripeHeader(body, SECRET, nowSeconds());
        const [timestampPart, signaturePart] = header.split(',') as [string, string];
        const digits = signaturePart.slice('v1='.length).split('');
        digits[at] = ((parseInt(digits[at] ?? '0', 16) + delta) % 16).toString(16);
        const tampered = `${timestampPart},v1=${digits.join('')}`;

        const result = verify(
          aStripeVerifyInput(aStripeRequest({ body, headers: { 'stripe-signature': tampered } }), [SECRET]),
        );

        expect(result).toMatchObject({ ok: false, reason: 'signature' });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a header whose timestamp was changed, even within the tolerance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -200, max: 200 }).filter((shift) => shift !== 0),
        (shift) => {
          const body = stripeBody(stripeFixture('customer.created').body);
          const header = officialStripeHeader(body, SECRET, nowSeconds());
          const tampered = header.replace(/^t=\d+/, `t=${nowSeconds() + shift}`);

          const result = verify(
            aStripeVerifyInput(aStripeRequest({ body, headers: { 'stripe-signature': tampered } }), [SECRET]),
          );

          expect(result).toMatchObject({ ok: false, reason: 'signature' });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('accepts timestamps at the tolerance edge and rejects one second beyond, in both directions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), fc.constantFrom(-1, 1), (tolerance, direction) => {
        const body = stripeBody(stripeFixture('customer.updated').body);
        const options = stripeOptions({ toleranceSeconds: tolerance });
        const edge = aSignedStripeRequest(body, SECRET, nowSeconds() + direction * tolerance);
        const beyond = aSignedStripeRequest(body, SECRET, nowSeconds() + direction * (tolerance + 1));

        expect(verify(aStripeVerifyInput(edge, [SECRET], { options }))).toEqual({
          ok: true,
          secretIndex: 0,
          signature: expect.any(Buffer) as unknown,
        });
        expect(verify(aStripeVerifyInput(beyond, [SECRET], { options }))).toMatchObject({
          ok: false,
          reason: 'stale',
        });
      }),
      { numRuns: 100 },
    );
  });

  it('defaults the tolerance to 300 seconds', () => {
    expect(stripeOptions().toleranceSeconds).toBe(300);
  });

  it('reports the index of the second active secret when the request is signed with it', () => {
    fc.assert(
      fc.property(payloadArb, (payload) => {
        const request = aSignedStripeRequest(Buffer.from(payload), OLD_SECRET);

        expect(verify(aStripeVerifyInput(request, [SECRET, OLD_SECRET]))).toEqual({
          ok: true,
          secretIndex: 1,
          signature: expect.any(Buffer) as unknown,
        });
      }),
      { numRuns: 50 },
    );
  });

  it('rejects a request signed with a secret that is not active', () => {
    const request = aSignedStripeRequest(stripeBody(stripeFixture('charge.refunded').body), 'whsec_revoked');

    expect(verify(aStripeVerifyInput(request, [SECRET, OLD_SECRET]))).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('accepts a header carrying several v1 signatures when any one matches', () => {
    const body = stripeBody(stripeFixture('invoice.paid').body);
    const genuine = officialStripeHeader(body, SECRET, nowSeconds());
    const other = officialStripeHeader(body, 'whsec_other', nowSeconds()).split(',')[1] ?? '';
    const header = `${genuine.split(',')[0]},${other},${genuine.split(',')[1]},v0=${'0'.repeat(64)}`;

    expect(
      verify(aStripeVerifyInput(aStripeRequest({ body, headers: { 'stripe-signature': header } }), [SECRET])),
    ).toEqual({
      ok: true,
      secretIndex: 0,
      signature: expect.any(Buffer) as unknown,
    });
  });

  it('ignores a v0 signature: a header with only v0 is refused', () => {
    const body = stripeBody(stripeFixture('invoice.paid').body);
    const header = officialStripe.webhooks.generateTestHeaderString({
      payload: body.toString(),
      secret: SECRET,
      timestamp: nowSeconds(),
      scheme: 'v0',
    });

    expect(
      verify(aStripeVerifyInput(aStripeRequest({ body, headers: { 'stripe-signature': header } }), [SECRET])),
    ).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('answers missing when the Stripe-Signature header is absent or empty', () => {
    expect(verify(aStripeVerifyInput(aStripeRequest({ headers: {} }), [SECRET]))).toMatchObject({
      ok: false,
      reason: 'missing',
    });
    expect(
      verify(aStripeVerifyInput(aStripeRequest({ headers: { 'stripe-signature': '' } }), [SECRET])),
    ).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });

  it('rejects a header sent twice (joined with a comma)', () => {
    const body = stripeBody(stripeFixture('invoice.paid').body);
    const header = officialStripeHeader(body, SECRET, nowSeconds());

    const result = verify(
      aStripeVerifyInput(aStripeRequest({ body, headers: { 'stripe-signature': `${header},${header}` } }), [
        SECRET,
      ]),
    );

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it.each([
    ['a non-numeric timestamp', `t=abc,v1=${'a'.repeat(64)}`],
    ['a timestamp with a sign', `t=+${nowSeconds()},v1=${'a'.repeat(64)}`],
    ['a timestamp with leading zeros', `t=0${nowSeconds()},v1=${'a'.repeat(64)}`],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['no signature', `t=${nowSeconds()}`],
    ['a huge header', `t=${nowSeconds()},${'v1=0,'.repeat(5000)}`],
  ])('rejects without throwing a header with %s', (_case, header) => {
    const result = verify(
      aStripeVerifyInput(aStripeRequest({ headers: { 'stripe-signature': header } }), [SECRET]),
    );

    expect(result).toMatchObject({ ok: false });
  });

  it('never throws and never accepts for an arbitrary header', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (header) => {
        const result = verify(
          aStripeVerifyInput(aStripeRequest({ headers: { 'stripe-signature': header } }), [SECRET]),
        );

        expect(result.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('never accepts with an empty secret, even when the request was signed with one', () => {
    const body = stripeBody(stripeFixture('invoice.paid').body);
    const request = aStripeRequest({
      body,
      headers: signStripeRequest({ url: '', headers: {}, body }, '', NOW),
    });

    expect(verify(aStripeVerifyInput(request, ['']))).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('accepts what our own signer produces, as does the Stripe SDK', () => {
    const body = stripeBody(stripeFixture('checkout.session.completed').body);
    const headers = signStripeRequest(
      { url: 'https://hooks.example.com/webhooks/stripe', headers: {}, body },
      SECRET,
      NOW,
    );

    expect(verify(aStripeVerifyInput(aStripeRequest({ body, headers }), [SECRET]))).toEqual({
      ok: true,
      secretIndex: 0,
      signature: expect.any(Buffer) as unknown,
    });
    expect(
      officialStripe.webhooks.constructEvent(
        body,
        headers['stripe-signature'] ?? '',
        SECRET,
        300,
        undefined,
        NOW.getTime(),
      ).type,
    ).toBe('checkout.session.completed');
  });
});
