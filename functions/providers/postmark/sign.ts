/**
 * Makes a request Postmark-authentic for developer tooling. Postmark signs nothing: it sends
 * the HTTP Basic credentials configured on the webhook, so `secret` is `username:password`
 * and the only header to add is `authorization`. The body and the clock play no part.
 */
export const signPostmarkRequest = (
  _req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  _now: Date,
): Record<string, string> => ({ authorization: `Basic ${Buffer.from(secret, 'utf8').toString('base64')}` });
