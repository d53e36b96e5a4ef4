import type { JsonValue } from './jsonpath';
import { evaluate } from './jsonpath';
import type { DataPath, Scope } from './template';
import { DataPathError, parseDataPath, readPath } from './template';

/**
 * Choice rules (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html): `And` and
 * the comparisons the replay state machine uses, compiled at definition load. A comparison of
 * mismatched types is false; a missing Variable is a runtime error. Adding a comparison is a row in
 * COMPARATORS and a test.
 */

type Operand = { readonly value: JsonValue } | { readonly path: DataPath };

export type Rule =
  | { readonly kind: 'and'; readonly rules: readonly Rule[] }
  | {
      readonly kind: 'compare';
      readonly variable: DataPath;
      readonly comparator: Comparator;
      readonly operand: Operand;
    };

export interface ChoiceBranch {
  readonly rule: Rule;
  readonly next: string;
}

interface Comparator {
  /** The type of a literal operand; a `...Path` comparator takes a path instead. */
  readonly operand: 'boolean' | 'path';
  readonly holds: (variable: JsonValue, operand: JsonValue) => boolean;
}

const COMPARATORS: Readonly<Record<string, Comparator>> = {
  BooleanEquals: { operand: 'boolean', holds: (a, b) => typeof a === 'boolean' && a === b },
  NumericLessThanPath: {
    operand: 'path',
    holds: (a, b) => typeof a === 'number' && typeof b === 'number' && a < b,
  },
};

type RawRule = { readonly [key: string]: JsonValue };

function isRecord(value: JsonValue | undefined): value is RawRule {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function compileRule(
  raw: JsonValue,
  location: string,
  problems: string[],
  topLevel: boolean,
): Rule | undefined {
  const problem = (message: string): undefined => {
    problems.push(`SCHEMA_VALIDATION_FAILED: ${message} at ${location}`);
    return undefined;
  };
  if (!isRecord(raw)) return problem('A Choice rule must be an object');
  const allowed = ['Variable', 'And', 'Comment', ...Object.keys(COMPARATORS), ...(topLevel ? ['Next'] : [])];
  const unsupported = Object.keys(raw).filter((key) => !allowed.includes(key));
  if (unsupported.length > 0) {
    return problem(
      `The Choice rule field(s) ${unsupported.map((k) => `"${k}"`).join(', ')} are not supported by the local interpreter (it supports And, ${Object.keys(COMPARATORS).join(', ')})`,
    );
  }
  if (raw.And !== undefined) {
    if (!Array.isArray(raw.And) || raw.And.length === 0) return problem('And must be a non-empty array');
    const rules = raw.And.map((r, i) => compileRule(r, `${location}/And[${i}]`, problems, false));
    return rules.every((r): r is Rule => r !== undefined) ? { kind: 'and', rules } : undefined;
  }
  const [name, ...others] = Object.keys(raw).filter((k) => k in COMPARATORS);
  const comparator = name === undefined ? undefined : COMPARATORS[name];
  if (!name || !comparator || others.length > 0)
    return problem('A Choice rule needs exactly one comparison operator');
  if (typeof raw.Variable !== 'string') return problem('The field "Variable" is required');
  const operand = raw[name] ?? null;
  if (typeof operand !== (comparator.operand === 'path' ? 'string' : comparator.operand)) {
    return problem(
      `The value for the field "${name}" must be a ${comparator.operand === 'path' ? 'JSONPath' : 'BOOLEAN'}`,
    );
  }
  try {
    const variable = parseDataPath(raw.Variable);
    if (comparator.operand !== 'path')
      return { kind: 'compare', variable, comparator, operand: { value: operand } };
    return { kind: 'compare', variable, comparator, operand: { path: parseDataPath(operand as string) } };
  } catch (error) {
    return problem((error as Error).message);
  }
}

export function evaluateRule(rule: Rule, scope: Scope): boolean {
  if (rule.kind === 'and') return rule.rules.every((r) => evaluateRule(r, scope));
  const root = rule.variable.context ? scope.context : scope.input;
  const lookup = evaluate(rule.variable.path, root);
  if (!lookup.found) {
    throw new DataPathError(
      `Invalid path '${rule.variable.text}': The choice state's condition path references an invalid value.`,
    );
  }
  const operand = 'path' in rule.operand ? readPath(rule.operand.path, scope, 'Path') : rule.operand.value;
  return rule.comparator.holds(lookup.value, operand);
}
