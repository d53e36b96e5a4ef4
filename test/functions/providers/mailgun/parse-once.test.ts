import { mailgunOptionsSchema, mailgunProvider } from '#shared/providers/mailgun/index';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { aMailgunJsonRequest, mailgunEventData, signatureParts } from '../../../helpers/providers/mailgun';

const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const NOW = new Date('2026-03-01T12:00:00Z');
const options = mailgunOptionsSchema.parse({});
const RECIPIENT = 'reads-once@example.com';
/** As long as RECIPIENT, so that the body can be rewritten in place. */
const OTHER_RECIPIENT = 'reads-anew@example.com';

const aSignedRequest = (): WebhookRequest =>
  aMailgunJsonRequest(signatureParts(KEY, String(Math.floor(NOW.getTime() / 1000))), {
    ...mailgunEventData('delivered'),
    recipient: RECIPIENT,
  });

/** Rewrites the recipient in the body's own bytes: the normalizer's answer then tells which parse it read. */
const rewriteRecipient = (request: WebhookRequest): void => {
  const at = request.body.indexOf(RECIPIENT);
  if (at < 0 || request.body.indexOf(RECIPIENT, at + 1) >= 0)
    throw new Error('the recipient is not once in the body');
  request.body.write(OTHER_RECIPIENT, at);
};

const recipientOf = (items: NormalizedItem[]): unknown => {
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
  return item.draft.data.recipient;
};

const verify = (request: WebhookRequest, secrets = [KEY]) =>
  mailgunProvider.verify({ request, secrets, now: NOW, options });

describe('Mailgun: the body is parsed once', () => {
  it('normalizes the body the verifier parsed, not bytes read a second time', async () => {
    const request = aSignedRequest();

    expect(await verify(request)).toMatchObject({ ok: true });
    rewriteRecipient(request);

    expect(recipientOf(mailgunProvider.normalize(request, options))).toBe(RECIPIENT);
  });

  it('hands its parse on once: normalizing the request again reads the body anew', async () => {
    const request = aSignedRequest();
    await verify(request);
    mailgunProvider.normalize(request, options);
    rewriteRecipient(request);

    expect(recipientOf(mailgunProvider.normalize(request, options))).toBe(OTHER_RECIPIENT);
  });

  it('hands nothing on from a request it refused', async () => {
    const request = aSignedRequest();

    expect(await verify(request, ['key-that-did-not-sign'])).toMatchObject({ ok: false });
    rewriteRecipient(request);

    expect(recipientOf(mailgunProvider.normalize(request, options))).toBe(OTHER_RECIPIENT);
  });

  it('hands its parse to that request only: another one over the same bytes (as replay builds) parses them', async () => {
    const request = aSignedRequest();
    await verify(request);
    rewriteRecipient(request);

    expect(recipientOf(mailgunProvider.normalize({ ...request }, options))).toBe(OTHER_RECIPIENT);
  });
});
