import type { Fate, RecipientKind } from './types';

/**
 * Recipient conventions (local/README.md, "Channel fakes"): the recipient alone decides what
 * happens, so that a test or a demo gets the same outcome on every run.
 *
 * Email, by the local part before any `+tag` (`bounce+17@example.com` bounces):
 * `invalid` or no `@` → refused at send; `ratelimit` → 429 on its first send; `down` → 500;
 * `bounce` → accepted, then bounced; `open` → delivered, then opened; anything else → delivered.
 *
 * Phone (SMS, and WhatsApp after `whatsapp:`), by the last four digits: not E.164 or `0001` →
 * invalid number at send; `0000` → sent, then undelivered; `0429` → 429 on its first send;
 * `0500` → 500; `0002` → delivered, then read (WhatsApp); anything else → sent, then delivered.
 *
 * Push token, by its prefix: `unregistered` or `invalid` → refused at send; `ratelimit` → 429 on
 * its first send; `down` → 500; anything else → accepted (FCM sends no receipts).
 */
export type Verdict = Fate | { readonly kind: 'throttled-once' };

const E164 = /^\+[1-9]\d{1,14}$/;

const emailVerdict = (address: string): Verdict => {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return { kind: 'invalid' };
  const local = (address.slice(0, at).split('+')[0] ?? '').toLowerCase();
  switch (local) {
    case 'invalid':
      return { kind: 'invalid' };
    case 'ratelimit':
      return { kind: 'throttled-once' };
    case 'down':
      return { kind: 'down' };
    case 'bounce':
      return { kind: 'accepted', ending: 'bounced' };
    case 'open':
      return { kind: 'accepted', ending: 'opened' };
    default:
      return { kind: 'accepted', ending: 'delivered' };
  }
};

/** Strips Twilio's channel prefix (`whatsapp:+1…`). */
export const phoneNumberOf = (address: string): string => address.replace(/^whatsapp:/i, '');

const phoneVerdict = (address: string): Verdict => {
  const number = phoneNumberOf(address);
  if (!E164.test(number) || number.endsWith('0001')) return { kind: 'invalid' };
  if (number.endsWith('0000')) return { kind: 'accepted', ending: 'failed' };
  if (number.endsWith('0429')) return { kind: 'throttled-once' };
  if (number.endsWith('0500')) return { kind: 'down' };
  if (number.endsWith('0002')) return { kind: 'accepted', ending: 'opened' };
  return { kind: 'accepted', ending: 'delivered' };
};

const pushVerdict = (token: string): Verdict => {
  const lower = token.toLowerCase();
  if (lower === '' || lower.startsWith('unregistered') || lower.startsWith('invalid'))
    return { kind: 'invalid' };
  if (lower.startsWith('ratelimit')) return { kind: 'throttled-once' };
  if (lower.startsWith('down')) return { kind: 'down' };
  return { kind: 'accepted', ending: 'delivered' };
};

export const verdictOf = (kind: RecipientKind, to: string): Verdict =>
  kind === 'email' ? emailVerdict(to) : kind === 'phone' ? phoneVerdict(to) : pushVerdict(to);
