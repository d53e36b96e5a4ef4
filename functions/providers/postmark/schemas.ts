import { isIP } from 'node:net';
import * as z from 'zod/mini';

const optionalString = () => z.optional(z.nullable(z.string()));

/**
 * One outbound webhook record: only the fields RelayFlow reads. Loose, because Postmark adds
 * fields (Metadata, Geo, Client…) that must survive in `payload`. Which timestamp a record
 * carries depends on its RecordType; `MessageID` is null for manual suppressions.
 */
export const PostmarkRecordSchema = z.looseObject({
  RecordType: z.string().check(z.minLength(1)),
  MessageID: optionalString(),
  /** Delivery, Open, Click and SubscriptionChange name the address `Recipient`… */
  Recipient: optionalString(),
  /** …Bounce and SpamComplaint name it `Email`. */
  Email: optionalString(),
  DeliveredAt: optionalString(),
  BouncedAt: optionalString(),
  ReceivedAt: optionalString(),
  ChangedAt: optionalString(),
  /** Bounce type: HardBounce, SoftBounce, Transient, Blocked… */
  Type: optionalString(),
  Description: optionalString(),
  Details: optionalString(),
  OriginalLink: optionalString(),
  SuppressSending: z.optional(z.nullable(z.boolean())),
  SuppressionReason: optionalString(),
});
export type PostmarkRecord = z.infer<typeof PostmarkRecordSchema>;

/** An IPv4 or IPv6 address, optionally with a CIDR prefix length that fits its family. */
export const isIpOrCidr = (value: string): boolean => {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
};
