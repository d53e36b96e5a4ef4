import { createHmac } from 'node:crypto';
import { hubspotOptionsSchema, hubspotProvider } from '#shared/providers/hubspot/index';
import type { WebhookRequest } from '#shared/providers/types';
import { HUBSPOT_SECRET, HUBSPOT_URL, aSignedHubspotRequest } from '../../../helpers/providers/hubspot';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const options = hubspotOptionsSchema.parse({});
const BODY =
  '[{"eventId":1,"subscriptionType":"contact.creation","objectId":123,"occurredAt":1772366400000}]';

const signatureOf = async (request: WebhookRequest): Promise<Buffer> => {
  const result = await hubspotProvider.verify({ request, secrets: [HUBSPOT_SECRET], now: NOW, options });
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

describe('HubSpot provider contract', () => {
  it('returns the digest of method, URI, body and timestamp as the signature bytes', async () => {
    const signature = await signatureOf(aSignedHubspotRequest({ body: BODY, timestamp: NOW.getTime() }));

    expect(
      signature.equals(
        createHmac('sha256', HUBSPOT_SECRET).update(`POST${HUBSPOT_URL}${BODY}${NOW.getTime()}`).digest(),
      ),
    ).toBe(true);
  });

  it('gives different signature bytes for different bodies', async () => {
    const other = BODY.replace('"eventId":1', '"eventId":2');

    const [a, b] = await Promise.all([
      signatureOf(aSignedHubspotRequest({ body: BODY, timestamp: NOW.getTime() })),
      signatureOf(aSignedHubspotRequest({ body: other, timestamp: NOW.getTime() })),
    ]);

    expect(a.equals(b)).toBe(false);
  });

  it('reads identity from the signed body and masks both the v3 and the older signature header', () => {
    expect([
      hubspotProvider.identityFromUnsignedHeaders(options),
      hubspotProvider.signatureHeaders(options),
    ]).toEqual([false, ['x-hubspot-signature-v3', 'x-hubspot-signature']]);
  });
});
