import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { GLOB_STARS_MESSAGE, globMatches, MAX_GLOB_STARS, starsIn } from '#shared/routing/glob';

const nonEmpty = () => z.string().check(z.minLength(1));
const TARGET_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Route targets as the consumer receives them: the output of lib/config.ts (defaults applied),
 * serialized into the ROUTES environment variable and checked again at cold start.
 */
const HttpTargetSchema = z.object({
  kind: z.literal('http'),
  id: z.optional(z.string().check(z.regex(TARGET_ID))),
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z._default(z.number().check(z.int(), z.gte(100), z.lte(25_000)), 5000),
  rateLimitPerSecond: z._default(z.number().check(z.positive()), 50),
  circuitBreakerThreshold: z._default(z.number().check(z.int(), z.gte(1)), 5),
  circuitHalfOpenAfterMs: z._default(z.number().check(z.int(), z.gte(100)), 30_000),
});

const EventBridgeTargetSchema = z.object({
  kind: z.literal('eventbridge'),
  id: z.optional(z.string().check(z.regex(TARGET_ID))),
  eventBusName: z._default(nonEmpty(), 'default'),
});

const WorkflowTargetSchema = z.object({
  kind: z.literal('workflow'),
  id: z.optional(z.string().check(z.regex(TARGET_ID))),
  name: nonEmpty(),
});

const TargetSchema = z.discriminatedUnion('kind', [HttpTargetSchema, EventBridgeTargetSchema, WorkflowTargetSchema]);

const RouteSchema = z.object({
  match: z.object({
    tenant: z.optional(nonEmpty()),
    provider: z.optional(nonEmpty()),
    type: z.string().check(
      z.regex(/^[A-Za-z0-9_.*-]+$/),
      z.refine((glob) => starsIn(glob) <= MAX_GLOB_STARS, GLOB_STARS_MESSAGE),
    ),
  }),
  targets: z.array(TargetSchema).check(z.minLength(1)),
  onStale: z._default(z.enum(['skip', 'apply']), 'apply'),
});

export const RoutesSchema = z.array(RouteSchema);

type TargetInput = z.infer<typeof TargetSchema>;
/** A target with its id resolved: the id names its completion record and its downstream key. */
export type Target = TargetInput & { readonly id: string };
export type HttpTarget = Extract<Target, { kind: 'http' }>;
export type EventBridgeTarget = Extract<Target, { kind: 'eventbridge' }>;
export type WorkflowTarget = Extract<Target, { kind: 'workflow' }>;

export interface Route {
  readonly index: number;
  readonly match: { readonly tenant?: string; readonly provider?: string; readonly type: string };
  readonly targets: readonly Target[];
  readonly onStale: 'skip' | 'apply';
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
  }
};

export interface RouteProblem {
  readonly route: number;
  readonly message: string;
}

/**
 * Resolves target ids and lists what is wrong: a workflow nobody exports, two targets of one
 * route with the same id (their completion records would collide).
 */
export const resolveRoutes = (
  routes: z.infer<typeof RoutesSchema>,
  knownWorkflows: ReadonlySet<string>,
): { routes: Route[]; problems: RouteProblem[] } => {
  const problems: RouteProblem[] = [];
  const resolved = routes.map((route, index): Route => {
    const targets = route.targets.map((target) => ({ ...target, id: targetIdOf(target) }));
    const ids = targets.map((t) => t.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) problems.push({ route: index, message: `two targets share the id "${duplicate}"; give them distinct ids` });
    for (const target of targets) {
      if (target.kind === 'workflow' && !knownWorkflows.has(target.name)) {
        problems.push({
          route: index,
          message: `workflow "${target.name}" does not exist (known: ${[...knownWorkflows].join(', ') || 'none'})`,
        });
      }
    }
    return { index, match: route.match, targets, onStale: route.onStale };
  });
  return { routes: resolved, problems };
};

/** The first route whose match fits an event wins. */
export class Router {
  constructor(private readonly routes: readonly Route[]) {}

  match(event: { readonly tenant: string; readonly provider: string; readonly type: string }): Route | undefined {
    return this.routes.find(
      ({ match }) =>
        (match.tenant === undefined || match.tenant === event.tenant) &&
        (match.provider === undefined || match.provider === event.provider) &&
        globMatches(match.type, event.type),
    );
  }
}
