import { formParams } from './params';
import { SIGNATURE_HEADER, twilioDigest, twilioSignedParams } from './verify';

/**
 * Signs a form-encoded request as Twilio does: the only header to add is the signature over
 * `req.url` (exactly as given) and the body's parameters. Twilio signs no time, so `now` is unused.
 */
export const signTwilioRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  _now: Date,
): Record<string, string> => {
  const digest = twilioDigest(secret, req.url, twilioSignedParams(formParams(req.body)));
  return { [SIGNATURE_HEADER]: digest.toString('base64') };
};
