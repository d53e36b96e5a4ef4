import { twilioOptionsSchema, twilioProvider } from '#shared/providers/twilio/index';
import type { WebhookRequest } from '#shared/providers/types';
import {
  STATUS_CALLBACK,
  TWILIO_URL,
  aSignedTwilioRequest,
  officialTwilioSignature,
} from '../../../helpers/providers/twilio';

const options = twilioOptionsSchema.parse({});
const NOW = new Date('2026-03-01T12:00:00.000Z');

const signatureOf = async (request: WebhookRequest): Promise<Buffer> => {
  const result = await twilioProvider.verify({
    request,
    secrets: ['twilio-auth-token-0000'],
    now: NOW,
    options,
  });
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

describe('Twilio provider contract', () => {
  it("returns the digest of the URL variant that matched, the official library's signature", async () => {
    const signedUrl = 'https://hooks.example.com:443/webhooks/twilio';

    const signature = await signatureOf(
      aSignedTwilioRequest({ pairs: STATUS_CALLBACK, url: TWILIO_URL, signedUrl }),
    );

    expect(signature.toString('base64')).toBe(officialTwilioSignature(signedUrl, STATUS_CALLBACK));
  });

  it('gives the same signature bytes for the same parameters in another order, and different ones for other parameters', async () => {
    const [sent, reordered, delivered] = await Promise.all([
      signatureOf(aSignedTwilioRequest({ pairs: STATUS_CALLBACK })),
      signatureOf(aSignedTwilioRequest({ pairs: [...STATUS_CALLBACK].reverse() })),
      signatureOf(
        aSignedTwilioRequest({
          pairs: STATUS_CALLBACK.map(
            ([name, value]) => [name, name.endsWith('Status') ? 'failed' : value] as const,
          ),
        }),
      ),
    ]);

    expect([sent.equals(reordered), sent.equals(delivered)]).toEqual([true, false]);
  });

  it('keys events on signed parameters only, and masks X-Twilio-Signature', () => {
    expect([
      twilioProvider.identityFromUnsignedHeaders(options),
      twilioProvider.signatureHeaders(options),
    ]).toEqual([false, ['x-twilio-signature']]);
  });
});
