import { EventWebhook } from '@sendgrid/eventwebhook';
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
  type SendgridKeyPair,
} from '../../../helpers/providers/sendgrid';

const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';
const options = sendgridOptionsSchema.parse({});
const NOW = new Date('2026-03-01T12:00:00Z');
const nowSeconds = String(Math.floor(NOW.getTime() / 1000));
// The official verifier is pure-JS ECDSA (several ms per call): modest runs keep the suite fast.
const RUNS = { numRuns: 60 };

const official = new EventWebhook();

/** The official verifier, fed the way its README shows: dashboard key, raw body, both headers. */
const officialAccepts = (publicKeyBase64: string, request: WebhookRequest): boolean =>
  official.verifySignature(
    official.convertPublicKeyToECDSA(publicKeyBase64),
    request.body,
    request.headers[SIGNATURE] ?? '',
    request.headers[TIMESTAMP] ?? '',
  );

const oursAccepts = (publicKeyBase64: string, request: WebhookRequest, now = NOW): boolean =>
  verifySendgrid({ request, secrets: [publicKeyBase64], now, options }).ok;

/**
 * Event batches as SendGrid sends them. ASCII text only: the official verifier decodes the body
 * as UTF-8 before hashing, so only bytes that survive that round trip are comparable.
 */
const batchBody = fc
  .array(
    fc.record({
      email: fc.emailAddress(),
      event: fc.constantFrom('processed', 'delivered', 'bounce', 'open', 'click'),
      sg_event_id: fc.string({ minLength: 1, maxLength: 40 }),
      timestamp: fc.integer({ min: 1_500_000_000, max: 1_900_000_000 }),
      note: fc.string({ maxLength: 200 }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .chain((events) => fc.constantFrom(JSON.stringify(events), `${JSON.stringify(events)}\r\n`))
  .map((text) => Buffer.from(text, 'utf8'));

const withBody = (request: WebhookRequest, body: Buffer): WebhookRequest => ({ ...request, body });
const withHeader = (request: WebhookRequest, name: string, value: string): WebhookRequest => ({
  ...request,
  headers: { ...request.headers, [name]: value },
});

describe('verifySendgrid against the official @sendgrid/eventwebhook verifier', () => {
  let keyPair: SendgridKeyPair;

  beforeAll(() => {
    keyPair = aSendgridKeyPair();
  });

  it('agrees with the official verifier on the test vector SendGrid published', () => {
    const request = aSendgridRequest({
      body: Buffer.from(sendgridPublishedVector.payload),
      headers: {
        [SIGNATURE]: sendgridPublishedVector.signature,
        [TIMESTAMP]: sendgridPublishedVector.timestamp,
      },
    });
    const then = new Date(Number(sendgridPublishedVector.timestamp) * 1000);

    const verdicts = [sendgridPublishedVector.publicKey, sendgridPublishedVector.otherPublicKey].map(
      (key) => [oursAccepts(key, request, then), officialAccepts(key, request)],
    );

    expect(verdicts).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it('accepts, like the official verifier, any batch signed as SendGrid documents it', () => {
    fc.assert(
      fc.property(batchBody, (body) => {
        const request = aSignedSendgridRequest({ keyPair, body, timestamp: nowSeconds });

        expect([
          oursAccepts(keyPair.publicKeyBase64, request),
          officialAccepts(keyPair.publicKeyBase64, request),
        ]).toEqual([true, true]);
      }),
      RUNS,
    );
  });

  it('produces with sign.ts signatures that the official verifier accepts', () => {
    fc.assert(
      fc.property(batchBody, (body) => {
        const headers = signSendgridRequest(
          { url: 'https://hooks.example.test/webhooks/sendgrid', headers: {}, body },
          keyPair.privateKeyPem,
          NOW,
        );

        expect(officialAccepts(keyPair.publicKeyBase64, aSendgridRequest({ body, headers }))).toBe(true);
      }),
      RUNS,
    );
  });

  it('rejects, like the official verifier, a body with any single byte changed', () => {
    fc.assert(
      fc.property(batchBody, fc.nat(), fc.integer({ min: 1, max: 0x7f }), (body, at, xor) => {
        const request = aSignedSendgridRequest({ keyPair, body, timestamp: nowSeconds });
        const changed = Buffer.from(body);
        const index = at % changed.length;
        // XOR within 7 bits keeps the byte ASCII, so both verifiers hash the same changed bytes.
        changed[index] = (changed[index] ?? 0) ^ xor;
        const tampered = withBody(request, changed);

        expect([
          oursAccepts(keyPair.publicKeyBase64, tampered),
          officialAccepts(keyPair.publicKeyBase64, tampered),
        ]).toEqual([false, false]);
      }),
      RUNS,
    );
  });

  it('rejects, like the official verifier, a timestamp with one digit changed', () => {
    fc.assert(
      // Only the last two digits, so the changed timestamp stays within the tolerance and a
      // rejection is the signature's.
      fc.property(batchBody, fc.constantFrom(1, 2), (body, fromEnd) => {
        const request = aSignedSendgridRequest({ keyPair, body, timestamp: nowSeconds });
        const index = nowSeconds.length - fromEnd;
        const digit = (Number(nowSeconds[index]) + 1) % 10;
        const tampered = withHeader(
          request,
          TIMESTAMP,
          `${nowSeconds.slice(0, index)}${digit}${nowSeconds.slice(index + 1)}`,
        );

        expect([
          oursAccepts(keyPair.publicKeyBase64, tampered),
          officialAccepts(keyPair.publicKeyBase64, tampered),
        ]).toEqual([false, false]);
      }),
      RUNS,
    );
  });
});
