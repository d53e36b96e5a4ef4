/**
 * HTTP API route keys and route selection.
 *
 * AWS (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html)
 * picks the most specific match: a full match of route and method first, then a route with a
 * greedy path variable (`{proxy+}`), then `$default`. Between candidates we compare segment by
 * segment (a literal beats `{var}`, which beats `{var+}`), then a named method beats `ANY`.
 * A greedy variable needs at least one segment: `/{proxy+}` does not match `/`.
 */

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

export interface ParsedRoute<T> {
  readonly routeKey: string;
  readonly method: string | undefined;
  readonly segments: readonly Segment[] | undefined;
  readonly target: T;
}

export interface RouteMatch<T> {
  readonly route: ParsedRoute<T>;
  readonly pathParameters: Readonly<Record<string, string>> | undefined;
}

export function parseRoute<T>(routeKey: string, target: T): ParsedRoute<T> {
  if (routeKey === '$default') return { routeKey, method: undefined, segments: undefined, target };
  const match = /^([A-Z]+) (\/.*)$/.exec(routeKey);
  const method = match?.[1];
  const path = match?.[2];
  if (method === undefined || path === undefined || !METHODS.has(method)) {
    throw new Error(`Invalid route key '${routeKey}': expected '$default' or '<METHOD> /<path>'`);
  }
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const segments = parts.map((part, index): Segment => {
    const variable = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(part);
    if (variable === null) {
      if (part.includes('{') || part.includes('}'))
        throw new Error(`Invalid route key '${routeKey}': a path variable must be a whole segment`);
      return { kind: 'literal', value: part };
    }
    const name = variable[1] ?? '';
    if (variable[2] === '+') {
      if (index !== parts.length - 1)
        throw new Error(`Invalid route key '${routeKey}': a greedy path variable must be last`);
      return { kind: 'greedy', name };
    }
    return { kind: 'variable', name };
  });
  return { routeKey, method, segments, target };
}

const RANK = { literal: 2, variable: 1, greedy: 0 } as const;

function matchSegments(
  segments: readonly Segment[],
  pathSegments: readonly string[],
): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const actual = pathSegments[index];
    if (segment.kind === 'greedy') {
      const rest = pathSegments.slice(index);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      parameters[segment.name] = rest.join('/');
      return parameters;
    }
    if (actual === undefined) return undefined;
    if (segment.kind === 'literal' && segment.value !== actual) return undefined;
    if (segment.kind === 'variable') {
      if (actual === '') return undefined;
      parameters[segment.name] = actual;
    }
  }
  return segments.length === pathSegments.length ? parameters : undefined;
}

function compareSpecificity<T>(a: ParsedRoute<T>, b: ParsedRoute<T>): number {
  const aSegments = a.segments ?? [];
  const bSegments = b.segments ?? [];
  for (let index = 0; index < Math.max(aSegments.length, bSegments.length); index += 1) {
    const aSegment = aSegments[index];
    const bSegment = bSegments[index];
    const aRank = aSegment === undefined ? -1 : RANK[aSegment.kind];
    const bRank = bSegment === undefined ? -1 : RANK[bSegment.kind];
    if (aRank !== bRank) return bRank - aRank;
  }
  return (a.method === 'ANY' ? 1 : 0) - (b.method === 'ANY' ? 1 : 0);
}

export class RouteTable<T> {
  private readonly routes: readonly ParsedRoute<T>[];
  private readonly fallback: ParsedRoute<T> | undefined;

  constructor(routes: readonly { routeKey: string; target: T }[]) {
    const parsed = routes.map((route) => parseRoute(route.routeKey, route.target));
    const keys = new Set<string>();
    for (const route of parsed) {
      if (keys.has(route.routeKey)) throw new Error(`Duplicate route key '${route.routeKey}'`);
      keys.add(route.routeKey);
    }
    this.routes = parsed.filter((route) => route.segments !== undefined).sort(compareSpecificity);
    this.fallback = parsed.find((route) => route.segments === undefined);
  }

  /** `decodedSegments` are the request path's segments, each percent-decoded. */
  match(method: string, decodedSegments: readonly string[]): RouteMatch<T> | undefined {
    for (const route of this.routes) {
      if (route.method !== 'ANY' && route.method !== method) continue;
      const parameters = matchSegments(route.segments ?? [], decodedSegments);
      if (parameters !== undefined) {
        return { route, pathParameters: Object.keys(parameters).length > 0 ? parameters : undefined };
      }
    }
    return this.fallback === undefined ? undefined : { route: this.fallback, pathParameters: undefined };
  }
}
