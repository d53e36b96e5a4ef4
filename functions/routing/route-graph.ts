import { INTERNAL_PROVIDER_ID } from '#shared/providers/internal/index';
import { globMatches } from '#shared/routing/glob';

/** What the cycle check reads of a route: the configuration's or the consumer's. */
export interface GraphRoute {
  readonly match: {
    readonly tenant?: string;
    readonly provider?: string;
    readonly type: string;
    /** Only its presence is read: a filtered route may or may not take an emitted event. */
    readonly filter?: unknown;
  };
  readonly targets: readonly {
    readonly kind: string;
    readonly name?: string;
    readonly mode?: 'live' | 'dry-run';
  }[];
  readonly mode?: 'live' | 'dry-run';
}

/** A loop of routes and workflows through the types they emit. */
export interface RouteCycle {
  /** The route the loop is reported at: the first on it, in the configuration's order. */
  readonly route: number;
  /** `a → route[1] → workflow w → b → route[2] → workflow v → a`. */
  readonly path: string;
  /** The tenants whose routes form the loop. */
  readonly tenants: readonly string[];
}

/** One step of a loop: from a type, through the route it takes and a workflow, to an emitted type. */
interface Edge {
  readonly route: number;
  readonly workflow: string;
  readonly to: string;
}

/** Enough loops to fix the configuration by; a tangle of routes could otherwise list hundreds. */
const MAX_CYCLES = 10;

/**
 * Loops in the route graph (decision 0049): a workflow's emitted type (provider `internal`, the
 * tenant of the event that emitted it) takes the first route that matches it, whose live
 * workflows emit further types, and so on. A loop would run for as long as events flow, so the
 * configuration refuses it at synth; `maxCausationDepth` guards at run time what this cannot see.
 * Only types a workflow declares in `emits` can close a loop, so only they are walked. A dry-run
 * route or target runs no workflow step, and so emits nothing. The fields a filter reads are not
 * known until the event is, so a filtered route is taken as possibly matching: it and every later
 * route the type reaches, up to the first without a filter, may take the event.
 */
export const routeCycles = (
  routes: readonly GraphRoute[],
  tenants: readonly string[],
  emitsOf: (workflow: string) => readonly string[] | undefined,
): RouteCycle[] => {
  const found = new Map<string, { route: number; tenants: string[] }>();
  const emitted = [
    ...new Set(
      routes.flatMap((route) =>
        route.targets.flatMap((target) =>
          target.kind === 'workflow' && target.name ? (emitsOf(target.name) ?? []) : [],
        ),
      ),
    ),
  ].sort();

  /** Keeps a loop once, however many tenants or starting points find it. */
  const record = (tenant: string, loop: readonly { type: string; via?: Edge }[]) => {
    // loop[0] and loop[last] are the same type; each later step says how it was reached.
    const steps = loop.slice(1).map((step, i) => ({ from: loop[i]?.type ?? '', via: step.via }));
    const start = steps.reduce((best, step, i) => ((steps[best]?.from ?? '') <= step.from ? best : i), 0);
    const rotated = [...steps.slice(start), ...steps.slice(0, start)];
    const path = [
      ...rotated.flatMap((step) => [
        step.from,
        `route[${step.via?.route}]`,
        `workflow ${step.via?.workflow}`,
      ]),
      rotated[0]?.from ?? '',
    ].join(' → ');
    const route = Math.min(...rotated.map((step) => step.via?.route ?? Number.MAX_SAFE_INTEGER));
    const known = found.get(path);
    if (known) known.tenants.push(tenant);
    else if (found.size < MAX_CYCLES) found.set(path, { route, tenants: [tenant] });
  };

  for (const tenant of tenants) {
    const edgesOf = (type: string): Edge[] => {
      const candidates: number[] = [];
      for (const [route, { match }] of routes.entries()) {
        if (
          (match.tenant === undefined || match.tenant === tenant) &&
          (match.provider === undefined || match.provider === INTERNAL_PROVIDER_ID) &&
          globMatches(match.type, type)
        ) {
          candidates.push(route);
          if (match.filter === undefined) break;
        }
      }
      return candidates.flatMap((route) => {
        const chosen = routes[route];
        if (!chosen || chosen.mode === 'dry-run') return [];
        return chosen.targets.flatMap((target) =>
          target.kind === 'workflow' && target.name && target.mode !== 'dry-run'
            ? (emitsOf(target.name) ?? []).map((to) => ({ route, workflow: target.name ?? '', to }))
            : [],
        );
      });
    };

    const finished = new Set<string>();
    const onPath: { type: string; via?: Edge }[] = [];
    const visit = (type: string, via?: Edge) => {
      const open = onPath.findIndex((step) => step.type === type);
      if (open >= 0) {
        record(tenant, [...onPath.slice(open), { type, via }]);
        return;
      }
      if (finished.has(type)) return;
      onPath.push({ type, via });
      for (const edge of edgesOf(type)) visit(edge.to, edge);
      onPath.pop();
      finished.add(type);
    };
    for (const type of emitted) visit(type);
  }

  return [...found.entries()].map(([path, { route, tenants: on }]) => ({
    route,
    path,
    tenants: [...new Set(on)],
  }));
};
