import { z } from 'zod';
import { CHANNELS, type Channel } from '../functions/channels/contract';
import { DEFAULT_RECEIPT_DEADLINES_MS } from '../functions/reconciliation/missing-receipts';
import { durationMs, RECONCILIATION_CAPABILITIES } from '../functions/reconciliation/capabilities';
import { RECONCILABLE_PROVIDERS } from '../functions/reconciliation/providers/index';
import { parseScheduleExpression } from './schedule-expression';
import type { RelayFlowConfig } from './config';
import type { ChannelSecretArns } from './constructs/channel-secrets';
import type { ReconciledProviderProps } from './constructs/reconciliation';

/*
 * The `reconciliation` section of the configuration (docs/reconciliation.md): which providers are
 * asked what they sent, how often and how far back, which entity kinds are compared, and how long
 * a sent message may wait for its receipt.
 */

const duration = (example: string) =>
  z.string().superRefine((text, ctx) => {
    if (durationMs(text) === undefined)
      ctx.addIssue({ code: 'custom', message: `must be a duration such as "${example}" (s, m, h or d)` });
  });

const UNIT_OF = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
] as const;

/**
 * Scheduler's expression for `every`: a `rate(…)` or `cron(…)` as written, or a duration read
 * into the largest whole unit (`90 minutes` → `rate(90 minutes)`, `1 hour` → `rate(1 hour)`).
 */
export const reconciliationScheduleExpression = (every: string): string | undefined => {
  if (every.startsWith('rate(') || every.startsWith('cron('))
    return parseScheduleExpression(every).ok ? every : undefined;
  const ms = durationMs(every);
  if (ms === undefined) return undefined;
  for (const [unit, size] of UNIT_OF) {
    if (ms % size === 0) {
      const count = ms / size;
      return `rate(${count} ${unit}${count === 1 ? '' : 's'})`;
    }
  }
  return undefined;
};

export const reconciliationEntry = z
  .object({
    /** How often a run starts: a duration (`1 hour`, at least a minute) or Scheduler's `rate(…)`/`cron(…)`. */
    every: z
      .string()
      .superRefine((every, ctx) => {
        if (reconciliationScheduleExpression(every) === undefined)
          ctx.addIssue({
            code: 'custom',
            message:
              'must be whole minutes (`1 hour`, `15 minutes`) or rate(…) / cron(…) as Scheduler reads them',
          });
      })
      .default('1 hour'),
    /** How far back a first run, missing receipts and drift look. */
    lookback: duration('2 days').default('2 days'),
    /**
     * Days the provider keeps what it sent, when the account's plan differs from the default
     * (Mailgun keeps 5 days on its free plans and up to 30 on paid ones; Postmark's retention is a
     * server setting). Bounds the lookback. @default the provider's (docs/reconciliation.md)
     */
    retentionDays: z.number().int().positive().optional(),
    /** Entity kinds whose state is compared with the provider's (`subscription`, `invoice`, `message`). */
    entities: z.array(z.string()).default([]),
    /** Tenants reconciled, each with its own API credentials secret. @default ['default'] */
    tenants: z.array(z.string()).min(1).default(['default']),
    /** The provider API's own options: GitHub `{ repository, hookId }`, Mailgun `{ domain }`. */
    options: z.record(z.string(), z.unknown()).default({}),
    /** The provider's API, when not its public one (a regional endpoint, a proxy). */
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
    /**
     * Twilio, Postmark, Mailgun: read the API with the channel's credentials (its secret) instead of
     * a secret of its own, when the channel is configured. @default true
     */
    useChannelSecret: z.boolean().default(true),
  })
  .strict();
export type ReconciliationEntry = z.output<typeof reconciliationEntry>;

/** Per channel, how long a sent message may wait for its final receipt before reconciliation asks. */
export const receiptDeadlinesSchema = z
  .object({
    email: duration('1 hour').optional(),
    sms: duration('15 minutes').optional(),
    whatsapp: duration('15 minutes').optional(),
    push: duration('15 minutes').optional(),
    webhook: duration('15 minutes').optional(),
  })
  .strict()
  .default({});

/** Reconciled providers by id. */
export const reconciliationSchema = z.record(z.string(), reconciliationEntry).default({});

export type ReconciliationConfig = z.output<typeof reconciliationSchema>;

export const reconciledProviders = (config: ReconciliationConfig): [string, ReconciliationEntry][] =>
  Object.entries(config);

/** Each channel's receipt deadline in milliseconds, the defaults filled in. */
export const receiptDeadlinesMs = (
  deadlines: z.output<typeof receiptDeadlinesSchema>,
): Record<Channel, number> => {
  const given: Partial<Record<Channel, string>> = deadlines;
  return Object.fromEntries(
    CHANNELS.map((channel) => {
      const text = given[channel];
      return [
        channel,
        (text === undefined ? undefined : durationMs(text)) ?? DEFAULT_RECEIPT_DEADLINES_MS[channel],
      ];
    }),
  ) as Record<Channel, number>;
};

const DAY_MS = 86_400_000;
const quoted = (names: Iterable<string>) => [...names].map((n) => `"${n}"`).join(', ') || 'none';

/**
 * Every problem of the section that reads other fields: the provider must be enabled and
 * reconcilable, the lookback within what the provider keeps, the entities among those it can
 * read, the tenants among the configured ones.
 */
export const reconciliationProblems = (
  config: ReconciliationConfig,
  context: { readonly enabledProviders?: ReadonlySet<string>; readonly tenantIds?: ReadonlySet<string> },
): { path: PropertyKey[]; message: string }[] => {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  for (const [provider, entry] of reconciledProviders(config)) {
    const at = ['reconciliation', provider];
    const capability = Object.hasOwn(RECONCILIATION_CAPABILITIES, provider)
      ? RECONCILIATION_CAPABILITIES[provider]
      : undefined;
    if (!capability || !RECONCILABLE_PROVIDERS.includes(provider)) {
      problems.push({
        path: at,
        message: `${provider} cannot be reconciled (reconcilable: ${quoted(RECONCILABLE_PROVIDERS)}; docs/reconciliation.md says why the others cannot)`,
      });
      continue;
    }
    if (context.enabledProviders && !context.enabledProviders.has(provider))
      problems.push({ path: at, message: `enable ${provider} under \`providers\` to reconcile it` });
    const lookback = durationMs(entry.lookback);
    const retentionDays = entry.retentionDays ?? capability.retentionDays;
    if (lookback !== undefined && lookback > retentionDays * DAY_MS)
      problems.push({
        path: [...at, 'lookback'],
        message: `${provider} keeps what it sent for ${retentionDays} days${entry.retentionDays === undefined ? ' (set retentionDays if your plan keeps more)' : ''}: a lookback of ${entry.lookback} cannot be honoured`,
      });
    entry.entities.forEach((kind, index) => {
      if (!capability.entityKinds.includes(kind))
        problems.push({
          path: [...at, 'entities', index],
          message: `${provider} cannot read "${kind}" (entities: ${quoted(capability.entityKinds)})`,
        });
    });
    entry.tenants.forEach((tenant, index) => {
      if (context.tenantIds && !context.tenantIds.has(tenant))
        problems.push({
          path: [...at, 'tenants', index],
          message: `no tenant "${tenant}" (tenants: ${quoted(context.tenantIds)})`,
        });
    });
  }
  return problems;
};

/**
 * What the Reconciliation construct makes of the configuration: each provider's schedule
 * expression, lookback and webhook options, and the channel's secrets where its API takes the
 * channel's credentials and the channel is configured (unless `useChannelSecret: false`).
 */
export const reconciliationPropsOf = (
  config: Pick<RelayFlowConfig, 'reconciliation' | 'enabledProviders' | 'channels'>,
  channelSecrets: Readonly<Record<string, ChannelSecretArns>> | undefined,
): Record<string, ReconciledProviderProps> =>
  Object.fromEntries(
    reconciledProviders(config.reconciliation).map(([provider, entry]) => {
      const webhook = config.enabledProviders.find((p) => p.id === provider);
      const capability = RECONCILIATION_CAPABILITIES[provider];
      const channel =
        entry.useChannelSecret &&
        capability?.channelCredentials &&
        channelSecrets &&
        Object.hasOwn(channelSecrets, provider)
          ? channelSecrets[provider]
          : undefined;
      const props: ReconciledProviderProps = {
        expression: reconciliationScheduleExpression(entry.every) ?? entry.every,
        lookbackMs: durationMs(entry.lookback) ?? 2 * DAY_MS,
        ...(entry.retentionDays === undefined ? {} : { retentionDays: entry.retentionDays }),
        entities: entry.entities,
        tenants: entry.tenants,
        options: entry.options,
        ...(entry.baseUrl ? { baseUrl: entry.baseUrl } : {}),
        webhook: { kind: webhook?.kind ?? 'builtin', options: webhook?.options ?? {} },
        ...(channel ? { channelSecrets: channel } : {}),
        receipts: Object.hasOwn(config.channels, provider),
      };
      return [provider, props];
    }),
  );
