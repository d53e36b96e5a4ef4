import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import jsonata from 'jsonata';
import { z } from 'zod';
import {
  resolveProvider,
  UNSIGNED_IDENTITY_WARNING,
  type ProviderDeclaration,
} from '../functions/providers/registry';
import { formatIssue, type EntityOverride, type ProviderKind } from '../functions/providers/types';
import {
  RetryPolicySchema,
  RouteSchema,
  TargetSchema,
  targetProblems,
  type MessageTarget,
} from '../functions/routing/routes';
import { routeCycles } from '../functions/routing/route-graph';
import { transformProblem } from '../functions/targets/transform';
import { workflowCatalog, workflowNames } from '../functions/workflows/index';
import { ADAPTER_CHANNELS, ADAPTER_IDS } from '../functions/channels/registry';
import { contentOf, contentProblems, templateProblem } from '../functions/channels/render';
import { templates } from '../functions/channels/templates/index';
import { parseScheduleExpression, timezoneProblem } from './schedule-expression';
import { INTERNAL_PROVIDER_ID } from '../functions/providers/internal/index';
import { eventPatternProblems } from './event-pattern';
import { maxReceiveCountFor } from './constructs/event-queue';
import {
  receiptDeadlinesSchema,
  reconciliationProblems,
  reconciliationSchema,
} from './reconciliation-config';

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** API Gateway hands Lambda at most 6 MB, and binary bodies arrive base64 (4/3 larger). */
const MAX_BODY_LIMIT = 4_500_000;

/**
 * A verifier's share of the ingest: its routes' API Gateway throttle and its Lambda's reserved
 * concurrency, so that a flood on one provider's URL cannot take another provider's capacity.
 * Unset fields take the `api` defaults (docs/decisions/0035-flood-isolation.md).
 */
const verifierLimits = z
  .object({
    /** Steady requests per second on each of the provider's routes. */
    rateLimit: z.number().min(1).optional(),
    /** Requests the provider's routes take at once before the steady rate applies. */
    burstLimit: z.int().min(1).optional(),
    /** Verifier instances reserved for (and at most used by) this provider; `false` reserves none. */
    reservedConcurrency: z.union([z.int().min(1).max(1000), z.literal(false)]).optional(),
  })
  .strict();

/**
 * Options every provider accepts on top of its own. The registry checks `entity` with the
 * provider's options (functions/providers), as the verifier does at cold start.
 */
const providerCommon = z
  .object({
    /** The entity whose events stay in order, e.g. `{ kind: 'customer', path: 'data.object.customer' }`. */
    entity: z.custom<EntityOverride>().optional(),
    limits: verifierLimits.optional(),
  })
  .passthrough();

const API_DEFAULTS = {
  throttlingRateLimit: 100,
  throttlingBurstLimit: 200,
  verifierReservedConcurrency: 50,
} as const;

/**
 * X-Ray's own default: the first request each second, then 5% of the rest. X-Ray bills $5.00 per
 * million traces recorded, so below the reservoir's rate every request is a billed trace.
 */
export const TRACING_DEFAULTS = { enabled: true, samplingRate: 0.05, reservoirPerSecond: 1 } as const;

/** A provider's route throttle when neither it nor `api` sets one (docs/decisions/0035-flood-isolation.md). */
const ROUTE_THROTTLE_DEFAULTS = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * A tenant's quotas (docs/decisions/0052-tenant-quotas.md). Over them, the tenant's events wait
 * in the queue and are processed later: none is refused, and no attempt is spent.
 */
const tenantQuota = z
  .object({
    /** Events per second started into processing, across every consumer instance. */
    eventsPerSecond: z
      .number({ error: 'must be a number of events per second' })
      .positive('must be a positive number of events per second')
      .max(10_000, 'must be at most 10000 events per second')
      .optional(),
    /** Events whose targets run at once, across every consumer instance. */
    maxConcurrent: z
      .int({ error: 'must be a whole number of events' })
      .min(1, 'must be at least 1')
      .max(999, 'must be at most 999')
      .optional(),
    /** The tenant's delivery SLA: alarm when its events take longer than this from receipt to done. */
    lagAlarmMinutes: z
      .int({ error: 'must be a whole number of minutes' })
      .min(1, 'must be at least 1 minute')
      .max(20_160, 'must be at most 20160 minutes (14 days)')
      .optional(),
  })
  .strict()
  .refine((quota) => Object.values(quota).some((value) => value !== undefined), {
    message: 'set at least one of eventsPerSecond, maxConcurrent and lagAlarmMinutes, or leave quota out',
  });

const tenant = z
  .object({
    id: z.string().regex(TENANT_ID, 'lower-case letters, digits and dashes, at most 63'),
    /**
     * Give this tenant its own secret per provider. `false` shares the provider's secret, so a
     * delivery signed for one tenant is also accepted at another tenant's URL (a synth warning).
     */
    dedicatedSecrets: z.boolean().default(true),
    quota: tenantQuota.optional(),
  })
  .strict();

/**
 * A schedule's name: its EventBridge Scheduler schedule's name, the id of the `schedule` entity its
 * events belong to, and part of each tick's idempotency key. No dots: a replayed tick's one-time
 * schedule is named `<name>.replay-…` beside it.
 */
export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;

/** Scheduler's expression check, as a field refinement: it runs whatever the entry's other fields hold. */
const scheduleExpression = (kind: 'cron' | 'rate') =>
  z.string().superRefine((source, ctx) => {
    const parsed = parseScheduleExpression(source);
    const problem = !source.startsWith(`${kind}(`)
      ? `must be written ${kind}(…), e.g. ${kind === 'cron' ? 'cron(0 9 ? * MON-FRI *)' : 'rate(15 minutes)'}`
      : parsed.ok
        ? undefined
        : parsed.problem;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * A scheduled trigger (docs/workflows.md, "Schedules"): an EventBridge Scheduler schedule whose
 * every tick becomes one domain event of `type`, for `tenant`, about the entity
 * `{ kind: 'schedule', id: name }`. Exactly one of `cron` and `rate`, in Scheduler's syntax.
 */
const schedule = z
  .object({
    name: z.string().regex(SCHEDULE_NAME, 'letters, digits, "-" and "_", at most 48'),
    /** `cron(minutes hours day-of-month month day-of-week year)`, e.g. `cron(0 9 ? * MON-FRI *)`. */
    cron: scheduleExpression('cron').optional(),
    /** `rate(value unit)`, e.g. `rate(15 minutes)`: from the schedule's creation, every period. */
    rate: scheduleExpression('rate').optional(),
    /** The IANA time zone `cron` is read in. @default 'UTC' */
    timezone: z
      .string()
      .superRefine((timezone, ctx) => {
        const problem = timezoneProblem(timezone);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('UTC'),
    /** The canonical type of each tick's event, `report.daily`. */
    type: z.string().regex(/^[A-Za-z0-9_.-]{1,256}$/, 'letters, digits, ".", "_" and "-", at most 256'),
    /** @default the default tenant */
    tenant: z.string().optional(),
    /** Carried in every tick's event as its data. */
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** An event bus by name, or by ARN in the stack's account (a rule lives in the bus's account). */
const EVENT_BUS =
  /^(?:[/.\-_A-Za-z0-9]{1,256}|arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256})$/;

/**
 * An EventBridge source of domain events (docs/workflows.md, "Domain events"): a rule on `bus`
 * matching `pattern` sends each matching event to the producer function, which publishes it as
 * one domain event of `tenant`. The bus is not created by the stack.
 */
const eventSource = z
  .object({
    /** The event bus (name, or ARN in the stack's account): `default`, `orders`. */
    bus: z.string().regex(EVENT_BUS, 'an event bus name or ARN'),
    /** An EventBridge event pattern, checked at synth (lib/event-pattern.ts). */
    pattern: z.record(z.string(), z.unknown()).superRefine((pattern, ctx) => {
      for (const problem of eventPatternProblems(pattern))
        ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
    }),
    /** @default the default tenant */
    tenant: z.string().optional(),
    /** Where a detail that is not an envelope keeps its entity id: a dot path into the detail. */
    entity: z
      .object({ kind: z.string().min(1), path: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();

/** Each source adds a statement to the producer function's resource policy, which Lambda caps at 20 KB. */
const MAX_EVENT_SOURCES = 50;

const ConfigObjectSchema = z
  .object({
    /** CloudFormation stack name; the CLI finds everything through it. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
      .default('RelayFlow'),
    /** `dev` stacks destroy their data on delete; `prod` stacks retain it. */
    stage: z.enum(['dev', 'prod']).default('prod'),
    /**
     * The base URL providers call, when it is not the one API Gateway sees: a custom domain mapped
     * under a path, or CloudFront in front of the API. URL-signed providers (HubSpot, Twilio)
     * sign the full URL; without this the verifier rebuilds it from the request's domain name,
     * which is right for the API's own URL and for a custom domain mapped at its root.
     */
    publicBaseUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
    /** Where alarms are e-mailed. */
    alarmEmail: z.email().optional(),
    /** How long events, audit entries and raw bodies are kept. */
    retentionDays: z.int().min(1).max(3650).default(30),
    /** Largest body accepted; larger ones are answered 413. */
    maxBodyBytes: z
      .int()
      .min(1024)
      .max(MAX_BODY_LIMIT)
      .default(4 * 1024 * 1024),
    /** Compressed bodies above this go to S3 (claim check) instead of the table. */
    inlineBodyMaxBytes: z
      .int()
      .min(1024)
      .max(300 * 1024)
      .default(64 * 1024),
    tenants: z.array(tenant).default([]),
    /**
     * The quota of the implicit `default` tenant (webhook URLs without a tenant), which has no
     * entry in `tenants`: listing it there would give it dedicated secrets and URLs of its own.
     */
    defaultTenantQuota: tenantQuota.optional(),
    /** Enabled built-in providers and their options. */
    providers: z.record(z.string(), providerCommon).default({}),
    /**
     * Outbound channel adapters that `message` targets send through (docs/channels.md), by id
     * (`postmark`, `sendgrid`, `mailgun`, `ses`, `twilio`, `fcm`, `webhook`). Each gets a Secrets
     * Manager secret for its credentials, and one per tenant listed here.
     */
    channels: z
      .record(
        z.string(),
        z
          .object({
            /** The provider's API, when not its public one (a regional endpoint, a proxy). */
            baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
            /** Tenants with credentials of their own for this adapter; the others use the adapter's. */
            tenants: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .default({}),
    /** Any number of HMAC-signed senders, each with its own route, Lambda and secret. */
    genericHmac: z.record(z.string(), z.object({}).passthrough()).default({}),
    retry: z
      .object({
        maxAttempts: z.int().min(1).max(1000).default(5),
        backoffBaseSeconds: z.int().min(0).max(43_200).default(2),
        backoffMaxSeconds: z.int().min(0).max(43_200).default(300),
      })
      .strict()
      .default({ maxAttempts: 5, backoffBaseSeconds: 2, backoffMaxSeconds: 300 }),
    api: z
      .object({
        /** The stage's default route throttle, and the most any provider's route may be given. */
        throttlingRateLimit: z.number().min(1).default(100),
        throttlingBurstLimit: z.int().min(1).default(200),
        /** Each provider's route throttle unless the provider sets `limits`. @default 50/s and 100, or the stage's if lower */
        routeThrottlingRateLimit: z.number().min(1).optional(),
        routeThrottlingBurstLimit: z.int().min(1).optional(),
        /** Reserved concurrency of each verifier unless the provider sets `limits`; `false` reserves none. */
        verifierReservedConcurrency: z.union([z.int().min(1).max(1000), z.literal(false)]).default(50),
      })
      .strict()
      .default(API_DEFAULTS),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /**
     * Lambda's own log lines. START, END and REPORT come at INFO, three per invocation, billed
     * like any line; WARN keeps only Lambda's failures (timeouts, crashes).
     */
    platformLogLevel: z.enum(['DEBUG', 'INFO', 'WARN']).default('WARN'),
    /**
     * X-Ray tracing of the functions and the replay state machine. `false` records nothing and
     * keeps the X-Ray SDK out of the functions' cold starts. The stack's sampling rule records
     * `reservoirPerSecond` requests each second, then `samplingRate` of the rest.
     */
    tracing: z
      .object({
        enabled: z.boolean().default(TRACING_DEFAULTS.enabled),
        /** Share of requests recorded once the second's reservoir is used up, 0 to 1. */
        samplingRate: z.number().min(0).max(1).default(TRACING_DEFAULTS.samplingRate),
        /** Requests recorded each second before `samplingRate` applies; 0 leaves only the rate. */
        reservoirPerSecond: z.int().min(0).default(TRACING_DEFAULTS.reservoirPerSecond),
      })
      .strict()
      .default(TRACING_DEFAULTS),
    /** Where processed events go: the first matching route wins (schema: functions/routing/routes.ts). */
    routes: z.array(RouteSchema).default([]),
    /**
     * An event more workflow emissions than this away from an outside event is quarantined as a
     * cycle, never processed (docs/workflows.md). Loops the routes make are refused at synth.
     */
    maxCausationDepth: z.int().min(1).max(100).default(8),
    /** Scheduled triggers: each tick of each schedule becomes one domain event. */
    schedules: z.array(schedule).default([]),
    /** EventBridge rules whose events become domain events (one rule per entry). */
    eventSources: z.array(eventSource).max(MAX_EVENT_SOURCES).default([]),
    /**
     * Providers asked what they sent, on a schedule, so that lost webhooks, missing receipts and
     * drifted entities are found (docs/reconciliation.md).
     */
    reconciliation: reconciliationSchema,
    /** Per channel, how long a sent message may wait for its final receipt (`1 hour`; docs/reconciliation.md). */
    receiptDeadlines: receiptDeadlinesSchema,
    consumer: z
      .object({
        /** Event source mapping MaximumConcurrency (2–1000). */
        maxConcurrency: z.int().min(2).max(1000).default(10),
        /** How long the consumer remembers a completed event (Powertools idempotency), at least 72 h. */
        idempotencyTtlHours: z
          .int()
          .min(72)
          .max(24 * 365)
          .default(72),
      })
      .strict()
      .default({ maxConcurrency: 10, idempotencyTtlHours: 72 }),
    /** The audit archive: every audit entry and rejection count, kept past `retentionDays` (docs/audit.md). */
    audit: z
      .object({
        /** Days the archive keeps an entry; absent, it keeps every entry. */
        archiveRetentionDays: z.int().min(1).max(36_500).optional(),
        /**
         * S3 Object Lock on the archive bucket: an archived entry cannot be changed or deleted for
         * `days`, in `governance` mode (users with a special permission can) or `compliance` mode
         * (no one can, the root user included). It can only be chosen when the bucket is created.
         */
        objectLock: z
          .object({ mode: z.enum(['governance', 'compliance']), days: z.int().min(1).max(36_500) })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    observability: z
      .object({
        /** Alarm when the main queue's oldest message is older than this. */
        oldestMessageAlarmMinutes: z.int().min(1).max(20_160).default(15),
        /** Alarm when more signature rejections than this arrive per minute (3 of 5 minutes). */
        signatureFailureAlarmPerMinute: z.int().min(1).default(50),
        /**
         * Log paths never printed (dot paths from the log line's root; `*` is one key, `**` any
         * depth, array indices are skipped), e.g. `**.email`, `items.*.address`.
         */
        piiPaths: z
          .array(
            z
              .string()
              .regex(
                /^(\*\*|\*|[A-Za-z0-9_$-]+)(\.(\*\*|\*|[A-Za-z0-9_$-]+))*$/,
                'dot path of keys, * and **',
              ),
          )
          .max(50)
          .default([]),
        /**
         * Per provider, the ISO date after which an event verified by an older secret (index > 0)
         * raises the OldSecretUsed alarm: the provider still signs with a secret being retired.
         */
        secretRetirement: z.record(z.string(), z.iso.date()).default({}),
        /**
         * Shares of sent messages (0–1) above which MessageBounceRate (default 0.05) and
         * MessageFailureRate (default 0.1) fire, over 15 minutes and every channel and tenant.
         */
        channelHealth: z
          .object({
            bounceRate: z.number().min(0).max(1).optional(),
            failureRate: z.number().min(0).max(1).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({
        oldestMessageAlarmMinutes: 15,
        signatureFailureAlarmPerMinute: 50,
        piiPaths: [],
        secretRetirement: {},
      }),
  })
  .strict();

type ConfigShape = typeof ConfigObjectSchema.shape;
type ParsedConfig = z.output<typeof ConfigObjectSchema>;

export type RouteConfig = z.output<typeof RouteSchema>;
export type TracingConfig = ParsedConfig['tracing'];
export type RouteTargetConfig = z.output<typeof TargetSchema>;
export type ScheduleConfig = z.output<typeof schedule>;
export type EventSourceConfig = z.output<typeof eventSource>;
export type TenantQuotaConfig = z.output<typeof tenantQuota>;

/** A provider's resolved share of the ingest (see `limits` in the configuration). */
export interface VerifierLimits {
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** Undefined: the verifier draws on the account's unreserved concurrency. */
  readonly reservedConcurrency: number | undefined;
}

/** A configuration that works but weakens a guarantee: the CDK app prints it at synth. */
export interface ConfigWarning {
  /** Stable id, so that a team can acknowledge it (`Annotations.of(...).acknowledgeWarning`). */
  readonly id: string;
  readonly message: string;
}

export const CONFIG_WARNINGS = {
  unsignedIdentity: UNSIGNED_IDENTITY_WARNING,
} as const;

/** One enabled provider, resolved: which code verifies it, its validated options and its limits. */
export interface EnabledProvider {
  readonly id: string;
  /** `builtin` providers have their own handler entry; `generic-hmac` ones share one. */
  readonly kind: ProviderKind;
  readonly options: Readonly<Record<string, unknown>>;
  readonly limits: VerifierLimits;
  readonly warnings: readonly ConfigWarning[];
}

export interface RelayFlowConfig extends Omit<ParsedConfig, 'providers' | 'genericHmac'> {
  readonly enabledProviders: readonly EnabledProvider[];
}

/**
 * Lambda's limit for all environment variables together is 4 KB: the consumer's ROUTES and the
 * replay function's PROVIDERS each get this much, leaving room for the others.
 */
export const MAX_JSON_ENV_BYTES = 3000;

/** The replay function's PROVIDERS variable: how it rebuilds each provider's normalizer. */
export const replayProvidersJson = (
  providers: readonly Pick<EnabledProvider, 'id' | 'kind' | 'options'>[],
): string =>
  JSON.stringify(Object.fromEntries(providers.map((p) => [p.id, { kind: p.kind, options: p.options }])));

/** Every tenant's quota, the `default` tenant's from `defaultTenantQuota`; tenants without one are left out. */
export const tenantQuotas = (
  config: Pick<ParsedConfig, 'tenants' | 'defaultTenantQuota'>,
): ReadonlyMap<string, TenantQuotaConfig> =>
  new Map([
    ...(config.defaultTenantQuota ? [['default', config.defaultTenantQuota] as const] : []),
    ...config.tenants.flatMap((t) => (t.quota ? [[t.id, t.quota] as const] : [])),
  ]);

/** What the consumer enforces (TENANT_QUOTAS): the tenants with a rate or a concurrency cap. */
export const consumerQuotas = (
  quotas: ReadonlyMap<string, TenantQuotaConfig>,
): Record<string, { eventsPerSecond?: number; maxConcurrent?: number }> =>
  Object.fromEntries(
    [...quotas]
      .filter(([, q]) => q.eventsPerSecond !== undefined || q.maxConcurrent !== undefined)
      .map(([id, { eventsPerSecond, maxConcurrent }]) => [id, { eventsPerSecond, maxConcurrent }]),
  );

/** Typed helper for `relayflow.config.ts`. */
export const defineConfig = (config: RelayFlowConfigInput): RelayFlowConfigInput => config;

interface Problem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Each route limit: the `api` field it defaults to and the stage field that caps it. */
const ROUTE_LIMIT_FIELDS = {
  rateLimit: { fallback: 'routeThrottlingRateLimit', ceiling: 'throttlingRateLimit' },
  burstLimit: { fallback: 'routeThrottlingBurstLimit', ceiling: 'throttlingBurstLimit' },
} as const;

/**
 * A provider's limits with the `api` defaults filled in. No route may be given more than the
 * stage default, so that the stage default stays the ceiling of every route; the built-in route
 * default gives way to a lower stage default.
 */
const resolveLimits = (
  path: readonly PropertyKey[],
  limits: z.output<typeof verifierLimits> | undefined,
  api: ParsedConfig['api'],
  problems: Problem[],
): VerifierLimits => {
  const routeLimit = (field: keyof typeof ROUTE_LIMIT_FIELDS): number => {
    const { fallback, ceiling } = ROUTE_LIMIT_FIELDS[field];
    const own = limits?.[field];
    const configured = own ?? api[fallback];
    if (configured === undefined) return Math.min(ROUTE_THROTTLE_DEFAULTS[field], api[ceiling]);
    if (configured > api[ceiling]) {
      problems.push({
        path: own === undefined ? ['api', fallback] : [...path, 'limits', field],
        message: `${configured} exceeds the stage's api.${ceiling} (${api[ceiling]})`,
      });
    }
    return configured;
  };
  const reserved = limits?.reservedConcurrency ?? api.verifierReservedConcurrency;
  return {
    rateLimit: routeLimit('rateLimit'),
    burstLimit: routeLimit('burstLimit'),
    reservedConcurrency: reserved === false ? undefined : reserved,
  };
};

/**
 * Resolves every declared provider through the registry, as its verifier will at cold start.
 * Without a valid `api` the limits cannot be judged: their problems wait for `api` to be fixed.
 */
const enableProviders = (
  providers: ParsedConfig['providers'],
  genericHmac: ParsedConfig['genericHmac'],
  api: ParsedConfig['api'] | undefined,
): { enabled: EnabledProvider[]; problems: Problem[] } => {
  const problems: Problem[] = [];
  const enabled: EnabledProvider[] = [];
  const enable = (
    section: string,
    declaration: ProviderDeclaration,
    limits: z.output<typeof verifierLimits> | undefined,
  ) => {
    const path = [section, declaration.id];
    const resolved = resolveProvider(declaration);
    if (!resolved.success) {
      problems.push(...resolved.issues.map((i) => ({ path: [...path, ...i.path], message: i.message })));
      return;
    }
    const { id, kind, options, entityOverride, warnings } = resolved.data;
    enabled.push({
      id,
      kind,
      options: { ...options, ...(entityOverride ? { entity: entityOverride } : {}) },
      limits: resolveLimits(path, limits, api ?? API_DEFAULTS, api ? problems : []),
      warnings,
    });
  };

  for (const [id, { limits, ...options }] of Object.entries(providers)) {
    enable('providers', { id, kind: 'builtin', options }, limits);
  }
  for (const [id, raw] of Object.entries(genericHmac)) {
    // `limits` is ours, not the sender's: its options schema refuses keys it does not know.
    const { limits: rawLimits, ...options } = raw;
    const limits = verifierLimits.optional().safeParse(rawLimits);
    if (!limits.success)
      problems.push(
        ...limits.error.issues.map((i) => ({
          path: ['genericHmac', id, 'limits', ...i.path],
          message: i.message,
        })),
      );
    enable('genericHmac', { id, kind: 'generic-hmac', options }, limits.data);
  }
  return { enabled, problems };
};

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A top-level field as its own schema reads it, or undefined when it has problems of its own:
 * those are reported already, and a check built on them would only repeat them.
 */
const section = <K extends keyof ConfigShape>(
  config: Readonly<Record<string, unknown>>,
  key: K,
): z.output<ConfigShape[K]> | undefined => {
  const parsed = (ConfigObjectSchema.shape[key] as z.ZodType).safeParse(config[key]);
  return parsed.success ? (parsed.data as z.output<ConfigShape[K]>) : undefined;
};

/**
 * What is wrong with a route's or target's retry policy once merged over the ones above it
 * (`layers`, outermost first, the last the one at `at`): a backoff ceiling below its base, or
 * more attempts than the queue's receive backstop, derived from the top-level `retry`, allows.
 */
const retryPolicyProblems = (
  defaults: { maxAttempts: number; backoffBaseSeconds: number; backoffMaxSeconds: number },
  layers: readonly (z.output<typeof RetryPolicySchema> | undefined)[],
  at: readonly PropertyKey[],
): Problem[] => {
  const own = layers[layers.length - 1];
  if (!own) return [];
  const merged = layers.reduce<typeof defaults>(
    (policy, layer) => ({
      maxAttempts: layer?.maxAttempts ?? policy.maxAttempts,
      backoffBaseSeconds: layer?.backoffBaseSeconds ?? policy.backoffBaseSeconds,
      backoffMaxSeconds: layer?.backoffMaxSeconds ?? policy.backoffMaxSeconds,
    }),
    defaults,
  );
  const problems: Problem[] = [];
  // Both set here: the policy's own schema reported it already.
  if (
    merged.backoffMaxSeconds < merged.backoffBaseSeconds &&
    (own.backoffBaseSeconds === undefined || own.backoffMaxSeconds === undefined)
  )
    problems.push({
      path: [...at, own.backoffMaxSeconds === undefined ? 'backoffBaseSeconds' : 'backoffMaxSeconds'],
      message: `backoffMaxSeconds (${merged.backoffMaxSeconds}) would be below backoffBaseSeconds (${merged.backoffBaseSeconds}) once merged with the policies above it`,
    });
  const receives = maxReceiveCountFor(defaults.maxAttempts);
  if (own.maxAttempts !== undefined && own.maxAttempts > receives)
    problems.push({
      path: [...at, 'maxAttempts'],
      message: `must be at most ${receives}, the queue's maxReceiveCount (4 × retry.maxAttempts): raise retry.maxAttempts`,
    });
  return problems;
};

/**
 * What is wrong with a `message` target before any event exists: its adapter (configured, and
 * sending its channel), exactly one of `template` and `content`, the template's entry for the
 * channel, each template's syntax, and the content's shape for the channel. All at once.
 */
const messageTargetProblems = (
  target: Omit<MessageTarget, 'id'>,
  configured: readonly string[],
): Problem[] => {
  const problems: Problem[] = [];
  const channels = Object.hasOwn(ADAPTER_CHANNELS, target.via) ? ADAPTER_CHANNELS[target.via] : undefined;
  if (!channels)
    problems.push({
      path: ['via'],
      message: `no channel adapter "${target.via}" (adapters: ${quoted(ADAPTER_IDS)})`,
    });
  else if (!channels.includes(target.channel))
    problems.push({
      path: ['channel'],
      message: `${target.via} sends ${channels.join(', ')}, not ${target.channel}`,
    });
  else if (!configured.includes(target.via))
    problems.push({
      path: ['via'],
      message: `add ${target.via} to \`channels\` (it holds the adapter's credentials); configured: ${quoted(configured)}`,
    });
  if ((target.template === undefined) === (target.content === undefined))
    problems.push({ path: [], message: 'give exactly one of `template` (a name) and `content`' });
  const syntax = (template: string, path: readonly PropertyKey[]) => {
    const problem = templateProblem(template);
    if (problem) problems.push({ path, message: `template: ${problem}` });
  };
  syntax(target.to, ['to']);
  for (const [key, value] of Object.entries(target.metadata ?? {})) syntax(value, ['metadata', key]);
  if (target.template !== undefined || target.content !== undefined) {
    const content = contentOf(target, templates);
    if (typeof content === 'string') problems.push({ path: ['template'], message: content });
    else {
      const at = target.content ? ['content'] : ['template'];
      for (const problem of contentProblems(target.channel, content))
        problems.push({ path: at, message: problem });
      const strings = (value: unknown, path: readonly PropertyKey[]): void => {
        if (typeof value === 'string') syntax(value, path);
        else if (isRecord(value)) for (const [k, v] of Object.entries(value)) strings(v, [...path, k]);
      };
      strings(content, at);
    }
  }
  return problems;
};

const quoted = (names: Iterable<string>) => [...names].map((n) => `"${n}"`).join(', ') || 'none';

/**
 * Every check that reads more than one field, or more than one entry of a list. `config` is what
 * the schema made of the input, valid or not: each check reads only what is valid on its own.
 */
const crossFieldProblems = (config: Readonly<Record<string, unknown>>): Problem[] => {
  const problems: Problem[] = [];
  const providers = section(config, 'providers');
  const genericHmac = section(config, 'genericHmac');
  const tenants = section(config, 'tenants');
  const retry = section(config, 'retry');
  const observability = section(config, 'observability');
  const channels = section(config, 'channels');

  for (const [via, options] of Object.entries(channels ?? {})) {
    if (!ADAPTER_IDS.includes(via))
      problems.push({
        path: ['channels', via],
        message: `no channel adapter "${via}" (adapters: ${quoted(ADAPTER_IDS)})`,
      });
    options.tenants.forEach((tenant, i) => {
      if (tenants && !tenants.some((t) => t.id === tenant) && tenant !== 'default')
        problems.push({
          path: ['channels', via, 'tenants', i],
          message: `no tenant "${tenant}" (tenants: ${quoted(['default', ...tenants.map((t) => t.id)])})`,
        });
    });
  }

  const providerIds =
    providers && genericHmac ? new Set([...Object.keys(providers), ...Object.keys(genericHmac)]) : undefined;
  const tenantIds = tenants ? new Set(['default', ...tenants.map((t) => t.id)]) : undefined;

  if (providers && genericHmac) {
    const { enabled, problems: providerProblems } = enableProviders(
      providers,
      genericHmac,
      section(config, 'api'),
    );
    problems.push(...providerProblems);
    if (providerIds?.size === 0)
      problems.push({
        path: ['providers'],
        message: 'enable at least one provider (or one genericHmac sender)',
      });
    const bytes = Buffer.byteLength(replayProvidersJson(enabled));
    if (bytes > MAX_JSON_ENV_BYTES)
      problems.push({
        path: [],
        message: `providers and genericHmac: their options take ${bytes} bytes of the replay function's environment, which allows ${MAX_JSON_ENV_BYTES}`,
      });
    const accounts = enabled.find((p) => p.id === 'stripe')?.options.accounts;
    if (tenantIds && isRecord(accounts)) {
      for (const tenant of Object.keys(accounts).filter((t) => !tenantIds.has(t)))
        problems.push({
          path: ['providers', 'stripe', 'accounts', tenant],
          message: `no tenant "${tenant}" (tenants: ${quoted(tenantIds)})`,
        });
    }
  }

  tenants?.forEach(({ id }, index) => {
    if (tenants.findIndex((t) => t.id === id) !== index)
      problems.push({ path: ['tenants', index, 'id'], message: `"${id}" is listed twice` });
  });

  const consumer = section(config, 'consumer');
  const defaultTenantQuota = section(config, 'defaultTenantQuota');
  if (tenants && consumer) {
    const quotaEntries: [readonly PropertyKey[], TenantQuotaConfig | undefined][] = [
      [['defaultTenantQuota'], defaultTenantQuota],
      ...tenants.map((t, index): [readonly PropertyKey[], TenantQuotaConfig | undefined] => [
        ['tenants', index, 'quota'],
        t.quota,
      ]),
    ];
    for (const [path, quota] of quotaEntries) {
      // SQS FIFO batches run one record at a time: the mapping's concurrency bounds every tenant.
      if (quota?.maxConcurrent !== undefined && quota.maxConcurrent >= consumer.maxConcurrency)
        problems.push({
          path: [...path, 'maxConcurrent'],
          message: `must be below consumer.maxConcurrency (${consumer.maxConcurrency}), which already caps every tenant together`,
        });
    }
    tenants.forEach((t, index) => {
      if (t.id === 'default' && t.quota)
        problems.push({
          path: ['tenants', index, 'quota'],
          message: 'the default tenant takes its quota from defaultTenantQuota',
        });
    });
  }

  if (genericHmac && Object.hasOwn(genericHmac, INTERNAL_PROVIDER_ID))
    problems.push({
      path: ['genericHmac', INTERNAL_PROVIDER_ID],
      message: 'id is reserved: domain events are published as provider "internal"',
    });
  const eventSources: readonly unknown[] = Array.isArray(config.eventSources) ? config.eventSources : [];
  eventSources.forEach((entry, index) => {
    if (isRecord(entry) && typeof entry.tenant === 'string' && tenantIds && !tenantIds.has(entry.tenant))
      problems.push({
        path: ['eventSources', index, 'tenant'],
        message: `no tenant "${entry.tenant}" (tenants: ${quoted(tenantIds)})`,
      });
  });

  const audit = section(config, 'audit');
  if (
    audit?.objectLock &&
    audit.archiveRetentionDays !== undefined &&
    audit.objectLock.days > audit.archiveRetentionDays
  )
    problems.push({
      path: ['audit', 'objectLock', 'days'],
      message: `must be at most audit.archiveRetentionDays (${audit.archiveRetentionDays}): a locked entry cannot expire`,
    });

  if (retry && retry.backoffMaxSeconds < retry.backoffBaseSeconds)
    problems.push({
      path: ['retry', 'backoffMaxSeconds'],
      message: `must be at least retry.backoffBaseSeconds (${retry.backoffBaseSeconds})`,
    });

  if (providerIds) {
    for (const provider of Object.keys(observability?.secretRetirement ?? {}).filter(
      (p) => !providerIds.has(p),
    ))
      problems.push({
        path: ['observability', 'secretRetirement', provider],
        message: `no provider "${provider}" is enabled (enabled: ${quoted(providerIds)})`,
      });
  }

  // Part by part, so that a broken target leaves its route's match and other targets checked.
  const routes: readonly unknown[] = Array.isArray(config.routes) ? config.routes : [];
  const routeIds = routes.map((route) =>
    isRecord(route) && typeof route.id === 'string' ? route.id : undefined,
  );
  routes.forEach((route, index) => {
    if (!isRecord(route)) return;
    const id = routeIds[index];
    if (id !== undefined && routeIds.indexOf(id) !== index)
      problems.push({
        path: ['routes', index, 'id'],
        message: `two routes share the id "${id}"; a pause names one route`,
      });
    const match = RouteSchema.shape.match.safeParse(route.match);
    const { provider, tenant } = match.success ? match.data : {};
    // Domain events (provider `internal`) exist in every stack, whatever providers are enabled.
    if (
      provider !== undefined &&
      provider !== INTERNAL_PROVIDER_ID &&
      providerIds &&
      !providerIds.has(provider)
    )
      problems.push({
        path: ['routes', index, 'match', 'provider'],
        message: `no provider "${provider}" is enabled (enabled: ${quoted(providerIds)})`,
      });
    if (tenant !== undefined && tenantIds && !tenantIds.has(tenant))
      problems.push({
        path: ['routes', index, 'match', 'tenant'],
        message: `no tenant "${tenant}" (tenants: ${quoted(tenantIds)})`,
      });
    const targets: readonly unknown[] = Array.isArray(route.targets) ? route.targets : [];
    const valid = targets.map((target) => {
      const parsed = TargetSchema.safeParse(target);
      return parsed.success ? parsed.data : undefined;
    });
    for (const problem of targetProblems(valid, workflowNames))
      problems.push({ path: ['routes', index, ...problem.path], message: problem.message });
    valid.forEach((target, t) => {
      if (target?.kind === 'message')
        for (const problem of messageTargetProblems(target, Object.keys(channels ?? {})))
          problems.push({ path: ['routes', index, 'targets', t, ...problem.path], message: problem.message });
    });
    // Compiled here so that a typo fails synth, not each event at run time; every one is listed.
    valid.forEach((target, t) => {
      const problem =
        target && 'transform' in target && target.transform !== undefined
          ? transformProblem(jsonata, target.transform)
          : undefined;
      if (problem) problems.push({ path: ['routes', index, 'targets', t, 'transform'], message: problem });
    });
    if (retry) {
      const routeRetry = RetryPolicySchema.safeParse(route.retry);
      const routePolicy = routeRetry.success ? routeRetry.data : undefined;
      problems.push(...retryPolicyProblems(retry, [routePolicy], ['routes', index, 'retry']));
      targets.forEach((target, t) => {
        if (!isRecord(target) || target.retry === undefined) return;
        const own = RetryPolicySchema.safeParse(target.retry);
        if (own.success)
          problems.push(
            ...retryPolicyProblems(retry, [routePolicy, own.data], ['routes', index, 'targets', t, 'retry']),
          );
      });
    }
  });
  // Entry by entry, as routes: one broken schedule leaves the others checked.
  const schedules: readonly unknown[] = Array.isArray(config.schedules) ? config.schedules : [];
  const scheduleNames = new Map<unknown, number>();
  schedules.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const expressions = (['cron', 'rate'] as const).filter((field) => entry[field] !== undefined);
    if (expressions.length !== 1)
      problems.push({
        path: ['schedules', index],
        message: expressions.length === 0 ? 'needs cron or rate' : 'has both cron and rate: keep one',
      });
    const first = scheduleNames.get(entry.name);
    if (typeof entry.name === 'string' && first !== undefined)
      problems.push({
        path: ['schedules', index, 'name'],
        message: `"${entry.name}" already names schedules[${first}]`,
      });
    else scheduleNames.set(entry.name, index);
    if (typeof entry.tenant === 'string' && tenantIds && !tenantIds.has(entry.tenant))
      problems.push({
        path: ['schedules', index, 'tenant'],
        message: `no tenant "${entry.tenant}" (tenants: ${quoted(tenantIds)})`,
      });
  });
  const reconciliation = section(config, 'reconciliation');
  if (reconciliation)
    problems.push(
      ...reconciliationProblems(reconciliation, {
        enabledProviders: providers ? new Set(Object.keys(providers)) : undefined,
        tenantIds,
      }),
    );
  // Only over routes valid as a whole: a broken one has its own problem already.
  const validRoutes = section(config, 'routes');
  if (validRoutes) {
    for (const cycle of routeCycles(
      validRoutes,
      [...(tenantIds ?? ['default'])],
      (name) => workflowCatalog.get(name)?.emits,
    ))
      problems.push({
        path: ['routes', cycle.route],
        message: `workflow events loop: ${cycle.path}${tenantIds && cycle.tenants.length < tenantIds.size ? ` (tenant ${cycle.tenants.join(', ')})` : ''}; break the loop with a narrower match, or mode: 'dry-run' on the route or target`,
      });
  }
  const routesBytes = Buffer.byteLength(JSON.stringify(section(config, 'routes') ?? []));
  if (routesBytes > MAX_JSON_ENV_BYTES)
    problems.push({
      path: ['routes'],
      message: `take ${routesBytes} bytes of the consumer's environment, which allows ${MAX_JSON_ENV_BYTES}`,
    });
  else if (tenants) {
    const quotasBytes = Buffer.byteLength(
      JSON.stringify(consumerQuotas(tenantQuotas({ tenants, defaultTenantQuota }))),
    );
    if (routesBytes + quotasBytes > MAX_JSON_ENV_BYTES)
      problems.push({
        path: ['tenants'],
        message: `their quotas (${quotasBytes} bytes) and the routes (${routesBytes}) take more of the consumer's environment than the ${MAX_JSON_ENV_BYTES} bytes it allows`,
      });
  }
  return problems;
};

/**
 * The whole configuration schema. The cross-field checks run even when some fields fail their
 * own schema, so that one run lists every problem rather than the first few.
 */
export const RelayFlowConfigSchema = ConfigObjectSchema.superRefine(
  (config, ctx) => {
    for (const { path, message } of crossFieldProblems(config))
      ctx.addIssue({ code: 'custom', path: [...path], message });
  },
  { when: (payload) => isRecord(payload.value) },
);

export type RelayFlowConfigInput = z.input<typeof RelayFlowConfigSchema>;

const FIELD_ORDER = Object.keys(ConfigObjectSchema.shape);

/**
 * Problems in the order of the fields they concern, and a list's by entry, so that a route's
 * schema problems and its cross-field ones are read together. Otherwise in the order found.
 */
const inConfigOrder = (a: { path: readonly PropertyKey[] }, b: { path: readonly PropertyKey[] }): number => {
  const field = FIELD_ORDER.indexOf(String(a.path[0])) - FIELD_ORDER.indexOf(String(b.path[0]));
  const [entryA, entryB] = [a.path[1], b.path[1]];
  return field !== 0 || typeof entryA !== 'number' || typeof entryB !== 'number' ? field : entryA - entryB;
};

export type ConfigCheck =
  | { readonly ok: true; readonly config: RelayFlowConfig }
  /** Every problem, each `path: message` (`routes[2].targets[0].url: must be an http or https URL`). */
  | { readonly ok: false; readonly problems: readonly string[] };

export type ConfigFileCheck = ConfigCheck & {
  /** The absolute path of the file read. */
  readonly source: string;
};

/** Validates a raw configuration object in one pass: every problem of it, or the resolved configuration. */
export const checkConfig = (input: unknown): ConfigCheck => {
  const parsed = RelayFlowConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = [...parsed.error.issues].sort(inConfigOrder);
    // A default above the stage ceiling is found once per provider but is one problem.
    return { ok: false, problems: [...new Set(issues.map((i) => formatIssue([], i)))] };
  }
  const { providers, genericHmac, ...rest } = parsed.data;
  return {
    ok: true,
    config: { ...rest, enabledProviders: enableProviders(providers, genericHmac, rest.api).enabled },
  };
};

const readConfigFile = (source: string): { ok: true; input: unknown } | { ok: false; problem: string } => {
  if (!existsSync(source)) return { ok: false, problem: 'file not found' };
  try {
    if (extname(source) === '.json')
      return { ok: true, input: JSON.parse(readFileSync(source, 'utf8')) as unknown };
    // A synchronous load: the CDK app and the tools read the configuration before anything else runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(source) as { default?: unknown; config?: unknown };
    const input = mod.default ?? mod.config;
    return input === undefined
      ? { ok: false, problem: 'exports no configuration: write `export default defineConfig({ … })`' }
      : { ok: true, input };
  } catch (error) {
    return { ok: false, problem: `cannot be read: ${(error as Error).message}` };
  }
};

/**
 * Reads and validates the configuration named by `RELAYFLOW_CONFIG` (a `.ts`, `.js` or `.json`
 * file), else `relayflow.config.ts` in the working directory. Never throws: a file that cannot be
 * read is a problem like any other.
 */
export const checkConfigFile = (
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): ConfigFileCheck => {
  const source = resolve(cwd, env.RELAYFLOW_CONFIG ?? 'relayflow.config.ts');
  const read = readConfigFile(source);
  return read.ok ? { ...checkConfig(read.input), source } : { ok: false, problems: [read.problem], source };
};

/** The problems as a person reads them: the file, then one line per problem. No trailing newline. */
export const formatConfigProblems = (source: string, problems: readonly string[]): string =>
  [
    `Invalid RelayFlow configuration (${source}): ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`,
    ...problems.map((p) => `  - ${p}`),
  ].join('\n');

/** The CDK context key through which `npm start` names its demo target (see {@link withLocalDemoRoute}). */
export const LOCAL_DEMO_TARGET_CONTEXT = 'relayflow:localDemoTarget';

/** A route every event reaches that no earlier route took: no tenant, provider or filter, type `*`. */
const catchesAll = (route: RouteConfig) =>
  route.match.type === '*' &&
  route.match.tenant === undefined &&
  route.match.provider === undefined &&
  route.match.filter === undefined;

/** Whether `npm start` adds the demo target's route: no route of the configuration takes every event. */
export const needsLocalDemoRoute = (config: RelayFlowConfig): boolean => !config.routes.some(catchesAll);

/**
 * The configuration `npm start` runs: every event that no route of the configuration takes goes
 * to the local demo target at `url`, so that a new user sees deliveries, failures and replays
 * without writing a server (the shipped configuration's routes only send messages). A
 * configuration with a catch-all route of its own is left as it is. A deploy never passes the
 * context, so no deployed stack has this route.
 */
export const withLocalDemoRoute = (config: RelayFlowConfig, url: string): RelayFlowConfig =>
  !needsLocalDemoRoute(config)
    ? config
    : {
        ...config,
        routes: [
          ...config.routes,
          RouteSchema.parse({
            match: { type: '*' },
            // A short half-open time lets the demo outage end visibly within seconds.
            targets: [{ kind: 'http', id: 'demo', url, circuitHalfOpenAfterMs: 5_000 }],
          }),
        ],
      };

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(formatConfigProblems(source, problems));
    this.name = 'ConfigError';
  }
}

/** {@link checkConfig} for callers that want the configuration or one {@link ConfigError}. */
export const parseConfig = (input: unknown, source = 'inline'): RelayFlowConfig => {
  const check = checkConfig(input);
  if (!check.ok) throw new ConfigError(source, check.problems);
  return check.config;
};

/** {@link checkConfigFile} for callers that want the configuration or one {@link ConfigError}. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): RelayFlowConfig => {
  const check = checkConfigFile(env, cwd);
  if (!check.ok) throw new ConfigError(check.source, check.problems);
  return check.config;
};
