import fc from 'fast-check';
import { twilioOptionsSchema, twilioProvider } from '#shared/providers/twilio/index';
import { signTwilioRequest } from '#shared/providers/twilio/sign';
import type { VerifyResult, WebhookRequest } from '#shared/providers/types';
import { withCharChanged } from '../../../helpers/tamper';
import {
  STATUS_CALLBACK,
  TWILIO_TOKEN,
  TWILIO_URL,
  type FormPairs,
  aSignedTwilioRequest,
  aTwilioRequest,
  formBody,
  officialTwilioAccepts,
  officialTwilioSignature,
} from '../../../helpers/providers/twilio';

const options = twilioOptionsSchema.parse({});
const NOW = new Date('2026-03-01T12:00:00.000Z');

const verify = async (
  request: WebhookRequest,
  secrets: readonly string[] = [TWILIO_TOKEN],
): Promise<VerifyResult> => await twilioProvider.verify({ request, secrets, now: NOW, options });

/** Parameter names and values as Twilio sends them: any text, names repeating now and then. */
const pairs: fc.Arbitrary<FormPairs> = fc.array(
  fc.tuple(
    fc.constantFrom('Body', 'To', 'From', 'MediaUrl0', 'a', 'Z', 'é', '_'),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
  ),
  { maxLength: 12 },
);

const url = fc
  .tuple(
    fc.constantFrom(
      'https://hooks.example.com',
      'https://hooks.example.com:443',
      'https://hooks.example.com:8443',
      'http://127.0.0.1:3000',
    ),
    fc.constantFrom('/webhooks/twilio', '/prod/webhooks/twilio', '/webhooks/twilio/acme'),
    fc.constantFrom('', '?tenant=acme', "?q=it's", '?a=1&b=x%20y', '?redirect=https%3A%2F%2Fx.io'),
  )
  .map((parts) => parts.join(''));

describe('Twilio verify', () => {
  it('accepts any parameters the official library signed for the URL called', async () => {
    await fc.assert(
      fc.asyncProperty(url, pairs, async (target, form) => {
        const result = await verify(aSignedTwilioRequest({ url: target, pairs: form }));

        expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with the official validateRequest on which URL variants a signature may cover', async () => {
    await fc.assert(
      fc.asyncProperty(
        url,
        url,
        fc.constantFrom<FormPairs>(STATUS_CALLBACK, []),
        async (called, signed, form) => {
          const signature = officialTwilioSignature(signed, form);

          const ours = await verify(
            aTwilioRequest({
              url: called,
              body: formBody(form),
              headers: { 'x-twilio-signature': signature },
            }),
          );

          expect(ours.ok).toBe(officialTwilioAccepts(called, form, signature));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accepts a signature over the URL with the default port when called without it, and the reverse', async () => {
    const results = await Promise.all([
      verify(
        aSignedTwilioRequest({
          url: TWILIO_URL,
          signedUrl: 'https://hooks.example.com:443/webhooks/twilio',
          pairs: STATUS_CALLBACK,
        }),
      ),
      verify(
        aSignedTwilioRequest({
          url: 'https://hooks.example.com:443/webhooks/twilio',
          signedUrl: TWILIO_URL,
          pairs: STATUS_CALLBACK,
        }),
      ),
    ]);

    expect(results).toEqual([
      { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
      { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
    ]);
  });

  it('signs each distinct value of a repeated parameter once, sorted, as the official library does', async () => {
    const form: FormPairs = [
      ['MediaUrl', 'https://b.example/2'],
      ['To', '+1'],
      ['MediaUrl', 'https://a.example/1'],
      ['MediaUrl', 'https://b.example/2'],
    ];

    const result = await verify(aSignedTwilioRequest({ pairs: form }));

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('produces with its own signer what the official validator accepts, and accepts it too', async () => {
    const body = formBody(STATUS_CALLBACK);

    const headers = signTwilioRequest({ url: TWILIO_URL, headers: {}, body }, TWILIO_TOKEN, NOW);
    const official = officialTwilioAccepts(TWILIO_URL, STATUS_CALLBACK, headers['x-twilio-signature'] ?? '');
    const ours = await verify(aTwilioRequest({ body, headers }));

    expect([official, ours]).toEqual([
      true,
      { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
    ]);
  });

  it('rejects a parameter name or value with any single character changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: STATUS_CALLBACK.length - 1 }),
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        async (which, inName, index, delta) => {
          const signed = aSignedTwilioRequest({ pairs: STATUS_CALLBACK });
          const tampered = STATUS_CALLBACK.map(([name, value], at) =>
            at !== which
              ? ([name, value] as const)
              : inName
                ? ([withCharChanged(name, index, delta), value] as const)
                : ([name, withCharChanged(value, index, delta)] as const),
          );

          const result = await verify({ ...signed, body: formBody(tampered) });

          expect(result).toMatchObject({ ok: false, reason: 'signature' });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects an added or a removed parameter', async () => {
    const signed = aSignedTwilioRequest({ pairs: STATUS_CALLBACK });

    const added = await verify({ ...signed, body: formBody([...STATUS_CALLBACK, ['ErrorCode', '30003']]) });
    const removed = await verify({ ...signed, body: formBody(STATUS_CALLBACK.slice(1)) });

    expect([added.ok, removed.ok]).toEqual([false, false]);
  });

  it('rejects a URL with any single character changed unless it normalizes to the same URL, as the official library does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (index, delta) => {
        const target = `${TWILIO_URL}?tenant=acme`;
        const changed = withCharChanged(target, index, delta);
        const signed = aSignedTwilioRequest({ url: target, pairs: STATUS_CALLBACK });
        const parses = URL.canParse(changed);
        const sameUrl = parses && new URL(changed).href === new URL(target).href;
        // The official validator throws on a URL that does not parse; ours rejects it.
        const official =
          parses &&
          officialTwilioAccepts(changed, STATUS_CALLBACK, signed.headers['x-twilio-signature'] ?? '');

        const result = await verify({ ...signed, url: changed });

        expect([result.ok, result.ok]).toEqual([sameUrl, official]);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a signature with any single character changed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (index, delta) => {
        const signed = aSignedTwilioRequest({ pairs: STATUS_CALLBACK });
        const signature = withCharChanged(signed.headers['x-twilio-signature'] ?? '', index, delta);

        const result = await verify({
          ...signed,
          headers: { ...signed.headers, 'x-twilio-signature': signature },
        });

        expect(result).toMatchObject({ ok: false, reason: 'signature' });
      }),
      { numRuns: 200 },
    );
  });

  it('verifies with the second active auth token during a rotation', async () => {
    const result = await verify(aSignedTwilioRequest({ pairs: STATUS_CALLBACK, token: 'old-token' }), [
      'new-token',
      'old-token',
    ]);

    expect(result).toEqual({ ok: true, secretIndex: 1, signature: expect.any(Buffer) as unknown });
  });

  it('rejects as missing a request without X-Twilio-Signature', async () => {
    const result = await verify(aTwilioRequest({ body: formBody(STATUS_CALLBACK) }));

    expect(result).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('never throws and never accepts arbitrary hostile headers, URLs and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('x-twilio-signature', '__proto__'), fc.string()),
        fc.uint8Array({ maxLength: 256 }),
        fc.string(),
        async (headers, bytes, target) => {
          const result = await verify(aTwilioRequest({ headers, body: Buffer.from(bytes), url: target }));

          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
