import type { JsonValue } from './jsonpath';
import type { DataPath, Scope } from './template';
import { DataPathError, parseDataPath, readPath } from './template';
import { evaluate } from './jsonpath';

/**
 * Choice rules (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html), compiled at
 * definition load. A comparison of mismatched types is false; a missing Variable is a runtime error
 * except for IsPresent.
 */

type Family = 'String' | 'Numeric' | 'Boolean' | 'Timestamp';
type Relation = 'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals';
type TypeTest = 'IsNull' | 'IsPresent' | 'IsNumeric' | 'IsString' | 'IsBoolean' | 'IsTimestamp';

export type Rule =
  | { readonly kind: 'and' | 'or'; readonly rules: readonly Rule[] }
  | { readonly kind: 'not'; readonly rule: Rule }
  | {
      readonly kind: 'compare';
      readonly variable: DataPath;
      readonly family: Family;
      readonly relation: Relation;
      readonly operand: { readonly value: JsonValue } | { readonly path: DataPath };
    }
  | { readonly kind: 'matches'; readonly variable: DataPath; readonly pattern: RegExp }
  | { readonly kind: 'test'; readonly variable: DataPath; readonly test: TypeTest; readonly expected: boolean };

export interface ChoiceBranch {
  readonly rule: Rule;
  readonly next: string;
}

const RELATIONS: readonly Relation[] = ['Equals', 'LessThan', 'GreaterThan', 'LessThanEquals', 'GreaterThanEquals'];
const FAMILIES: readonly Family[] = ['String', 'Numeric', 'Boolean', 'Timestamp'];
const TESTS: readonly TypeTest[] = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];
const COMPARATORS = new Set<string>([
  ...FAMILIES.flatMap((f) => RELATIONS.flatMap((r) => [`${f}${r}`, `${f}${r}Path`])),
  'StringMatches',
  ...TESTS,
]);

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function isTimestamp(value: JsonValue): value is string {
  return typeof value === 'string' && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
}

type RawRule = { readonly [key: string]: JsonValue };

function isRecord(value: JsonValue | undefined): value is RawRule {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function compileRule(raw: JsonValue, location: string, problems: string[], topLevel: boolean): Rule | undefined {
  if (!isRecord(raw)) {
    problems.push(`SCHEMA_VALIDATION_FAILED: A Choice rule must be an object at ${location}`);
    return undefined;
  }
  const allowed = new Set(['Variable', 'And', 'Or', 'Not', 'Comment', ...COMPARATORS, ...(topLevel ? ['Next'] : [])]);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) problems.push(`SCHEMA_VALIDATION_FAILED: The field "${key}" is not supported by Step Functions at ${location}`);
  }
  for (const combinator of ['And', 'Or'] as const) {
    const list = raw[combinator];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) {
      problems.push(`SCHEMA_VALIDATION_FAILED: ${combinator} must be a non-empty array at ${location}`);
      return undefined;
    }
    const rules = list.map((r, i) => compileRule(r, `${location}/${combinator}[${i}]`, problems, false));
    return rules.every((r): r is Rule => r !== undefined)
      ? { kind: combinator === 'And' ? 'and' : 'or', rules }
      : undefined;
  }
  if (raw.Not !== undefined) {
    const rule = compileRule(raw.Not, `${location}/Not`, problems, false);
    return rule && { kind: 'not', rule };
  }
  const comparators = Object.keys(raw).filter((k) => COMPARATORS.has(k));
  const [comparator] = comparators;
  if (comparators.length !== 1 || comparator === undefined) {
    problems.push(`SCHEMA_VALIDATION_FAILED: A Choice rule needs exactly one comparison operator at ${location}`);
    return undefined;
  }
  if (typeof raw.Variable !== 'string') {
    problems.push(`SCHEMA_VALIDATION_FAILED: The field "Variable" is required at ${location}`);
    return undefined;
  }
  try {
    return compileComparison(parseDataPath(raw.Variable), comparator, raw[comparator] ?? null, location);
  } catch (error) {
    problems.push(`SCHEMA_VALIDATION_FAILED: ${(error as Error).message} at ${location}`);
    return undefined;
  }
}

function compileComparison(variable: DataPath, comparator: string, operand: JsonValue, location: string): Rule {
  const bad = (expected: string): Error =>
    new Error(`The value for the field "${comparator}" must be ${expected} at ${location}`);
  if ((TESTS as readonly string[]).includes(comparator)) {
    if (typeof operand !== 'boolean') throw bad('a BOOLEAN');
    return { kind: 'test', variable, test: comparator as TypeTest, expected: operand };
  }
  if (comparator === 'StringMatches') {
    if (typeof operand !== 'string') throw bad('a STRING');
    return { kind: 'matches', variable, pattern: wildcardPattern(operand) };
  }
  const family = FAMILIES.find((f) => comparator.startsWith(f));
  const relation = RELATIONS.find((r) => comparator.replace(/Path$/, '') === `${family}${r}`);
  if (!family || !relation) throw bad('a known comparison');
  if (comparator.endsWith('Path')) {
    if (typeof operand !== 'string') throw bad('a STRING that contains a JSONPath');
    return { kind: 'compare', variable, family, relation, operand: { path: parseDataPath(operand) } };
  }
  const valid =
    family === 'String' ? typeof operand === 'string'
    : family === 'Numeric' ? typeof operand === 'number'
    : family === 'Boolean' ? typeof operand === 'boolean' && relation === 'Equals'
    : isTimestamp(operand);
  if (!valid) throw bad(`a valid ${family} value`);
  return { kind: 'compare', variable, family, relation, operand: { value: operand } };
}

/** `*` matches any run of characters; `\*` is a literal star; nothing else is special. */
function wildcardPattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    if (c === '\\' && pattern.charAt(i + 1) === '*') {
      source += '\\*';
      i += 1;
    } else if (c === '*') {
      source += '.*';
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function variableValue(variable: DataPath, scope: Scope): JsonValue {
  const root = variable.context ? scope.context : scope.input;
  const lookup = evaluate(variable.path, root);
  if (!lookup.found) {
    throw new DataPathError(`Invalid path '${variable.text}': The choice state's condition path references an invalid value.`);
  }
  return lookup.value;
}

export function evaluateRule(rule: Rule, scope: Scope): boolean {
  switch (rule.kind) {
    case 'and':
      return rule.rules.every((r) => evaluateRule(r, scope));
    case 'or':
      return rule.rules.some((r) => evaluateRule(r, scope));
    case 'not':
      return !evaluateRule(rule.rule, scope);
    case 'test': {
      if (rule.test === 'IsPresent') {
        const root = rule.variable.context ? scope.context : scope.input;
        return evaluate(rule.variable.path, root).found === rule.expected;
      }
      return typeTest(rule.test, variableValue(rule.variable, scope)) === rule.expected;
    }
    case 'matches': {
      const value = variableValue(rule.variable, scope);
      return typeof value === 'string' && rule.pattern.test(value);
    }
    case 'compare': {
      const value = variableValue(rule.variable, scope);
      const operand = 'path' in rule.operand ? readPath(rule.operand.path, scope, 'Path') : rule.operand.value;
      return compare(rule.family, rule.relation, value, operand);
    }
  }
}

function typeTest(test: Exclude<TypeTest, 'IsPresent'>, value: JsonValue): boolean {
  switch (test) {
    case 'IsNull':
      return value === null;
    case 'IsNumeric':
      return typeof value === 'number';
    case 'IsString':
      return typeof value === 'string';
    case 'IsBoolean':
      return typeof value === 'boolean';
    case 'IsTimestamp':
      return isTimestamp(value);
  }
}

function compare(family: Family, relation: Relation, left: JsonValue, right: JsonValue): boolean {
  let a: number | string | boolean;
  let b: number | string | boolean;
  if (family === 'String') {
    if (typeof left !== 'string' || typeof right !== 'string') return false;
    [a, b] = [left, right];
  } else if (family === 'Numeric') {
    if (typeof left !== 'number' || typeof right !== 'number') return false;
    [a, b] = [left, right];
  } else if (family === 'Boolean') {
    return typeof left === 'boolean' && left === right;
  } else {
    if (!isTimestamp(left) || !isTimestamp(right)) return false;
    [a, b] = [Date.parse(left), Date.parse(right)];
  }
  switch (relation) {
    case 'Equals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'GreaterThan':
      return a > b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThanEquals':
      return a >= b;
  }
}
