import * as z from 'zod/mini';

/**
 * Payload filters on a route's match (issue 18): conditions over the IntegrationEvent's fields by
 * dot path (`data.amount`, `entity.kind`, `tenant`), combined with `and`, `or` and `not`. A route
 * whose filter does not hold for an event is skipped, and the next route is tried.
 */

/** A value a filter compares with: JSON scalars only, so that equality needs no deep comparison. */
export type FilterValue = string | number | boolean | null;

/** The numeric comparisons, named as written in the configuration. */
export const COMPARISONS = ['>', '>=', '<', '<='] as const;
type Comparison = (typeof COMPARISONS)[number];

export type Condition =
  | { readonly path: string; readonly equals: FilterValue }
  | { readonly path: string; readonly in: readonly FilterValue[] }
  | { readonly path: string; readonly exists: boolean }
  | { readonly path: string; readonly prefix: string }
  | ({ readonly path: string } & { readonly [op in Comparison]?: number });

export type Filter =
  | { readonly and: readonly Filter[] }
  | { readonly or: readonly Filter[] }
  | { readonly not: Filter }
  | Condition;

const OPERATORS = ['equals', 'in', 'exists', 'prefix', ...COMPARISONS] as const;
type Operator = (typeof OPERATORS)[number];
const COMBINATORS = ['and', 'or', 'not'] as const;

/**
 * The IntegrationEvent's fields a path may start with, and whether it may go deeper: `data` is
 * the provider's payload, any shape; `entity` has `kind` and `id`; the rest are scalars.
 */
const EVENT_FIELDS: Readonly<Record<string, 'scalar' | 'entity' | 'any'>> = {
  specVersion: 'scalar',
  id: 'scalar',
  idempotencyKey: 'scalar',
  tenant: 'scalar',
  provider: 'scalar',
  type: 'scalar',
  providerType: 'scalar',
  externalId: 'scalar',
  entity: 'entity',
  occurredAt: 'scalar',
  receivedAt: 'scalar',
  correlationId: 'scalar',
  causationId: 'scalar',
  depth: 'scalar',
  data: 'any',
};

/** A filter nested deeper than this is refused: it is a mistake, and the evaluator recurses. */
const MAX_DEPTH = 8;

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): value is FilterValue =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** What is wrong with a dot path, or undefined when it names a field an event can have. */
export const pathProblem = (path: string): string | undefined => {
  const segments = path.split('.');
  if (segments.some((segment) => segment === ''))
    return `"${path}" is not a dot path (e.g. data.amount, entity.kind)`;
  const [field = '', ...rest] = segments;
  const kind = EVENT_FIELDS[field];
  if (!kind)
    return `"${field}" is not a field of the event (fields: ${Object.keys(EVENT_FIELDS).join(', ')})`;
  if (kind === 'scalar' && rest.length > 0)
    return `"${field}" holds a single value: "${path}" reaches into nothing`;
  if (kind === 'entity' && (rest.length !== 1 || !['kind', 'id'].includes(rest[0] ?? '')))
    return `"${path}": the entity has entity.kind and entity.id`;
  if (kind === 'any' && rest.length === 0)
    return '"data" is the whole payload: name a field in it (data.<field>)';
  return undefined;
};

export interface FilterProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Every problem of a filter, each at its place in it; empty when it is valid. */
export const filterProblems = (
  filter: unknown,
  at: readonly PropertyKey[] = [],
  depth = 0,
): FilterProblem[] => {
  if (depth > MAX_DEPTH) return [{ path: at, message: `nested more than ${MAX_DEPTH} deep` }];
  if (!isRecord(filter))
    return [{ path: at, message: 'must be an object: a condition on a path, or and / or / not' }];
  const keys = Object.keys(filter);
  const combinator = COMBINATORS.find((c) => keys.includes(c));
  if (combinator) {
    if (keys.length !== 1)
      return [
        {
          path: at,
          message: `"${combinator}" stands alone: move ${keys.filter((k) => k !== combinator).join(', ')} into it`,
        },
      ];
    const inner = filter[combinator];
    if (combinator === 'not') return filterProblems(inner, [...at, 'not'], depth + 1);
    if (!Array.isArray(inner) || inner.length === 0)
      return [{ path: [...at, combinator], message: 'must be a non-empty list of filters' }];
    return inner.flatMap((entry, index) => filterProblems(entry, [...at, combinator, index], depth + 1));
  }
  const problems: FilterProblem[] = [];
  if (typeof filter.path !== 'string')
    problems.push({ path: [...at, 'path'], message: 'needs a dot path into the event' });
  else {
    const problem = pathProblem(filter.path);
    if (problem) problems.push({ path: [...at, 'path'], message: problem });
  }
  const operators = keys.filter((key) => key !== 'path');
  const unknown = operators.filter((key) => !(OPERATORS as readonly string[]).includes(key));
  for (const key of unknown)
    problems.push({
      path: [...at, key],
      message: `unknown operator "${key}" (operators: ${OPERATORS.join(', ')}, or and / or / not)`,
    });
  const known = operators.filter((key): key is Operator => (OPERATORS as readonly string[]).includes(key));
  if (known.length !== 1 && unknown.length === 0)
    problems.push({
      path: at,
      message:
        known.length === 0
          ? `needs one operator (${OPERATORS.join(', ')})`
          : `has ${known.join(', ')}: one operator per condition, combine them with and`,
    });
  for (const op of known) {
    const value = filter[op];
    const bad = (message: string) => problems.push({ path: [...at, op], message });
    switch (op) {
      case 'equals':
        if (!isScalar(value)) bad('must be a string, number, boolean or null');
        break;
      case 'in':
        if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar))
          bad('must be a non-empty list of strings, numbers, booleans or null');
        break;
      case 'exists':
        if (typeof value !== 'boolean') bad('must be true or false');
        break;
      case 'prefix':
        if (typeof value !== 'string' || value === '') bad('must be a non-empty string');
        break;
      default:
        if (typeof value !== 'number' || !Number.isFinite(value)) bad('must be a finite number');
    }
  }
  return problems;
};

/** The route schema's `match.filter`: every problem reported at its place in the filter. */
export const FilterSchema = z.custom<Filter>().check(
  z.superRefine((filter, ctx) => {
    for (const problem of filterProblems(filter))
      ctx.issues.push({ code: 'custom', input: filter, path: [...problem.path], message: problem.message });
  }),
);

/** The value at a dot path of the event; undefined when the path leads nowhere. Own fields only. */
export const valueAt = (event: unknown, path: string): unknown => {
  let current: unknown = event;
  for (const segment of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (isRecord(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
};

/** Whether a filter holds, and when it does not, why (what `relayflow route test` shows). */
export type FilterResult = { readonly matched: true } | { readonly matched: false; readonly why: string };

const MATCHED: FilterResult = { matched: true };
const show = (value: unknown) => (value === undefined ? 'missing' : JSON.stringify(value));

const holds = (condition: Condition, value: unknown): boolean => {
  if ('equals' in condition) return value === condition.equals;
  if ('in' in condition) return condition.in.some((candidate) => candidate === value);
  if ('exists' in condition) return (value !== undefined) === condition.exists;
  if ('prefix' in condition) return typeof value === 'string' && value.startsWith(condition.prefix);
  // A comparison holds only for a number: a string "10" is not compared, lest "9" > "10".
  if (typeof value !== 'number') return false;
  const { '>': above, '>=': atLeast, '<': below, '<=': atMost } = condition;
  if (above !== undefined) return value > above;
  if (atLeast !== undefined) return value >= atLeast;
  if (below !== undefined) return value < below;
  return atMost !== undefined && value <= atMost;
};

const describe = (condition: Condition): string => {
  const op = Object.keys(condition).find((key) => key !== 'path') ?? '';
  return `${condition.path} ${op} ${JSON.stringify((condition as Record<string, unknown>)[op])}`;
};

/** Evaluates a filter on an event: pure, and total for any event (a missing path is `undefined`). */
export const evaluateFilter = (filter: Filter, event: unknown): FilterResult => {
  if ('and' in filter) {
    for (const inner of filter.and) {
      const result = evaluateFilter(inner, event);
      if (!result.matched) return result;
    }
    return MATCHED;
  }
  if ('or' in filter) {
    const failed: string[] = [];
    for (const inner of filter.or) {
      const result = evaluateFilter(inner, event);
      if (result.matched) return MATCHED;
      failed.push(result.why);
    }
    return { matched: false, why: `none of: ${failed.join('; ')}` };
  }
  if ('not' in filter)
    return evaluateFilter(filter.not, event).matched
      ? { matched: false, why: `not (${describeFilter(filter.not)}) failed: it holds` }
      : MATCHED;
  const value = valueAt(event, filter.path);
  return holds(filter, value)
    ? MATCHED
    : { matched: false, why: `${describe(filter)} does not hold (${filter.path} is ${show(value)})` };
};

/** A filter as one line, as configured. */
export const describeFilter = (filter: Filter): string => {
  if ('and' in filter) return `(${filter.and.map(describeFilter).join(' and ')})`;
  if ('or' in filter) return `(${filter.or.map(describeFilter).join(' or ')})`;
  if ('not' in filter) return `not (${describeFilter(filter.not)})`;
  return describe(filter);
};
