import { formParams } from './params';
import { SIGNATURE_HEADER, twilioSignature, twilioSignedContent } from './verify';

/**
 * Signs a form-encoded request as Twilio does: the only header to add is the signature over
 * `req.url` (exactly as given) and the body's parameters. Twilio signs no time, so `now` is unused.
 */
export const signTwilioRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  _now: Date,
): Record<string, string> => ({
  [SIGNATURE_HEADER]: twilioSignature(secret, twilioSignedContent(req.url, formParams(req.body))),
});
