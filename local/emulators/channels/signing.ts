import { signMailgunRequest } from '../../../functions/providers/mailgun/sign';
import { signPostmarkRequest } from '../../../functions/providers/postmark/sign';
import { signSendgridRequest } from '../../../functions/providers/sendgrid/sign';
import { signTwilioRequest } from '../../../functions/providers/twilio/sign';
import type { WebhookProvider } from './types';

export interface SignedReceipt {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * Signs a receipt webhook as its provider does, with the same tooling signers the CLI's `send`
 * uses, so that the inbound verifiers check exactly what production receives:
 * - Postmark: the webhook's HTTP Basic credentials (`secret` is `username:password`);
 * - SendGrid: ECDSA P-256 over timestamp and body (`secret` is the PRIVATE key);
 * - Mailgun: an HMAC of timestamp and token, inside a new body;
 * - Twilio: an HMAC-SHA1 of `signedUrl` and the form parameters.
 */
export const signReceipt = (
  provider: WebhookProvider,
  receipt: { readonly contentType: string; readonly body: Buffer; readonly signedUrl: string },
  secret: string,
  now: Date,
): SignedReceipt => {
  const headers = { 'content-type': receipt.contentType };
  const request = { url: receipt.signedUrl, headers, body: receipt.body };
  switch (provider) {
    case 'postmark':
      return { headers: { ...headers, ...signPostmarkRequest(request, secret, now) }, body: receipt.body };
    case 'sendgrid':
      return { headers: { ...headers, ...signSendgridRequest(request, secret, now) }, body: receipt.body };
    case 'mailgun': {
      const signed = signMailgunRequest(request, secret, now);
      return { headers: { ...headers, ...signed.headers }, body: signed.body };
    }
    case 'twilio':
      return {
        headers: { ...headers, 'user-agent': 'TwilioProxy/1.1', ...signTwilioRequest(request, secret, now) },
        body: receipt.body,
      };
  }
};
