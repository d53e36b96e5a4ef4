import fc from 'fast-check';
import { createGenericHmacProvider } from '#shared/providers/generic-hmac/index';
import type { GenericHmacOptions } from '#shared/providers/generic-hmac/index';
import type { VerifyResult, WebhookRequest } from '#shared/providers/types';
import {
  ALGORITHMS,
  ENCODINGS,
  aGenericRequest,
  genericOptions,
  oracleSignature,
} from '../../../helpers/providers/generic-hmac';
import { assertEveryByteChangeRejected, withCharChanged } from '../../../helpers/tamper';

const SECRET = 'whsec-generic-test-secret';
const NOW = new Date('2026-03-01T12:00:00.000Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

const verify = async (
  request: WebhookRequest,
  options: GenericHmacOptions,
  secrets: readonly string[] = [SECRET],
  now = NOW,
): Promise<VerifyResult> =>
  await createGenericHmacProvider('acme', options).verify({ request, options, secrets, now });

const timestamped = genericOptions({ timestamp: { header: 'x-timestamp' } });

/** A request signed by the oracle over `{timestamp}.{body}` with a seconds timestamp. */
const aTimestampedRequest = (body: Buffer, timestamp: number, secret = SECRET): WebhookRequest =>
  aGenericRequest({
    body,
    headers: {
      'x-timestamp': String(timestamp),
      'x-signature': oracleSignature(
        'sha256',
        'hex',
        secret,
        Buffer.concat([Buffer.from(`${timestamp}.`), body]),
      ),
    },
  });

describe('generic HMAC verify', () => {
  describe.each(
    ALGORITHMS.flatMap((algorithm) => ENCODINGS.map((encoding) => [algorithm, encoding] as const)),
  )('with %s and %s', (algorithm, encoding) => {
    const options = genericOptions({ algorithm, encoding });

    it('accepts any body signed over its raw bytes', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
          const body = Buffer.from(bytes);
          const request = aGenericRequest({
            body,
            headers: { 'x-signature': oracleSignature(algorithm, encoding, SECRET, body) },
          });

          const result = await verify(request, options);

          expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
        }),
        { numRuns: 50 },
      );
    });

    it('rejects a body with any single byte changed', () =>
      assertEveryByteChangeRejected(
        (body) => oracleSignature(algorithm, encoding, SECRET, body),
        (signature, body) =>
          verify(aGenericRequest({ body, headers: { 'x-signature': signature } }), options),
        { numRuns: 50 },
      ));

    it('rejects a signature with any single character changed', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), async (index, delta) => {
          const body = Buffer.from('{"type":"a"}');
          const signature = withCharChanged(oracleSignature(algorithm, encoding, SECRET, body), index, delta);

          const result = await verify(
            aGenericRequest({ body, headers: { 'x-signature': signature } }),
            options,
          );

          expect(result).toMatchObject({ ok: false, reason: 'signature' });
        }),
        { numRuns: 50 },
      );
    });
  });

  it('signs a body that is not valid UTF-8 over the bytes received', async () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x80, 0x7d]);
    const request = aTimestampedRequest(body, NOW_SECONDS);

    const result = await verify(request, timestamped);

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('strips the configured prefix before comparing', async () => {
    const body = Buffer.from('{"type":"push"}');
    const options = genericOptions({ prefix: 'sha256=' });
    const request = aGenericRequest({
      body,
      headers: { 'x-signature': `sha256=${oracleSignature('sha256', 'hex', SECRET, body)}` },
    });

    const result = await verify(request, options);

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('rejects a correct signature sent without the configured prefix', async () => {
    const body = Buffer.from('{"type":"push"}');
    const options = genericOptions({ prefix: 'sha256=' });
    const request = aGenericRequest({
      body,
      headers: { 'x-signature': oracleSignature('sha256', 'hex', SECRET, body) },
    });

    const result = await verify(request, options);

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('treats a header holding several signatures as one value that does not match', async () => {
    const body = Buffer.from('{"type":"push"}');
    const good = oracleSignature('sha256', 'hex', SECRET, body);
    const request = aGenericRequest({ body, headers: { 'x-signature': `${good},${good}` } });

    const result = await verify(request, genericOptions());

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('verifies with the second active secret and reports its index', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1 }),
        fc.uint8Array({ maxLength: 128 }),
        async (newSecret, bytes) => {
          fc.pre(newSecret !== SECRET);
          const request = aTimestampedRequest(Buffer.from(bytes), NOW_SECONDS);

          const result = await verify(request, timestamped, [newSecret, SECRET]);

          expect(result).toEqual({ ok: true, secretIndex: 1, signature: expect.any(Buffer) as unknown });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects when no active secret signed the request', async () => {
    const request = aTimestampedRequest(Buffer.from('{}'), NOW_SECONDS, 'another-secret');

    const result = await verify(request, timestamped);

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  describe('with a signed timestamp', () => {
    it('accepts timestamps up to the tolerance away in either direction', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: -300, max: 300 }), async (skew) => {
          const result = await verify(
            aTimestampedRequest(Buffer.from('{"type":"a"}'), NOW_SECONDS + skew),
            timestamped,
          );

          expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
        }),
        { numRuns: 100 },
      );
    });

    it('rejects as stale timestamps just beyond the tolerance in either direction', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 301, max: 10_000 }), fc.boolean(), async (distance, future) => {
          const timestamp = NOW_SECONDS + (future ? distance : -distance);

          const result = await verify(
            aTimestampedRequest(Buffer.from('{"type":"a"}'), timestamp),
            timestamped,
          );

          expect(result).toMatchObject({ ok: false, reason: 'stale' });
        }),
        { numRuns: 100 },
      );
    });

    it('uses the timestamp tolerance over the top-level one when both are set', async () => {
      const options = genericOptions({
        timestamp: { header: 'x-timestamp', toleranceSeconds: 10 },
        toleranceSeconds: 600,
      });

      const inside = await verify(aTimestampedRequest(Buffer.from('{}'), NOW_SECONDS - 10), options);
      const outside = await verify(aTimestampedRequest(Buffer.from('{}'), NOW_SECONDS - 11), options);

      expect([inside.ok, outside]).toEqual([true, expect.objectContaining({ reason: 'stale' })]);
    });

    it('rejects a request whose timestamp was changed after signing', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: -300, max: 300 }).filter((skew) => skew !== 0),
          async (skew) => {
            const signed = aTimestampedRequest(Buffer.from('{"type":"a"}'), NOW_SECONDS);
            const request = {
              ...signed,
              headers: { ...signed.headers, 'x-timestamp': String(NOW_SECONDS + skew) },
            };

            const result = await verify(request, timestamped);

            expect(result).toMatchObject({ ok: false, reason: 'signature' });
          },
        ),
        { numRuns: 100 },
      );
    });

    it('reads millisecond timestamps when the unit says so', async () => {
      const options = genericOptions({ timestamp: { header: 'x-timestamp', unit: 'milliseconds' } });
      const body = Buffer.from('{"type":"a"}');
      const timestamp = NOW.getTime() - 299_000;
      const signature = oracleSignature(
        'sha256',
        'hex',
        SECRET,
        Buffer.concat([Buffer.from(`${timestamp}.`), body]),
      );

      const result = await verify(
        aGenericRequest({ body, headers: { 'x-timestamp': String(timestamp), 'x-signature': signature } }),
        options,
      );

      expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
    });

    it('signs the content template with the id header and the raw body', async () => {
      const options = genericOptions({
        algorithm: 'sha512',
        encoding: 'base64',
        prefix: 'v1,',
        timestamp: { header: 'x-timestamp', signedContent: '{id}:{timestamp}:{body}' },
      });
      const body = Buffer.from('{"type":"order.created"}');
      const content = Buffer.concat([Buffer.from(`evt_42:${NOW_SECONDS}:`), body]);
      const headers = {
        'x-event-id': 'evt_42',
        'x-timestamp': String(NOW_SECONDS),
        'x-signature': `v1,${oracleSignature('sha512', 'base64', SECRET, content)}`,
      };

      const accepted = await verify(aGenericRequest({ body, headers }), options);
      const otherId = await verify(
        aGenericRequest({ body, headers: { ...headers, 'x-event-id': 'evt_43' } }),
        options,
      );

      expect([accepted, otherId.ok]).toEqual([
        { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
        false,
      ]);
    });

    it('rejects a timestamp that is not a whole number', async () => {
      const body = Buffer.from('{}');
      const signature = oracleSignature('sha256', 'hex', SECRET, Buffer.concat([Buffer.from('12e5.'), body]));

      const result = await verify(
        aGenericRequest({ body, headers: { 'x-timestamp': '12e5', 'x-signature': signature } }),
        timestamped,
      );

      expect(result).toMatchObject({ ok: false, reason: 'signature' });
    });
  });

  describe('reports missing headers', () => {
    it.each([
      ['a signature header', genericOptions(), { 'x-timestamp': String(NOW_SECONDS) }],
      ['a timestamp header', timestamped, { 'x-signature': 'abc' }],
      ['a non-empty signature header', genericOptions(), { 'x-signature': '' }],
      [
        'the id header the signature covers',
        genericOptions({ timestamp: { header: 'x-timestamp', signedContent: '{id}.{timestamp}.{body}' } }),
        { 'x-signature': 'abc', 'x-timestamp': String(NOW_SECONDS) },
      ],
    ])('rejects as missing a request without %s', async (_name, options, headers) => {
      const result = await verify(aGenericRequest({ headers }), options);

      expect(result).toMatchObject({ ok: false, reason: 'missing' });
    });
  });

  it('finds headers whatever the case of the configured name', async () => {
    const body = Buffer.from('{}');
    const options = genericOptions({ signatureHeader: 'X-Acme-Signature' });

    const result = await verify(
      aGenericRequest({
        body,
        headers: { 'x-acme-signature': oracleSignature('sha256', 'hex', SECRET, body) },
      }),
      options,
    );

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('never throws and never accepts arbitrary hostile headers and bodies', async () => {
    const options = genericOptions({
      prefix: 'sha256=',
      timestamp: { header: 'x-timestamp', signedContent: '{id}.{timestamp}.{body}' },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('x-signature', 'x-timestamp', 'x-event-id', '__proto__', 'constructor'),
          fc.string(),
        ),
        fc.uint8Array({ maxLength: 256 }),
        async (headers, bytes) => {
          const result = await verify(aGenericRequest({ headers, body: Buffer.from(bytes) }), options);

          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
