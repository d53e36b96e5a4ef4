import { mailgunOptionsSchema, mailgunProvider } from '#shared/providers/mailgun/index';
import type { WebhookRequest } from '#shared/providers/types';
import { aMailgunJsonRequest, mailgunEventData, signatureParts } from '../../../helpers/providers/mailgun';

const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const NOW = new Date('2026-03-01T12:00:00Z');
const timestamp = String(Math.floor(NOW.getTime() / 1000));
const options = mailgunOptionsSchema.parse({});
const delivered = mailgunEventData('delivered');

const signatureOf = async (request: WebhookRequest): Promise<Buffer> => {
  const result = await mailgunProvider.verify({ request, secrets: [KEY], now: NOW, options });
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

describe('Mailgun provider contract', () => {
  it('returns the matched HMAC digest, the same for upper- and lower-case hex', async () => {
    const parts = signatureParts(KEY, timestamp);

    const [lower, upper] = await Promise.all([
      signatureOf(aMailgunJsonRequest(parts, delivered)),
      signatureOf(aMailgunJsonRequest({ ...parts, signature: parts.signature.toUpperCase() }, delivered)),
    ]);

    expect([lower.toString('hex'), upper.toString('hex')]).toEqual([parts.signature, parts.signature]);
  });

  it('gives different signature bytes for different tokens', async () => {
    const [a, b] = await Promise.all([
      signatureOf(aMailgunJsonRequest(signatureParts(KEY, timestamp), delivered)),
      signatureOf(aMailgunJsonRequest(signatureParts(KEY, timestamp), delivered)),
    ]);

    expect(a.equals(b)).toBe(false);
  });

  it('reads identity from the body and has no signature header: the signature travels in the body', () => {
    expect([
      mailgunProvider.identityFromUnsignedHeaders(options),
      mailgunProvider.signatureHeaders(options),
    ]).toEqual([false, []]);
  });
});
