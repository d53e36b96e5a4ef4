import { hubspotDigester, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './verify';

/**
 * Signs a request as HubSpot does (v3): the headers to add are the signature and the
 * millisecond timestamp. `req.url` is the public URL the request is sent to.
 */
export const signHubspotRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  now: Date,
): Record<string, string> => {
  const timestamp = String(now.getTime());
  const digest = hubspotDigester({ method: 'POST', url: req.url, body: req.body }, timestamp)(secret);
  return { [SIGNATURE_HEADER]: digest.toString('base64'), [TIMESTAMP_HEADER]: timestamp };
};
