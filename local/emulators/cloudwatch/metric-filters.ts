import type { MetricValue } from './metrics';

/** One of a metric filter's MetricTransformations, with its dimensions as `name → $.field`. */
export interface MetricTransformation {
  readonly metricName: string;
  readonly metricNamespace: string;
  /** A number, or `$.field` of the matched line. */
  readonly metricValue: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** An `AWS::Logs::MetricFilter`: the lines of one log group it matches, and the metrics it makes of them. */
export interface MetricFilter {
  readonly logGroupName: string;
  readonly filterPattern: string;
  readonly transformations: readonly MetricTransformation[];
}

type Operator = '=' | '!=' | '>' | '<' | '>=' | '<=';
interface Term {
  readonly path: readonly string[];
  readonly operator: Operator;
  /** A string, a number, or `exists` for `*` (the field is there, whatever its value). */
  readonly value: string | number | { readonly exists: true };
}

const FIELD = /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/;
const TERM = /^(\$(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(!=|>=|<=|=|>|<)\s*(\*|"[^"*]*"|-?\d+(?:\.\d+)?)$/;

const pathOf = (selector: string): readonly string[] | undefined =>
  FIELD.exec(selector)?.[1]?.slice(1).split('.');

const read = (record: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>(
    (at, key) =>
      typeof at === 'object' && at !== null && !Array.isArray(at)
        ? (at as Record<string, unknown>)[key]
        : undefined,
    record,
  );

const holds = (term: Term, record: unknown): boolean => {
  const actual = read(record, term.path);
  if (actual === undefined) return false;
  if (typeof term.value === 'object') return term.operator === '=';
  if (typeof term.value === 'string') {
    const equal = typeof actual === 'string' && actual === term.value;
    return term.operator === '=' ? equal : term.operator === '!=' ? !equal : false;
  }
  if (typeof actual !== 'number') return false;
  switch (term.operator) {
    case '=':
      return actual === term.value;
    case '!=':
      return actual !== term.value;
    case '>':
      return actual > term.value;
    case '<':
      return actual < term.value;
    case '>=':
      return actual >= term.value;
    case '<=':
      return actual <= term.value;
  }
};

/**
 * A JSON filter pattern as CloudWatch Logs reads it, for the forms the stack writes: terms
 * `$.field <op> value` (a quoted string, a number, or `*` for "exists") joined by `&&`. Anything
 * else (`||`, parentheses, wildcards inside strings, arrays) is refused when the stack starts
 * rather than matched differently from CloudWatch.
 */
export const compileFilterPattern = (pattern: string): ((record: unknown) => boolean) => {
  const body = /^\{(.*)\}$/s.exec(pattern.trim())?.[1];
  const terms = body?.split('&&').map((part) => {
    const match = TERM.exec(part.trim());
    const path = match?.[1] ? pathOf(match[1]) : undefined;
    if (!match || !path) return undefined;
    const raw = match[3] ?? '';
    const value =
      raw === '*' ? ({ exists: true } as const) : raw.startsWith('"') ? raw.slice(1, -1) : Number(raw);
    return { path, operator: match[2] as Operator, value } satisfies Term;
  });
  if (!terms || terms.some((term) => term === undefined))
    throw new Error(
      `metric filter pattern ${JSON.stringify(pattern)}: the local runtime reads JSON patterns of terms "$.field <op> value" joined by &&, with a quoted string, a number or * as the value`,
    );
  const compiled = terms as Term[];
  return (record) => compiled.every((term) => holds(term, record));
};

/** Checks a filter's transformations the way PutMetricFilter does, so that a bad one fails at start. */
export const checkTransformations = (filter: MetricFilter): void => {
  for (const t of filter.transformations) {
    const selectors = [t.metricValue, ...Object.values(t.dimensions)].filter((s) => s.startsWith('$'));
    const bad = selectors.find((selector) => !pathOf(selector));
    if (bad !== undefined || (!t.metricValue.startsWith('$') && !Number.isFinite(Number(t.metricValue))))
      throw new Error(
        `metric filter for ${t.metricName}: ${JSON.stringify(bad ?? t.metricValue)} is neither a number nor a $.field selector`,
      );
    if (Object.keys(t.dimensions).length > 3)
      throw new Error(
        `metric filter for ${t.metricName}: at most three dimensions, as CloudWatch Logs allows`,
      );
  }
};

/**
 * The metric values one log line gives a filter: none when the pattern does not match. A value
 * or a dimension read from a field the line lacks (or of the wrong type) publishes nothing for
 * that transformation, as CloudWatch Logs skips it.
 */
export const valuesOfFilter = (
  filter: MetricFilter,
  matches: (record: unknown) => boolean,
  record: unknown,
  at: Date,
): MetricValue[] => {
  if (!matches(record)) return [];
  const values: MetricValue[] = [];
  for (const t of filter.transformations) {
    const valuePath = pathOf(t.metricValue);
    const value = valuePath ? read(record, valuePath) : Number(t.metricValue);
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const dimensions: Record<string, string> = {};
    for (const [name, selector] of Object.entries(t.dimensions)) {
      const dimension = read(record, pathOf(selector) ?? []);
      if (typeof dimension === 'string' || typeof dimension === 'number')
        dimensions[name] = String(dimension);
    }
    if (Object.keys(dimensions).length !== Object.keys(t.dimensions).length) continue;
    values.push({ namespace: t.metricNamespace, name: t.metricName, dimensions, at, values: [value] });
  }
  return values;
};
