import fc from 'fast-check';
import { mailgunOptionsSchema } from '#shared/providers/mailgun/index';
import { signMailgunRequest } from '#shared/providers/mailgun/sign';
import { verifyMailgun } from '#shared/providers/mailgun/verify';
import type { WebhookRequest } from '#shared/providers/types';
import {
  aMailgunJsonRequest,
  aMailgunMultipartRequest,
  aMailgunRequest,
  aMailgunUrlEncodedRequest,
  aToken,
  mailgunEventData,
  mailgunFixture,
  signatureParts,
  specSignature,
} from '../../../helpers/providers/mailgun';

const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const OTHER_KEY = 'key-previous-9f2c1e';
const NOW = new Date('2026-03-01T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const options = mailgunOptionsSchema.parse({});
const delivered = mailgunEventData('delivered');

const verify = (request: WebhookRequest, secrets: readonly string[] = [KEY], custom = options) =>
  verifyMailgun({ request, secrets, now: NOW, options: custom });

const tamperHex = (hex: string, position: number, delta: number): string => {
  const digits = '0123456789abcdef';
  const index = position % hex.length;
  const changed = digits[(digits.indexOf(hex[index] ?? '0') + delta) % 16] ?? '0';
  return hex.slice(0, index) + changed + hex.slice(index + 1);
};

describe('verifyMailgun', () => {
  it('accepts any event signed with the documented algorithm and returns its token as a nonce', () => {
    fc.assert(
      fc.property(
        fc.object(),
        fc.integer({ min: -300, max: 300 }),
        fc.string({ minLength: 1, maxLength: 64 }),
        (eventData, skew, token) => {
          const signature = signatureParts(KEY, String(nowSeconds + skew), token);

          const result = verify(aMailgunJsonRequest(signature, eventData));

          expect(result).toEqual({
            ok: true,
            secretIndex: 0,
            signature: expect.any(Buffer) as unknown,
            nonce: { value: token, ttlSeconds: 600 },
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects a signature with any single hex digit changed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 15 }), (position, delta) => {
        const parts = signatureParts(KEY, String(nowSeconds));
        const signature = { ...parts, signature: tamperHex(parts.signature, position, delta) };

        expect(verify(aMailgunJsonRequest(signature, delivered))).toMatchObject({
          ok: false,
          reason: 'signature',
        });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a token with any single character changed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 15 }), (position, delta) => {
        const parts = signatureParts(KEY, String(nowSeconds));
        const signature = { ...parts, token: tamperHex(parts.token, position, delta) };

        expect(verify(aMailgunJsonRequest(signature, delivered))).toMatchObject({
          ok: false,
          reason: 'signature',
        });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a signature moved to another timestamp inside the tolerance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -300, max: 300 }).filter((skew) => skew !== 0),
        (skew) => {
          const parts = signatureParts(KEY, String(nowSeconds));
          const signature = { ...parts, timestamp: String(nowSeconds + skew) };

          expect(verify(aMailgunJsonRequest(signature, delivered))).toMatchObject({
            ok: false,
            reason: 'signature',
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('accepts timestamps exactly at the tolerance and refuses them one second beyond, both directions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), fc.constantFrom(-1, 1), (tolerance, direction) => {
        const custom = mailgunOptionsSchema.parse({ toleranceSeconds: tolerance });
        const at = signatureParts(KEY, String(nowSeconds + direction * tolerance));
        const beyond = signatureParts(KEY, String(nowSeconds + direction * (tolerance + 1)));

        expect(verify(aMailgunJsonRequest(at, delivered), [KEY], custom)).toMatchObject({ ok: true });
        expect(verify(aMailgunJsonRequest(beyond, delivered), [KEY], custom)).toMatchObject({
          ok: false,
          reason: 'stale',
        });
      }),
      { numRuns: 100 },
    );
  });

  it('leaves event data it does not sign to the nonce: changed event data still verifies, once per token', () => {
    const signature = signatureParts(KEY, String(nowSeconds));

    const original = verify(aMailgunJsonRequest(signature, delivered));
    const altered = verify(
      aMailgunJsonRequest(signature, { ...delivered, recipient: 'mallory@example.com' }),
    );

    expect(original).toMatchObject({ ok: true, nonce: { value: signature.token } });
    expect(altered).toMatchObject({ ok: true, nonce: { value: signature.token } });
  });

  it('accepts a timestamp sent as a JSON number', () => {
    const parts = signatureParts(KEY, String(nowSeconds));

    expect(verify(aMailgunJsonRequest({ ...parts, timestamp: nowSeconds }, delivered))).toMatchObject({
      ok: true,
    });
  });

  it('verifies with the second active key and reports its index', () => {
    const signature = signatureParts(KEY, String(nowSeconds));

    expect(verify(aMailgunJsonRequest(signature, delivered), [OTHER_KEY, KEY])).toMatchObject({
      ok: true,
      secretIndex: 1,
    });
  });

  it("accepts a subaccount event through the parent-signature made with the primary account's key", () => {
    const parts = signatureParts('key-subaccount-unknown-here', String(nowSeconds));
    const signature = { ...parts, 'parent-signature': specSignature(KEY, parts.timestamp, parts.token) };

    expect(verify(aMailgunJsonRequest(signature, delivered), [OTHER_KEY, KEY])).toMatchObject({
      ok: true,
      secretIndex: 1,
    });
  });

  it('refuses a captured Mailgun test webhook under a key that did not sign it', () => {
    const { body } = mailgunFixture('delivered');
    const signedAt = new Date(Number(body.signature.timestamp) * 1000);

    const result = verifyMailgun({
      request: aMailgunRequest({ body: Buffer.from(JSON.stringify(body)) }),
      secrets: [KEY],
      now: signedAt,
      options,
    });

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  describe('legacy form webhooks', () => {
    const legacyFields = (parts: { timestamp: string; token: string; signature: string }) => ({
      event: 'delivered',
      recipient: 'alice@example.com',
      'Message-Id': '<20130503182626.18666.16540@sandbox.mailgun.org>',
      ...parts,
    });

    it('accepts a signed urlencoded body', () => {
      const parts = signatureParts(KEY, String(nowSeconds));

      expect(verify(aMailgunUrlEncodedRequest(legacyFields(parts)))).toMatchObject({
        ok: true,
        nonce: { value: parts.token },
      });
    });

    it('accepts a signed multipart body, attachments and all', () => {
      const parts = signatureParts(KEY, String(nowSeconds));

      const request = aMailgunMultipartRequest(legacyFields(parts), { 'attachment-1': 'signature=forged' });

      expect(verify(request)).toMatchObject({ ok: true, nonce: { value: parts.token } });
    });

    it('rejects a multipart body whose signature field was changed', () => {
      const parts = signatureParts(KEY, String(nowSeconds));

      const request = aMailgunMultipartRequest(
        legacyFields({ ...parts, signature: tamperHex(parts.signature, 0, 1) }),
      );

      expect(verify(request)).toMatchObject({ ok: false, reason: 'signature' });
    });

    it('answers missing for a form without a token', () => {
      const { token: _token, ...parts } = signatureParts(KEY, String(nowSeconds));

      expect(verify(aMailgunUrlEncodedRequest({ event: 'delivered', ...parts }))).toMatchObject({
        ok: false,
        reason: 'missing',
      });
    });
  });

  it.each([
    ['a JSON body without signature', JSON.stringify({ 'event-data': delivered })],
    [
      'a signature object without token',
      JSON.stringify({ signature: { timestamp: String(nowSeconds), signature: 'ab' } }),
    ],
    ['a body that is not JSON', 'event=delivered'],
    ['a JSON array', '[]'],
  ])('answers missing for %s', (_label, body) => {
    expect(verify(aMailgunRequest({ body: Buffer.from(body) }))).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });

  it.each([
    ['a signature that is an array', () => [signatureParts(KEY, String(nowSeconds))]],
    ['a timestamp that is neither a string nor a number', () => ({ timestamp: [nowSeconds] })],
    ['a token that is not a string', () => ({ token: 42 })],
    ['a signature that is not a string', () => ({ signature: null })],
    ['a parent-signature that is not a string', () => ({ 'parent-signature': null })],
  ])('answers missing for %s, however well signed the rest is', (_label, shape) => {
    const parts = signatureParts(KEY, String(nowSeconds));
    const changed = shape();
    const signature = Array.isArray(changed) ? changed : { ...parts, ...changed };

    expect(verify(aMailgunJsonRequest(signature, delivered))).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });

  it.each([
    ['a timestamp that is not unix seconds', { timestamp: '2026-03-01T12:00:00Z' }],
    ['a signature that is not hex SHA-256', { signature: 'not-hex' }],
    ['a token longer than any Mailgun issues', { token: 'x'.repeat(513) }],
  ])('rejects %s as a bad signature', (_label, override) => {
    const signature = { ...signatureParts(KEY, String(nowSeconds)), ...override };

    expect(verify(aMailgunJsonRequest(signature, delivered))).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('never throws and never accepts hostile bodies, content types or keys', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 }),
        fc.constantFrom(
          'application/json',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'text/plain',
          '',
        ),
        fc.array(fc.string(), { maxLength: 3 }),
        (bytes, contentType, secrets) => {
          const request = aMailgunRequest({
            headers: { 'content-type': contentType },
            body: Buffer.from(bytes),
          });

          expect(verifyMailgun({ request, secrets, now: NOW, options }).ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ['a JSON body', 'application/json', Buffer.from(JSON.stringify({ 'event-data': delivered }))],
    [
      'a urlencoded body',
      'application/x-www-form-urlencoded',
      Buffer.from('event=delivered&recipient=alice%40example.com'),
    ],
  ])(
    'signs %s with sign.ts into a request both our verifier and the documented algorithm accept',
    (_label, contentType, body) => {
      const headers = { 'content-type': contentType };
      const token = aToken();

      const signed = signMailgunRequest(
        { url: 'https://hooks.example.test/webhooks/mailgun', headers, body },
        KEY,
        NOW,
        token,
      );
      const result = verify(
        aMailgunRequest({ headers: { ...headers, ...signed.headers }, body: signed.body }),
      );

      expect(result).toEqual({
        ok: true,
        secretIndex: 0,
        signature: expect.any(Buffer) as unknown,
        nonce: { value: token, ttlSeconds: 600 },
      });
      expect(signed.body.toString()).toContain(specSignature(KEY, String(nowSeconds), token));
    },
  );
});
