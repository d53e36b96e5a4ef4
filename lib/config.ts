import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { z } from 'zod';
import {
  resolveProvider,
  UNSIGNED_IDENTITY_WARNING,
  type ProviderDeclaration,
} from '../functions/providers/registry';
import { formatIssue, type EntityOverride, type ProviderKind } from '../functions/providers/types';
import { RouteSchema, type TargetSchema } from '../functions/routing/routes';

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

/** A provider's route throttle when neither it nor `api` sets one (docs/decisions/0035-flood-isolation.md). */
const ROUTE_THROTTLE_DEFAULTS = { rateLimit: 50, burstLimit: 100 } as const;

const tenant = z
  .object({
    id: z.string().regex(TENANT_ID, 'lower-case letters, digits and dashes, at most 63'),
    /**
     * Give this tenant its own secret per provider. `false` shares the provider's secret, so a
     * delivery signed for one tenant is also accepted at another tenant's URL (a synth warning).
     */
    dedicatedSecrets: z.boolean().default(true),
  })
  .strict();

export const RelayFlowConfigSchema = z
  .object({
    /** CloudFormation stack name; the CLI finds everything through it. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
      .default('RelayFlow'),
    /** `dev` stacks destroy their data on delete; `prod` stacks retain it. */
    stage: z.enum(['dev', 'prod']).default('prod'),
    /** Public base URL providers call (custom domain or API URL); URL-signed providers need it. */
    publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
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
    /** Enabled built-in providers and their options. */
    providers: z.record(z.string(), providerCommon).default({}),
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
    /** Where processed events go: the first matching route wins (schema: functions/routing/routes.ts). */
    routes: z.array(RouteSchema).default([]),
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

export type RouteConfig = z.output<typeof RouteSchema>;
export type RouteTargetConfig = z.output<typeof TargetSchema>;

export type RelayFlowConfigInput = z.input<typeof RelayFlowConfigSchema>;
type ParsedConfig = z.output<typeof RelayFlowConfigSchema>;

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

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid RelayFlow configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Typed helper for `relayflow.config.ts`. */
export const defineConfig = (config: RelayFlowConfigInput): RelayFlowConfigInput => config;

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
  path: string,
  limits: z.output<typeof verifierLimits> | undefined,
  api: ParsedConfig['api'],
  problems: string[],
): VerifierLimits => {
  const routeLimit = (field: keyof typeof ROUTE_LIMIT_FIELDS): number => {
    const { fallback, ceiling } = ROUTE_LIMIT_FIELDS[field];
    const own = limits?.[field];
    const configured = own ?? api[fallback];
    if (configured === undefined) return Math.min(ROUTE_THROTTLE_DEFAULTS[field], api[ceiling]);
    if (configured > api[ceiling]) {
      const source = own === undefined ? `api.${fallback}` : `${path}.limits.${field}`;
      problems.push(`${source}: ${configured} exceeds the stage's api.${ceiling} (${api[ceiling]})`);
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

/** Validates a raw configuration object; throws one {@link ConfigError} listing every problem. */
export const parseConfig = (input: unknown, source = 'inline'): RelayFlowConfig => {
  const parsed = RelayFlowConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new ConfigError(
      source,
      parsed.error.issues.map((i) => formatIssue([], i)),
    );
  const { providers, genericHmac, ...rest } = parsed.data;
  const problems: string[] = [];
  const enabledProviders: EnabledProvider[] = [];

  /** Resolves one declared provider through the registry, as its verifier will at cold start. */
  const enable = (
    section: string,
    declaration: ProviderDeclaration,
    limits: z.output<typeof verifierLimits> | undefined,
  ) => {
    const path = `${section}.${declaration.id}`;
    const resolved = resolveProvider(declaration);
    if (!resolved.success) {
      problems.push(...resolved.issues.map((i) => formatIssue([section, declaration.id], i)));
      return;
    }
    const { id, kind, options, entityOverride, signsPublicUrl, warnings } = resolved.data;
    if (signsPublicUrl && !rest.publicBaseUrl)
      problems.push(`${path}: needs publicBaseUrl, because ${id} signs the public URL`);
    enabledProviders.push({
      id,
      kind,
      options: { ...options, ...(entityOverride ? { entity: entityOverride } : {}) },
      limits: resolveLimits(path, limits, rest.api, problems),
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
      problems.push(...limits.error.issues.map((i) => formatIssue(['genericHmac', id, 'limits'], i)));
    enable('genericHmac', { id, kind: 'generic-hmac', options }, limits.data);
  }

  const tenantIds = rest.tenants.map((t) => t.id);
  const duplicate = tenantIds.find((t, i) => tenantIds.indexOf(t) !== i);
  if (duplicate) problems.push(`tenants: "${duplicate}" is listed twice`);
  if (rest.retry.backoffMaxSeconds < rest.retry.backoffBaseSeconds) {
    problems.push('retry.backoffMaxSeconds: must be at least retry.backoffBaseSeconds');
  }
  if (enabledProviders.length === 0 && problems.length === 0) {
    problems.push('providers: enable at least one provider (or one genericHmac sender)');
  }
  // A default above the stage ceiling is reported once, not once per provider.
  if (problems.length > 0) throw new ConfigError(source, [...new Set(problems)]);
  return { ...rest, enabledProviders };
};

/**
 * Loads the configuration named by `RELAYFLOW_CONFIG` (a `.ts`, `.js` or `.json` file), else
 * `relayflow.config.ts` in the working directory.
 */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): RelayFlowConfig => {
  const source = resolve(cwd, env.RELAYFLOW_CONFIG ?? 'relayflow.config.ts');
  if (!existsSync(source)) throw new ConfigError(source, ['file not found']);
  let input: unknown;
  try {
    if (extname(source) === '.json') {
      input = JSON.parse(readFileSync(source, 'utf8')) as unknown;
    } else {
      // A synchronous load: the CDK app and the tools read the configuration before anything else runs.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(source) as { default?: unknown; config?: unknown };
      input = mod.default ?? mod.config;
    }
  } catch (error) {
    throw new ConfigError(source, [`cannot be read: ${(error as Error).message}`]);
  }
  return parseConfig(input, source);
};
