import fc from 'fast-check';
import { hubspotOptionsSchema, hubspotProvider } from '#shared/providers/hubspot/index';
import { signHubspotRequest } from '#shared/providers/hubspot/sign';
import type { VerifyResult, WebhookRequest } from '#shared/providers/types';
import {
  HUBSPOT_SECRET,
  HUBSPOT_URL,
  aHubspotRequest,
  aSignedHubspotRequest,
  officialHubspotIsValid,
  officialHubspotSignature,
} from '../../../helpers/providers/hubspot';
import { assertEveryByteChangeRejected, withCharChanged } from '../../../helpers/tamper';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const T = NOW.getTime();
const options = hubspotOptionsSchema.parse({});
const BODY =
  '[{"eventId":1,"subscriptionType":"contact.creation","objectId":123,"occurredAt":1772366400000}]';

const verify = async (
  request: WebhookRequest,
  secrets: readonly string[] = [HUBSPOT_SECRET],
  now = NOW,
): Promise<VerifyResult> => await hubspotProvider.verify({ request, secrets, now, options });

/** Paths and queries without characters HubSpot would decode, so the official signer signs them as they are. */
const plainUrl = fc
  .tuple(
    fc.constantFrom('https://hooks.example.com', 'https://abc123.execute-api.eu-west-1.amazonaws.com'),
    fc.stringMatching(/^(\/[a-z0-9_-]{1,12}){1,4}$/),
    fc.stringMatching(/^(\?[a-z]{1,5}=[a-z0-9%.]{0,8}(&[a-z]{1,5}=[a-z0-9.]{0,8})?)?$/),
  )
  .map(([base, path, query]) => `${base}${path}${query}`)
  .filter((url) => !/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/.test(url));

describe('HubSpot verify', () => {
  it('accepts any request the official client signed for the URL called', async () => {
    await fc.assert(
      fc.asyncProperty(
        plainUrl,
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: -300_000, max: 300_000 }),
        async (url, body, skew) => {
          const result = await verify(aSignedHubspotRequest({ url, body, timestamp: T + skew }));

          expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('produces with its own signer what the official validator accepts, and accepts it too', async () => {
    const now = new Date();
    const request = aHubspotRequest({ body: Buffer.from(BODY) });

    const headers = signHubspotRequest(
      { url: request.url, headers: {}, body: request.body },
      HUBSPOT_SECRET,
      now,
    );
    const official = officialHubspotIsValid({
      url: HUBSPOT_URL,
      body: BODY,
      timestamp: now.getTime(),
      signature: headers['x-hubspot-signature-v3'] ?? '',
    });
    const ours = await verify(
      { ...request, headers: { ...request.headers, ...headers } },
      [HUBSPOT_SECRET],
      now,
    );

    expect([official, ours]).toEqual([
      true,
      { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
    ]);
  });

  describe('signs the public URL as HubSpot called it', () => {
    it('tells a default port from an explicit :443, as the official client does', async () => {
      const withPort = 'https://hooks.example.com:443/webhooks/hubspot';
      const sameUrl = [
        await verify(aSignedHubspotRequest({ url: HUBSPOT_URL, body: BODY, timestamp: T })),
        await verify(aSignedHubspotRequest({ url: withPort, body: BODY, timestamp: T })),
      ];

      const crossed = await verify(
        aSignedHubspotRequest({ url: HUBSPOT_URL, signedUrl: withPort, body: BODY, timestamp: T }),
      );

      expect(officialHubspotSignature({ url: withPort, body: BODY, timestamp: T })).not.toBe(
        officialHubspotSignature({ url: HUBSPOT_URL, body: BODY, timestamp: T }),
      );
      expect([...sameUrl.map((result) => result.ok), crossed]).toEqual([
        true,
        true,
        expect.objectContaining({ reason: 'signature' }),
      ]);
    });

    it('decodes the characters HubSpot decodes in an encoded query string, and only those', async () => {
      const url = `${HUBSPOT_URL}?return=https%3A%2F%2Fapp.example.com%2Fdone%3Fa%3D1&who=%40team%21%24%27%28%29%2A%2C%3B&name=a%20b%2B`;
      const asHubspotSigns = `${HUBSPOT_URL}?return=https://app.example.com/done?a%3D1&who=@team!$'()*,;&name=a%20b%2B`;

      const decoded = await verify(
        aSignedHubspotRequest({ url, signedUrl: asHubspotSigns, body: BODY, timestamp: T }),
      );
      const verbatim = await verify(aSignedHubspotRequest({ url, body: BODY, timestamp: T }));

      expect([decoded, verbatim]).toEqual([
        { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
        expect.objectContaining({ reason: 'signature' }),
      ]);
    });

    it('includes an API Gateway stage in the path', async () => {
      const staged = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/webhooks/hubspot';

      const result = await verify(aSignedHubspotRequest({ url: staged, body: BODY, timestamp: T }));
      const withoutStage = await verify(
        aSignedHubspotRequest({
          url: staged,
          signedUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/hubspot',
          body: BODY,
          timestamp: T,
        }),
      );

      expect([result, withoutStage]).toEqual([
        { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
        expect.objectContaining({ reason: 'signature' }),
      ]);
    });

    it('uses the custom domain HubSpot was given, not the API Gateway host', async () => {
      const custom = 'https://events.acme.io/webhooks/hubspot';

      const result = await verify(aSignedHubspotRequest({ url: custom, body: BODY, timestamp: T }));
      const apiHost = await verify(
        aSignedHubspotRequest({
          url: custom,
          signedUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/hubspot',
          body: BODY,
          timestamp: T,
        }),
      );

      expect([result, apiHost]).toEqual([
        { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
        expect.objectContaining({ reason: 'signature' }),
      ]);
    });
  });

  it('signs a body that is not valid UTF-8 over the bytes received', async () => {
    const body = Buffer.from([0x5b, 0xff, 0x5d]);
    const signed = signHubspotRequest({ url: HUBSPOT_URL, headers: {}, body }, HUBSPOT_SECRET, NOW);

    const result = await verify(aHubspotRequest({ body, headers: signed }));

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('rejects a body with any single byte changed', () =>
    assertEveryByteChangeRejected(
      (body) => aSignedHubspotRequest({ body: body.toString('utf8'), timestamp: T }),
      (signed, body) => verify({ ...signed, body }),
      { bodies: fc.constant(Buffer.from(BODY)) },
    ));

  it('rejects a URL with any single character changed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (index, delta) => {
        const url = `${HUBSPOT_URL}?portal=33`;
        const changed = withCharChanged(url, index, delta);
        fc.pre(changed !== url);

        const result = await verify({
          ...aSignedHubspotRequest({ url, body: BODY, timestamp: T }),
          url: changed,
        });

        expect(result).toMatchObject({ ok: false, reason: 'signature' });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a signature with any single character changed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (index, delta) => {
        const signed = aSignedHubspotRequest({ body: BODY, timestamp: T });
        const signature = withCharChanged(signed.headers['x-hubspot-signature-v3'] ?? '', index, delta);

        const result = await verify({
          ...signed,
          headers: { ...signed.headers, 'x-hubspot-signature-v3': signature },
        });

        expect(result).toMatchObject({ ok: false, reason: 'signature' });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a timestamp changed after signing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -300_000, max: 300_000 }).filter((skew) => skew !== 0),
        async (skew) => {
          const signed = aSignedHubspotRequest({ body: BODY, timestamp: T });

          const result = await verify({
            ...signed,
            headers: { ...signed.headers, 'x-hubspot-request-timestamp': String(T + skew) },
          });

          expect(result).toMatchObject({ ok: false, reason: 'signature' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects as stale a signed timestamp just beyond five minutes in either direction', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 300_001, max: 3_600_000 }),
        fc.boolean(),
        async (distance, future) => {
          const result = await verify(
            aSignedHubspotRequest({ body: BODY, timestamp: future ? T + distance : T - distance }),
          );

          expect(result).toMatchObject({ ok: false, reason: 'stale' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('accepts timestamps exactly at the tolerance in both directions', async () => {
    const results = await Promise.all(
      [T - 300_000, T + 300_000].map(async (timestamp) =>
        verify(aSignedHubspotRequest({ body: BODY, timestamp })),
      ),
    );

    expect(results).toEqual([
      { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
      { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
    ]);
  });

  it('verifies with the second active secret during a rotation', async () => {
    const result = await verify(aSignedHubspotRequest({ body: BODY, timestamp: T, secret: 'old-secret' }), [
      'new-secret',
      'old-secret',
    ]);

    expect(result).toEqual({ ok: true, secretIndex: 1, signature: expect.any(Buffer) as unknown });
  });

  it.each(['x-hubspot-signature-v3', 'x-hubspot-request-timestamp'])(
    'rejects as missing a request without %s',
    async (name) => {
      const signed = aSignedHubspotRequest({ body: BODY, timestamp: T });
      const headers = Object.fromEntries(Object.entries(signed.headers).filter(([key]) => key !== name));

      const result = await verify({ ...signed, headers });

      expect(result).toMatchObject({ ok: false, reason: 'missing' });
    },
  );

  it('rejects a signed timestamp that is not a whole number of milliseconds', async () => {
    const timestamp = '1.7e12';
    const signature = officialHubspotSignature({
      url: HUBSPOT_URL,
      body: BODY,
      timestamp: timestamp as unknown as number,
    });
    const request = aHubspotRequest({
      body: Buffer.from(BODY),
      headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
    });

    const result = await verify(request);

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('never throws and never accepts arbitrary hostile headers and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('x-hubspot-signature-v3', 'x-hubspot-request-timestamp', '__proto__'),
          fc.string(),
        ),
        fc.uint8Array({ maxLength: 256 }),
        fc.string(),
        async (headers, bytes, url) => {
          const result = await verify(
            aHubspotRequest({
              headers,
              body: Buffer.from(bytes),
              url: `${HUBSPOT_URL}${url.replace(/[#\s]/g, '')}`,
            }),
          );

          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
