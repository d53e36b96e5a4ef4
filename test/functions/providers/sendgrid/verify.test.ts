import fc from 'fast-check';
import { sendgridOptionsSchema } from '#shared/providers/sendgrid/index';
import { signSendgridRequest } from '#shared/providers/sendgrid/sign';
import { verifySendgrid } from '#shared/providers/sendgrid/verify';
import type { WebhookRequest } from '#shared/providers/types';
import {
  aSendgridKeyPair,
  aSendgridRequest,
  aSignedSendgridRequest,
  sendgridPublishedVector,
  specVerify,
  type SendgridKeyPair,
} from '../../../helpers/providers/sendgrid';
import { assertEveryByteChangeRejected } from '../../../helpers/tamper';

const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';
const options = sendgridOptionsSchema.parse({});
const NOW = new Date('2026-03-01T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

const withHeader = (request: WebhookRequest, name: string, value: string): WebhookRequest => ({
  ...request,
  headers: { ...request.headers, [name]: value },
});

const flipByte = (bytes: Buffer, index: number, xor: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ xor;
  return copy;
};

describe('verifySendgrid', () => {
  let keyPair: SendgridKeyPair;
  let otherKeyPair: SendgridKeyPair;

  beforeAll(() => {
    keyPair = aSendgridKeyPair();
    otherKeyPair = aSendgridKeyPair();
  });

  describe("SendGrid's published test vector", () => {
    const vectorRequest = (): WebhookRequest =>
      aSendgridRequest({
        body: Buffer.from(sendgridPublishedVector.payload),
        headers: {
          [SIGNATURE]: sendgridPublishedVector.signature,
          [TIMESTAMP]: sendgridPublishedVector.timestamp,
        },
      });
    const vectorNow = new Date(Number(sendgridPublishedVector.timestamp) * 1000);

    it('accepts the published signature with the published key', () => {
      const result = verifySendgrid({
        request: vectorRequest(),
        secrets: [sendgridPublishedVector.publicKey],
        now: vectorNow,
        options,
      });

      expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
    });

    it('rejects the published signature under the other published key', () => {
      const result = verifySendgrid({
        request: vectorRequest(),
        secrets: [sendgridPublishedVector.otherPublicKey],
        now: vectorNow,
        options,
      });

      expect(result).toMatchObject({ ok: false, reason: 'signature' });
    });

    it('rejects the published signature over another payload', () => {
      const request = { ...vectorRequest(), body: Buffer.from('payload') };

      const result = verifySendgrid({
        request,
        secrets: [sendgridPublishedVector.publicKey],
        now: vectorNow,
        options,
      });

      expect(result).toMatchObject({ ok: false, reason: 'signature' });
    });
  });

  it('accepts any payload signed as SendGrid documents, within the tolerance', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.integer({ min: -300, max: 300 }), (bytes, skew) => {
        const request = aSignedSendgridRequest({
          keyPair,
          body: Buffer.from(bytes),
          timestamp: String(nowSeconds + skew),
        });

        const result = verifySendgrid({ request, secrets: [keyPair.publicKeyBase64], now: NOW, options });

        expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
      }),
      { numRuns: 150 },
    );
  });

  it('accepts a verification key given as a PEM', () => {
    const request = aSignedSendgridRequest({
      keyPair,
      body: Buffer.from('[]'),
      timestamp: String(nowSeconds),
    });

    const result = verifySendgrid({ request, secrets: [keyPair.publicKeyPem], now: NOW, options });

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
  });

  it('rejects a body with any single byte changed', () =>
    assertEveryByteChangeRejected(
      (body) => aSignedSendgridRequest({ keyPair, body, timestamp: String(nowSeconds) }),
      (signed, body) =>
        verifySendgrid({
          request: { ...signed, body },
          secrets: [keyPair.publicKeyBase64],
          now: NOW,
          options,
        }),
    ));

  it('rejects a signature with any single byte changed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (position, xor) => {
        const signed = aSignedSendgridRequest({
          keyPair,
          body: Buffer.from('[{"event":"open"}]'),
          timestamp: String(nowSeconds),
        });
        const signature = Buffer.from(signed.headers[SIGNATURE] ?? '', 'base64');
        const tampered = flipByte(signature, position % signature.length, xor).toString('base64');

        const result = verifySendgrid({
          request: withHeader(signed, SIGNATURE, tampered),
          secrets: [keyPair.publicKeyBase64],
          now: NOW,
          options,
        });

        expect(result).toMatchObject({ ok: false, reason: 'signature' });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a signature moved to another timestamp inside the tolerance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -300, max: 300 }).filter((skew) => skew !== 0),
        (skew) => {
          const signed = aSignedSendgridRequest({
            keyPair,
            body: Buffer.from('[]'),
            timestamp: String(nowSeconds),
          });

          const result = verifySendgrid({
            request: withHeader(signed, TIMESTAMP, String(nowSeconds + skew)),
            secrets: [keyPair.publicKeyBase64],
            now: NOW,
            options,
          });

          expect(result).toMatchObject({ ok: false, reason: 'signature' });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('accepts timestamps exactly at the tolerance and refuses them one second beyond, both directions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), fc.constantFrom(-1, 1), (tolerance, direction) => {
        const custom = sendgridOptionsSchema.parse({ toleranceSeconds: tolerance });
        const at = aSignedSendgridRequest({
          keyPair,
          body: Buffer.from('[]'),
          timestamp: String(nowSeconds + direction * tolerance),
        });
        const beyond = aSignedSendgridRequest({
          keyPair,
          body: Buffer.from('[]'),
          timestamp: String(nowSeconds + direction * (tolerance + 1)),
        });

        const inside = verifySendgrid({
          request: at,
          secrets: [keyPair.publicKeyBase64],
          now: NOW,
          options: custom,
        });
        const outside = verifySendgrid({
          request: beyond,
          secrets: [keyPair.publicKeyBase64],
          now: NOW,
          options: custom,
        });

        expect(inside).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
        expect(outside).toMatchObject({ ok: false, reason: 'stale' });
      }),
      { numRuns: 100 },
    );
  });

  it('verifies with the second active key and reports its index', () => {
    const request = aSignedSendgridRequest({
      keyPair,
      body: Buffer.from('[]'),
      timestamp: String(nowSeconds),
    });

    const result = verifySendgrid({
      request,
      secrets: [otherKeyPair.publicKeyBase64, keyPair.publicKeyBase64],
      now: NOW,
      options,
    });

    expect(result).toEqual({ ok: true, secretIndex: 1, signature: expect.any(Buffer) as unknown });
  });

  it('skips an unusable key and still verifies with the next one', () => {
    const request = aSignedSendgridRequest({
      keyPair,
      body: Buffer.from('[]'),
      timestamp: String(nowSeconds),
    });

    const result = verifySendgrid({
      request,
      secrets: ['not a key', keyPair.publicKeyBase64],
      now: NOW,
      options,
    });

    expect(result).toEqual({ ok: true, secretIndex: 1, signature: expect.any(Buffer) as unknown });
  });

  it('rejects a request no active key signed', () => {
    const request = aSignedSendgridRequest({
      keyPair,
      body: Buffer.from('[]'),
      timestamp: String(nowSeconds),
    });

    const result = verifySendgrid({ request, secrets: [otherKeyPair.publicKeyBase64], now: NOW, options });

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it.each([SIGNATURE, TIMESTAMP])('answers missing when the %s header is absent', (header) => {
    const signed = aSignedSendgridRequest({
      keyPair,
      body: Buffer.from('[]'),
      timestamp: String(nowSeconds),
    });
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== header));

    const result = verifySendgrid({
      request: { ...signed, headers },
      secrets: [keyPair.publicKeyBase64],
      now: NOW,
      options,
    });

    expect(result).toMatchObject({ ok: false, reason: 'missing' });
  });

  it.each([
    ['a timestamp that is not unix seconds', TIMESTAMP, '2026-03-01T12:00:00Z'],
    ['a signature that is not base64', SIGNATURE, 'not*base64!'],
  ])('rejects %s as a bad signature', (_label, header, value) => {
    const signed = aSignedSendgridRequest({
      keyPair,
      body: Buffer.from('[]'),
      timestamp: String(nowSeconds),
    });

    const result = verifySendgrid({
      request: withHeader(signed, header, value),
      secrets: [keyPair.publicKeyBase64],
      now: NOW,
      options,
    });

    expect(result).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('never throws and never accepts hostile headers, bodies or keys', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.uint8Array({ maxLength: 128 }),
        fc.array(fc.string(), { maxLength: 3 }),
        (signature, timestamp, body, secrets) => {
          const request = aSendgridRequest({
            body: Buffer.from(body),
            headers: { [SIGNATURE]: signature, [TIMESTAMP]: timestamp },
          });

          const result = verifySendgrid({ request, secrets, now: NOW, options });

          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('signs with sign.ts what both our verifier and the documented verification accept', () => {
    const body = Buffer.from('[{"event":"delivered"}]');

    const headers = signSendgridRequest(
      { url: 'https://hooks.example.test/webhooks/sendgrid', headers: {}, body },
      keyPair.privateKeyPem,
      NOW,
    );
    const ours = verifySendgrid({
      request: aSendgridRequest({ body, headers }),
      secrets: [keyPair.publicKeyBase64],
      now: NOW,
      options,
    });
    const documented = specVerify(
      keyPair.publicKeyBase64,
      headers[TIMESTAMP] ?? '',
      body,
      headers[SIGNATURE] ?? '',
    );

    expect(ours).toEqual({ ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown });
    expect(documented).toBe(true);
  });
});
