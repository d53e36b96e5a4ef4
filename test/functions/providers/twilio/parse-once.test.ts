import { twilioOptionsSchema, twilioProvider } from '#shared/providers/twilio/index';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { STATUS_CALLBACK, TWILIO_TOKEN, aSignedTwilioRequest } from '../../../helpers/providers/twilio';

const options = twilioOptionsSchema.parse({});
const NOW = new Date('2026-03-01T12:00:00.000Z');
const TO = '%2B15558675310';
/** As long as TO, so that the body can be rewritten in place. */
const OTHER_TO = '%2B15558675399';

/** Rewrites the `To` parameter in the body's own bytes: the normalizer's answer then tells which parse it read. */
const rewriteTo = (request: WebhookRequest): void => {
  const at = request.body.indexOf(`To=${TO}`);
  if (at < 0) throw new Error('the To parameter is not in the body');
  request.body.write(`To=${OTHER_TO}`, at);
};

const toOf = (items: NormalizedItem[]): unknown => {
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
  return item.draft.data.to;
};

const verify = (request: WebhookRequest, secrets = [TWILIO_TOKEN]) =>
  twilioProvider.verify({ request, secrets, now: NOW, options });

describe('Twilio: the form is parsed once', () => {
  it('normalizes the parameters the verifier parsed, not bytes read a second time', async () => {
    const request = aSignedTwilioRequest({ pairs: STATUS_CALLBACK });

    expect(await verify(request)).toMatchObject({ ok: true });
    rewriteTo(request);

    expect(toOf(twilioProvider.normalize(request, options))).toBe('+15558675310');
  });

  it('hands its parse on once: normalizing the request again reads the body anew', async () => {
    const request = aSignedTwilioRequest({ pairs: STATUS_CALLBACK });
    await verify(request);
    twilioProvider.normalize(request, options);
    rewriteTo(request);

    expect(toOf(twilioProvider.normalize(request, options))).toBe('+15558675399');
  });

  it('hands nothing on from a request it refused', async () => {
    const request = aSignedTwilioRequest({ pairs: STATUS_CALLBACK });

    expect(await verify(request, ['token-that-did-not-sign'])).toMatchObject({ ok: false });
    rewriteTo(request);

    expect(toOf(twilioProvider.normalize(request, options))).toBe('+15558675399');
  });

  it('hands its parse to that request only: another one over the same bytes (as replay builds) parses them', async () => {
    const request = aSignedTwilioRequest({ pairs: STATUS_CALLBACK });
    await verify(request);
    rewriteTo(request);

    expect(toOf(twilioProvider.normalize({ ...request }, options))).toBe('+15558675399');
  });
});
