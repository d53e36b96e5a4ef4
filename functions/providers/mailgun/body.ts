import { bodyHandoff, utf8Text } from '#shared/providers/parsed-body';
import { formFields } from './form';

/**
 * A Mailgun request body as both the verifier and the normalizer read it: JSON (current
 * webhooks) or a form (legacy webhooks), chosen by content type. JSON is the default because
 * that is what Mailgun sends unless a legacy webhook is configured.
 */
export type MailgunBody =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly fields: ReadonlyMap<string, string> }
  | { readonly kind: 'unparsable' };

export const readMailgunBody = (headers: Readonly<Record<string, string>>, body: Buffer): MailgunBody => {
  const fields = formFields(headers['content-type'] ?? '', body);
  if (fields !== undefined) return { kind: 'form', fields };
  try {
    return { kind: 'json', value: JSON.parse(utf8Text(body)) as unknown };
  } catch {
    return { kind: 'unparsable' };
  }
};

/** The body the verifier parsed to find the signature, for the normalizer to read without parsing again. */
export const mailgunBodies = bodyHandoff<MailgunBody>();
