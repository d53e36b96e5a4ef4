import { randomBytes } from 'node:crypto';

/**
 * Correlation ids carry the instant their request was received (decision 0045): a UUIDv7 (RFC
 * 9562), or a caller's id followed by `.` and 12 hex digits of that millisecond and 8 random
 * ones. The store has no index by correlation id; the instant leads a lookup to the events
 * received in that millisecond, whose `receivedAt` it is.
 */

/** A caller's correlation id we keep as the prefix of ours; anything else is not kept. */
const OFFERED = /^[A-Za-z0-9._:-]{8,128}$/;
const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SUFFIXED = /\.([0-9a-f]{12})[0-9a-f]{8}$/;

const millisecondsHex = (at: Date) => at.getTime().toString(16).padStart(12, '0');

/** A UUIDv7 of `at`: 48 bits of milliseconds, the version, and 74 random bits. */
export const uuidV7 = (at: Date, random: (size: number) => Buffer = randomBytes): string => {
  const bytes = random(10);
  const hex = bytes.toString('hex');
  const time = millisecondsHex(at);
  const variant = ((bytes[2] ?? 0) & 0x3f) | 0x80;
  return [
    time.slice(0, 8),
    time.slice(8, 12),
    `7${hex.slice(0, 3)}`,
    `${variant.toString(16)}${hex.slice(6, 8)}`,
    hex.slice(8, 20),
  ].join('-');
};

/**
 * The correlation id of a delivery received at `at`: always ours. A caller's well-formed
 * `X-Correlation-Id` is kept as its prefix, so that the caller's logs still lead to ours, but it
 * never becomes an id that another event already has (a caller could otherwise splice its
 * delivery into another event's timeline, or make two events' timelines one).
 */
export const correlationIdFrom = (
  headers: Readonly<Record<string, string | undefined>>,
  at: Date,
  random: (size: number) => Buffer = randomBytes,
): string => {
  const offered = headers['x-correlation-id'];
  if (!offered || !OFFERED.test(offered)) return uuidV7(at, random);
  return `${offered.slice(0, 100)}.${millisecondsHex(at)}${random(4).toString('hex')}`;
};

/** When the delivery that minted this correlation id was received, if the id is one of ours. */
export const receivedAtOf = (correlationId: string): Date | undefined => {
  const v7 = UUID_V7.exec(correlationId);
  const hex = v7 ? `${v7[1]}${v7[2]}` : SUFFIXED.exec(correlationId)?.[1];
  if (!hex) return undefined;
  const at = new Date(Number.parseInt(hex, 16));
  return Number.isNaN(at.getTime()) ? undefined : at;
};
