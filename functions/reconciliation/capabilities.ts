/**
 * What each reconcilable provider's API offers, known without loading it: synth checks the
 * configuration against it (lib/config.ts), and a test holds it to each ProviderApi's own fields.
 */
export interface ReconciliationCapability {
  /** How far back the provider keeps what it sent: a longer lookback cannot be honoured. */
  readonly retentionDays: number;
  /** Entity kinds whose drift can be checked. */
  readonly entityKinds: readonly string[];
  /** Its API takes the same credentials as its channel adapter: a configured channel's secret can be reused. */
  readonly channelCredentials: boolean;
}

export const RECONCILIATION_CAPABILITIES: Readonly<Record<string, ReconciliationCapability>> = {
  stripe: { retentionDays: 30, entityKinds: ['subscription', 'invoice'], channelCredentials: false },
  github: { retentionDays: 3, entityKinds: [], channelCredentials: false },
  twilio: { retentionDays: 400, entityKinds: ['message'], channelCredentials: true },
  postmark: { retentionDays: 45, entityKinds: [], channelCredentials: true },
  mailgun: { retentionDays: 5, entityKinds: [], channelCredentials: true },
};

/** `1 hour`, `2 days`, `15 minutes`, `90m`, `1h`, `2d`, `30s`. */
const DURATION = /^(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration written as the configuration takes it, or undefined when it is not one. */
export const durationMs = (text: string): number | undefined => {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? '').startsWith('min') ? 'm' : (match[2] ?? '').charAt(0);
  const ms = UNIT_MS[unit];
  return ms === undefined || amount <= 0 ? undefined : amount * ms;
};
