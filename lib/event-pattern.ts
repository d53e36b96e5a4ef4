/**
 * Checks an EventBridge event pattern at synth, so that a typo in `eventSources` is one line of
 * the configuration's problems instead of a failed deployment. It follows the user guide's
 * "Creating event patterns" and "Comparison operators" pages: a pattern is a non-empty object;
 * each field holds a nested pattern or a non-empty list of matchers; a matcher is a string,
 * number, boolean, null, or an object with exactly one known operator; `$or` lists at least two
 * patterns. Lists every problem with its path.
 */

export interface PatternProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);
const COMPARISONS = new Set(['=', '<', '<=', '>', '>=']);

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown) =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

const matcherProblems = (matcher: unknown, path: readonly PropertyKey[]): PatternProblem[] => {
  if (isScalar(matcher)) return [];
  if (!isObject(matcher))
    return [{ path, message: 'a matcher is a string, number, boolean, null or an operator object' }];
  const operators = Object.keys(matcher);
  const [operator] = operators;
  if (operator === undefined || operators.length > 1)
    return [{ path, message: 'an operator object has exactly one operator' }];
  if (!OPERATORS.has(operator))
    return [{ path: [...path, operator], message: `unknown operator (known: ${[...OPERATORS].join(', ')})` }];
  const operand = matcher[operator];
  const at = [...path, operator];
  switch (operator) {
    case 'exists':
      return typeof operand === 'boolean' ? [] : [{ path: at, message: 'must be true or false' }];
    case 'numeric': {
      const pairs = Array.isArray(operand) ? operand : [];
      const valid =
        pairs.length > 0 &&
        pairs.length % 2 === 0 &&
        pairs.every((item: unknown, index) =>
          index % 2 === 0 ? typeof item === 'string' && COMPARISONS.has(item) : typeof item === 'number',
        );
      return valid ? [] : [{ path: at, message: 'must list operator, number pairs ("<", 10, ">=", 0)' }];
    }
    case 'anything-but':
      return isScalar(operand) || Array.isArray(operand) || isObject(operand)
        ? []
        : [{ path: at, message: 'must be a value, a list of values or an operator object' }];
    case 'prefix':
    case 'suffix':
      return typeof operand === 'string' || isObject(operand)
        ? []
        : [{ path: at, message: 'must be a string (or { "equals-ignore-case": … })' }];
    default:
      return typeof operand === 'string' ? [] : [{ path: at, message: 'must be a string' }];
  }
};

/** Every problem of `pattern`, or none when EventBridge would take it. */
export const eventPatternProblems = (
  pattern: unknown,
  path: readonly PropertyKey[] = [],
): PatternProblem[] => {
  if (!isObject(pattern)) return [{ path, message: 'an event pattern is a JSON object' }];
  const fields = Object.entries(pattern);
  if (fields.length === 0) return [{ path, message: 'an event pattern matches on at least one field' }];
  return fields.flatMap(([key, value]): PatternProblem[] => {
    const at = [...path, key];
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        return [{ path: at, message: '$or lists at least two patterns' }];
      return value.flatMap((alternative: unknown, index) =>
        eventPatternProblems(alternative, [...at, index]),
      );
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return [{ path: at, message: 'an empty list matches nothing' }];
      return value.flatMap((matcher: unknown, index) => matcherProblems(matcher, [...at, index]));
    }
    if (isObject(value)) return eventPatternProblems(value, at);
    return [{ path: at, message: 'must be a list of matchers (["value"]) or a nested pattern' }];
  });
};
