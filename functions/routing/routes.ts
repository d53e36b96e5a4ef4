import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { evaluateFilter, FilterSchema, type Filter, type FilterResult } from '#shared/routing/filters';
import { GLOB_STARS_MESSAGE, globMatches, MAX_GLOB_STARS, starsIn } from '#shared/routing/glob';
import { retryOnProblem } from '#shared/routing/retry-classes';
import { CHANNELS } from '#shared/channels/contract';

const nonEmpty = () => z.string().check(z.minLength(1));
const TARGET_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/*
 * The one route schema: lib/config.ts checks the configuration's `routes` with it, and the
 * consumer checks its ROUTES environment variable (that output, defaults applied) with it again
 * at cold start. Strict objects, so that a misspelt key is refused rather than ignored.
 */

/** Names the target in completion records and metrics. @default derived from kind and address */
const targetId = () => z.optional(z.string().check(z.regex(TARGET_ID)));

/**
 * `dry-run`: everything up to the side effect runs, and the event's timeline records what would
 * have been done instead (decision 0049). Optional with no default, so that the parsed routes
 * (and the consumer's ROUTES variable) stay as they were for routes that do not use it.
 * @default live
 */
const mode = () => z.optional(z.enum(['live', 'dry-run']));

/** SQS refuses a visibility timeout beyond 12 hours, so no backoff can be longer. */
const MAX_BACKOFF_SECONDS = 43_200;

/**
 * A route's or a target's retry policy (issue 18). Each field left out comes from the route, then
 * from the top-level `retry`. `retryOn` narrows which retryable target failures are retried: a
 * class not in it dead-letters at once. It never makes a permanent failure retryable.
 */
export const RetryPolicySchema = z
  .strictObject({
    maxAttempts: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1000))),
    backoffBaseSeconds: z.optional(z.number().check(z.int(), z.gte(0), z.lte(MAX_BACKOFF_SECONDS))),
    backoffMaxSeconds: z.optional(z.number().check(z.int(), z.gte(0), z.lte(MAX_BACKOFF_SECONDS))),
    /** Error classes (`http-5xx`, `http-429`, `timeout`, `network`, `eventbridge-*`, …). */
    retryOn: z.optional(
      z.array(
        z.string().check(
          z.superRefine((entry, ctx) => {
            const problem = retryOnProblem(entry);
            if (problem) ctx.issues.push({ code: 'custom', input: entry, message: problem });
          }),
        ),
      ),
    ),
  })
  .check(
    z.superRefine(
      (policy, ctx) => {
        const { backoffBaseSeconds: base, backoffMaxSeconds: max } = policy;
        if (typeof base === 'number' && typeof max === 'number' && max < base)
          ctx.issues.push({
            code: 'custom',
            input: policy,
            path: ['backoffMaxSeconds'],
            message: `must be at least backoffBaseSeconds (${base})`,
          });
      },
      // Also when another field failed (a bad retryOn entry), so that one run lists every problem.
      { when: ({ value }) => typeof value === 'object' && value !== null },
    ),
  );
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

/** Optional with no default, so that routes that do not use it parse as they did. */
const retry = () => z.optional(RetryPolicySchema);

/**
 * A JSONata expression over the IntegrationEvent whose result the target sends instead of the
 * event (http: the JSON body; eventbridge: the detail). Compiled at synth (lib/config.ts).
 * @default the whole event
 */
const transform = () => z.optional(nonEmpty());

const HttpTargetSchema = z.strictObject({
  kind: z.literal('http'),
  id: targetId(),
  mode: mode(),
  retry: retry(),
  /** Receives the IntegrationEvent as JSON, signed per Standard Webhooks. */
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }),
  transform: transform(),
  timeoutMs: z._default(z.number().check(z.int(), z.gte(100), z.lte(25_000)), 5000),
  /**
   * Requests per second to this target from all consumer instances together (a limit kept in the
   * event table, decision 0051); the target's Retry-After and X-RateLimit-* headers slow it further.
   * Each delivery costs one write to keep it; `false` sends without a shared limit, and a
   * target's request to slow down then holds only the consumer instance that got it.
   */
  rateLimitPerSecond: z._default(z.union([z.number().check(z.positive()), z.literal(false)]), 50),
  /** Consecutive failures that open the circuit; it half-opens after `circuitHalfOpenAfterMs`. */
  circuitBreakerThreshold: z._default(z.number().check(z.int(), z.gte(1)), 5),
  circuitHalfOpenAfterMs: z._default(z.number().check(z.int(), z.gte(100)), 30_000),
  /**
   * Disable the target after it failed this often (decision 0053): its events are HELD as under a
   * pause, an alarm fires, and `relayflow resume target <id>` brings it back. Absent: never.
   */
  autoDisable: z.optional(
    z.strictObject({
      /** Failures in a row, as one consumer instance sees them. */
      consecutiveFailures: z._default(z.number().check(z.int(), z.gte(2), z.lte(1000)), 20),
      /** Or this share of failed calls (0–1) over the window, once `minCalls` were made in it. */
      failureRate: z.optional(
        z.strictObject({
          threshold: z.number().check(z.gt(0), z.lte(1)),
          windowSeconds: z._default(z.number().check(z.int(), z.gte(10), z.lte(3600)), 300),
          minCalls: z._default(z.number().check(z.int(), z.gte(1)), 20),
        }),
      ),
    }),
  ),
});

const EventBridgeTargetSchema = z.strictObject({
  kind: z.literal('eventbridge'),
  id: targetId(),
  mode: mode(),
  retry: retry(),
  /** Event bus name or ARN. @default the account's default bus */
  eventBusName: z._default(nonEmpty(), 'default'),
  transform: transform(),
});

const WorkflowTargetSchema = z.strictObject({
  kind: z.literal('workflow'),
  id: targetId(),
  mode: mode(),
  retry: retry(),
  /** A workflow exported by functions/workflows/index.ts. */
  name: nonEmpty(),
});

/**
 * A message through a channel adapter (docs/channels.md): `to` and the content are Mustache
 * templates over the IntegrationEvent (`{{data.customer.email}}`), given inline as `content` or
 * by name from functions/channels/templates/index.ts as `template`; exactly one of the two.
 */
const MessageTargetSchema = z.strictObject({
  kind: z.literal('message'),
  id: targetId(),
  mode: mode(),
  retry: retry(),
  channel: z.enum(CHANNELS),
  /** The adapter: `postmark`, `sendgrid`, `mailgun`, `ses`, `twilio`, `fcm`, `webhook`. */
  via: nonEmpty(),
  to: nonEmpty(),
  template: z.optional(nonEmpty()),
  /** Per channel: `{ subject, text?, html? }`, `{ body }`, `{ title, body?, data? }` or `{ payload }`. */
  content: z.optional(z.record(z.string(), z.unknown())),
  /** Carried to the provider where it takes custom fields; each value a template. */
  metadata: z.optional(z.record(z.string(), nonEmpty())),
  /**
   * What a retry does when an earlier call's outcome is unknown and the provider cannot be asked:
   * `hold` marks the message UNCERTAIN for an operator (never a silent resend); `resend` sends again.
   */
  onUncertain: z._default(z.enum(['hold', 'resend']), 'hold'),
});

export const TargetSchema = z.discriminatedUnion('kind', [
  HttpTargetSchema,
  EventBridgeTargetSchema,
  WorkflowTargetSchema,
  MessageTargetSchema,
]);

export const RouteSchema = z.strictObject({
  /** Names the route for `relayflow pause route <id>`. @default `route-<position from 1>` */
  id: targetId(),
  match: z.strictObject({
    tenant: z.optional(nonEmpty()),
    provider: z.optional(nonEmpty()),
    /** Canonical type or a glob: `payment.*`, `*`. */
    type: z.string().check(
      z.regex(/^[A-Za-z0-9_.*-]+$/, 'a type or a glob of letters, digits, ".", "_", "-" and "*"'),
      z.refine((glob) => starsIn(glob) <= MAX_GLOB_STARS, GLOB_STARS_MESSAGE),
    ),
    /** Conditions on the event's fields (functions/routing/filters.ts); a route whose filter fails is skipped. */
    filter: z.optional(FilterSchema),
  }),
  targets: z.array(TargetSchema).check(z.minLength(1)),
  /** What an event older than its entity's newest applied event does. */
  onStale: z._default(z.enum(['skip', 'apply']), 'apply'),
  /** `dry-run` makes every target of the route a dry run. */
  mode: mode(),
  /** The route's retry policy; each target's own overrides it field by field. */
  retry: retry(),
});

export const RoutesSchema = z.array(RouteSchema);

type TargetInput = z.infer<typeof TargetSchema>;
/**
 * A target with its id resolved: the id names its completion record and its downstream key. Its
 * `mode` is `dry-run` when the target or its route says so.
 */
export type Target = TargetInput & { readonly id: string };
export type HttpTarget = Extract<Target, { kind: 'http' }>;
export type EventBridgeTarget = Extract<Target, { kind: 'eventbridge' }>;
export type WorkflowTarget = Extract<Target, { kind: 'workflow' }>;
export type MessageTarget = Extract<Target, { kind: 'message' }>;

export interface RouteMatch {
  readonly tenant?: string;
  readonly provider?: string;
  readonly type: string;
  readonly filter?: Filter;
}

export interface Route {
  readonly index: number;
  /** The configured id, or `route-<index + 1>`. */
  readonly id: string;
  readonly match: RouteMatch;
  readonly targets: readonly Target[];
  readonly onStale: 'skip' | 'apply';
  readonly mode: 'live' | 'dry-run';
  readonly retry?: RetryPolicy;
}

const shortHash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 8);

/**
 * The default id of a target: readable, stable while its address does not change, and within
 * the 64 characters of a configured id. Changing a target's address changes its id, so a retry
 * after a reconfiguration delivers to the new address rather than skipping it.
 */
export const targetIdOf = (target: TargetInput): string => {
  if (target.id) return target.id;
  switch (target.kind) {
    case 'http':
      return `http:${new URL(target.url).host.slice(0, 40)}:${shortHash(target.url)}`;
    case 'eventbridge': {
      const name = target.eventBusName.split('/').pop() ?? target.eventBusName;
      return `eventbridge:${name.slice(0, 40)}:${shortHash(target.eventBusName)}`;
    }
    case 'workflow':
      return `workflow:${target.name}`.slice(0, 64);
    case 'message':
      return `message:${target.channel}:${target.via.slice(0, 30)}:${shortHash(JSON.stringify([target.to, target.template, target.content]))}`;
  }
};

export interface TargetProblem {
  /** Where in the route, e.g. `['targets', 1, 'id']`. */
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export interface RouteProblem extends TargetProblem {
  readonly route: number;
}

/**
 * What is wrong with one route's targets: a workflow nobody exports, two targets with the same
 * id (their completion records would collide). An `undefined` entry is a target that failed its
 * own schema: it is skipped, and the others keep their positions in the paths.
 */
export const targetProblems = (
  targets: readonly (TargetInput | undefined)[],
  knownWorkflows: ReadonlySet<string>,
): TargetProblem[] => {
  const problems: TargetProblem[] = [];
  const ids = targets.map((target) => (target === undefined ? undefined : targetIdOf(target)));
  targets.forEach((target, index) => {
    if (target === undefined) return;
    const id = ids[index];
    if (ids.indexOf(id) !== index)
      problems.push({
        path: target.id === undefined ? ['targets', index] : ['targets', index, 'id'],
        message: `two targets share the id "${id}"; give them distinct ids`,
      });
    if (target.kind === 'workflow' && !knownWorkflows.has(target.name))
      problems.push({
        path: ['targets', index, 'name'],
        message: `workflow "${target.name}" does not exist (known: ${[...knownWorkflows].join(', ') || 'none'})`,
      });
  });
  return problems;
};

/** Resolves target ids and lists what is wrong with each route's targets. */
export const resolveRoutes = (
  routes: z.infer<typeof RoutesSchema>,
  knownWorkflows: ReadonlySet<string>,
): { routes: Route[]; problems: RouteProblem[] } => ({
  routes: routes.map((route, index) => {
    const routeMode = route.mode ?? 'live';
    return {
      index,
      id: route.id ?? `route-${index + 1}`,
      match: route.match,
      targets: route.targets.map((target) => ({
        ...target,
        id: targetIdOf(target),
        // A dry-run route keeps every target from calling out, whatever the target says.
        ...(routeMode === 'dry-run' ? { mode: routeMode } : {}),
      })),
      onStale: route.onStale,
      mode: routeMode,
      ...(route.retry ? { retry: route.retry } : {}),
    };
  }),
  problems: routes.flatMap((route, index) =>
    targetProblems(route.targets, knownWorkflows).map((problem) => ({ route: index, ...problem })),
  ),
});

/** What a route matches on; a filter reads any other field of the event. */
export interface Routable {
  readonly tenant: string;
  readonly provider: string;
  readonly type: string;
}

/** Whether a route's match fits an event, and when it does not, why: the first part that fails. */
export const matchResult = (match: RouteMatch, event: Routable): FilterResult => {
  if (match.tenant !== undefined && match.tenant !== event.tenant)
    return { matched: false, why: `tenant is ${event.tenant}, not ${match.tenant}` };
  if (match.provider !== undefined && match.provider !== event.provider)
    return { matched: false, why: `provider is ${event.provider}, not ${match.provider}` };
  if (!globMatches(match.type, event.type))
    return { matched: false, why: `type ${event.type} does not match ${match.type}` };
  return match.filter ? evaluateFilter(match.filter, event) : { matched: true };
};

/** The first route whose match (filter included) fits an event wins. */
export class Router {
  constructor(private readonly routes: readonly Route[]) {}

  match(event: Routable): Route | undefined {
    return this.routes.find(({ match }) => matchResult(match, event).matched);
  }
}
