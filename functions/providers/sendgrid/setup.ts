import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { ProviderSetup } from '#shared/providers/setup';

/** Base64 of the DER SubjectPublicKeyInfo: how SendGrid shows the key, and how it is stored. */
const spkiBase64 = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('base64');

const isP256 = (key: KeyObject) =>
  key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';

/** A P-256 public key given as a PEM or as base64 DER, stored as base64 DER either way. */
const parseVerificationKey = (value: string): string | undefined => {
  try {
    const key = value.includes('-----BEGIN')
      ? createPublicKey(value)
      : createPublicKey({
          key: Buffer.from(value.replace(/\s+/g, ''), 'base64'),
          format: 'der',
          type: 'spki',
        });
    return isP256(key) ? spkiBase64(key) : undefined;
  } catch {
    return undefined;
  }
};

/** The public half of a development secret's PKCS#8 private key (base64 DER), as stored. */
const publicKeyOf = (privateKey: string): string | undefined => {
  try {
    return spkiBase64(
      createPublicKey(
        createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' }),
      ),
    );
  } catch {
    return undefined;
  }
};

/**
 * SendGrid signs with a private key it keeps; the secret here is the public verification key it
 * shows once signing is enabled. Only a development secret (npm start) also holds a private key,
 * for `relayflow send`.
 */
export const sendgridSetup: ProviderSetup = {
  dashboard:
    'Settings → Mail Settings → Event Webhook (Webhook Settings): create or edit a webhook with this URL as the Post URL, and enable Signed Event Webhook (Signature Verification)',
  events: ['delivered', 'bounce', 'open', 'click', 'spamreport', 'unsubscribe', 'group_unsubscribe'],
  otherEvents:
    'other events (processed, deferred, dropped, group_resubscribe…) are stored as sendgrid.<event>, as is a blocked bounce',
  contentType: 'application/json (SendGrid always posts a JSON array of events)',
  secretSource: "the Verification Key shown once the webhook's signature verification is enabled",
  secret: {
    expected:
      'a SendGrid verification key: an ECDSA P-256 public key, as the base64 SendGrid shows or as a PEM (-----BEGIN PUBLIC KEY-----)',
    parse: parseVerificationKey,
    publicKeyOf,
  },
  verification:
    'X-Twilio-Email-Event-Webhook-Signature is a base64 ECDSA P-256 signature over X-Twilio-Email-Event-Webhook-Timestamp + the body, checked with the verification key; the timestamp must be within the tolerance (300 s by default).',
  request: {
    bodies: { 'application/json': 'array' },
    headers: [
      {
        name: 'X-Twilio-Email-Event-Webhook-Signature',
        description: 'base64 DER ECDSA signature of timestamp + body',
        required: true,
      },
      { name: 'X-Twilio-Email-Event-Webhook-Timestamp', description: 'unix seconds', required: true },
    ],
  },
};
