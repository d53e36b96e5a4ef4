/**
 * EventBridge event pattern matching, following the user guide's "Creating event patterns",
 * "Content filtering" and "Comparison operators" pages:
 * - keys AND together, the values listed for one key OR together;
 * - a pattern object descends into the event; an array lists matchers for a leaf;
 * - an event array matches when any of its elements matches;
 * - `$or` lists alternative sub-patterns at the same level;
 * - matchers: exact string/number/boolean/null, `prefix`, `suffix` (both optionally with
 *   `equals-ignore-case`), `equals-ignore-case`, `wildcard`, `anything-but` (value, list,
 *   `prefix`, `suffix`, `equals-ignore-case`, `wildcard`), `numeric`, `exists`, `cidr` (IPv4).
 */

export type EventPattern = { readonly [key: string]: unknown };

export class InvalidEventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventPatternException';
  }
}

const MISSING = Symbol('missing');
type Value = unknown;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `event` (the full EventBridge event envelope) matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

/** Throws InvalidEventPatternError for a pattern EventBridge would refuse at PutRule. */
export function validatePattern(pattern: unknown): asserts pattern is EventPattern {
  if (!isPlainObject(pattern)) throw new InvalidEventPatternError('Event pattern is not a JSON object.');
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw new InvalidEventPatternError('$or must list at least two patterns.');
      for (const alternative of value) validatePattern(alternative);
    } else if (Array.isArray(value)) {
      for (const matcher of value) validateMatcher(key, matcher);
    } else if (isPlainObject(value)) {
      validatePattern(value);
    } else {
      throw new InvalidEventPatternError(`Event pattern for "${key}" must be an object or an array.`);
    }
  }
}

function validateMatcher(key: string, matcher: unknown): void {
  if (!isPlainObject(matcher)) return;
  const [operator, ...extra] = Object.keys(matcher);
  if (operator === undefined || extra.length > 0)
    throw new InvalidEventPatternError(`Matcher for "${key}" must have exactly one operator.`);
  const known = [
    'prefix',
    'suffix',
    'equals-ignore-case',
    'wildcard',
    'anything-but',
    'numeric',
    'exists',
    'cidr',
  ];
  if (!known.includes(operator)) throw new InvalidEventPatternError(`Unrecognized match type ${operator}`);
  if (operator === 'numeric') parseNumeric(matcher.numeric);
  if (operator === 'exists' && typeof matcher.exists !== 'boolean')
    throw new InvalidEventPatternError('exists match pattern must be either true or false.');
}

function matchObject(pattern: Record<string, unknown>, event: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or')
      return (expected as unknown[]).some((alternative) =>
        matchObject(alternative as Record<string, unknown>, event),
      );
    const actual: Value = isPlainObject(event) && Object.hasOwn(event, key) ? event[key] : MISSING;
    if (Array.isArray(expected)) return matchLeaf(expected, actual);
    return matchNested(expected as Record<string, unknown>, actual);
  });
}

function matchNested(pattern: Record<string, unknown>, actual: Value): boolean {
  // An array of objects is flattened: the pattern matches when one element does.
  if (Array.isArray(actual)) return actual.some((element) => matchNested(pattern, element));
  if (isPlainObject(actual)) return matchObject(pattern, actual);
  // Nothing to descend into: only `exists: false` leaves below can still match.
  return matchObject(pattern, undefined);
}

function matchLeaf(matchers: readonly unknown[], actual: Value): boolean {
  const values: Value[] = Array.isArray(actual) ? actual : [actual];
  return matchers.some((matcher) => {
    if (isPlainObject(matcher) && 'exists' in matcher) return matchExists(matcher.exists === true, actual);
    return values.some((value) => value !== MISSING && !isPlainObject(value) && matchValue(matcher, value));
  });
}

function matchExists(shouldExist: boolean, actual: Value): boolean {
  // Exists matching only works on leaf nodes; an empty array has no leaf.
  const present =
    actual !== MISSING && !isPlainObject(actual) && !(Array.isArray(actual) && actual.length === 0);
  return present === shouldExist;
}

function matchValue(matcher: unknown, value: Value): boolean {
  if (!isPlainObject(matcher)) return matcher === value;
  const [operator] = Object.keys(matcher);
  const operand = operator === undefined ? undefined : matcher[operator];
  switch (operator) {
    case 'prefix':
      return matchAffix(operand, value, (text, affix) => text.startsWith(affix));
    case 'suffix':
      return matchAffix(operand, value, (text, affix) => text.endsWith(affix));
    case 'equals-ignore-case':
      return (
        typeof value === 'string' &&
        typeof operand === 'string' &&
        value.toLowerCase() === operand.toLowerCase()
      );
    case 'wildcard':
      return typeof value === 'string' && typeof operand === 'string' && wildcardRegExp(operand).test(value);
    case 'anything-but':
      return matchAnythingBut(operand, value);
    case 'numeric':
      return typeof value === 'number' && matchNumeric(parseNumeric(operand), value);
    case 'cidr':
      return typeof value === 'string' && typeof operand === 'string' && inCidr(value, operand);
    default:
      return false;
  }
}

function matchAffix(operand: unknown, value: Value, test: (text: string, affix: string) => boolean): boolean {
  if (typeof value !== 'string') return false;
  if (typeof operand === 'string') return test(value, operand);
  if (isPlainObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), operand['equals-ignore-case'].toLowerCase());
  }
  return false;
}

function matchAnythingBut(operand: unknown, value: Value): boolean {
  if (Array.isArray(operand)) return !operand.includes(value);
  if (!isPlainObject(operand)) return operand !== value;
  if (typeof value !== 'string') return true;
  if (typeof operand.prefix === 'string') return !value.startsWith(operand.prefix);
  if (typeof operand.suffix === 'string') return !value.endsWith(operand.suffix);
  if (typeof operand.wildcard === 'string') return !wildcardRegExp(operand.wildcard).test(value);
  const ignoringCase = operand['equals-ignore-case'];
  if (ignoringCase !== undefined) {
    const excluded = (Array.isArray(ignoringCase) ? ignoringCase : [ignoringCase]).filter(
      (item): item is string => typeof item === 'string',
    );
    return excluded.every((item) => item.toLowerCase() !== value.toLowerCase());
  }
  return true;
}

type Comparison = { readonly operator: '=' | '<' | '<=' | '>' | '>='; readonly bound: number };

function parseNumeric(operand: unknown): Comparison[] {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    throw new InvalidEventPatternError('numeric match pattern must be a list of operator, number pairs.');
  }
  const comparisons: Comparison[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const operator: unknown = operand[index];
    const bound: unknown = operand[index + 1];
    if (
      (operator !== '=' && operator !== '<' && operator !== '<=' && operator !== '>' && operator !== '>=') ||
      typeof bound !== 'number'
    ) {
      throw new InvalidEventPatternError(`Invalid numeric match: ${JSON.stringify(operand)}`);
    }
    comparisons.push({ operator, bound });
  }
  return comparisons;
}

function matchNumeric(comparisons: readonly Comparison[], value: number): boolean {
  return comparisons.every(({ operator, bound }) => {
    switch (operator) {
      case '=':
        return value === bound;
      case '<':
        return value < bound;
      case '<=':
        return value <= bound;
      case '>':
        return value > bound;
      case '>=':
        return value >= bound;
    }
  });
}

function wildcardRegExp(pattern: string): RegExp {
  // `*` matches any run of characters; `\*` is a literal asterisk.
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern.charAt(index);
    if (char === '\\' && pattern.charAt(index + 1) === '*') {
      source += '\\*';
      index += 1;
    } else if (char === '*') {
      source += '.*';
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let result = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    result = result * 256 + octet;
  }
  return result;
}

function inCidr(address: string, cidr: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const base = network === undefined ? undefined : ipv4ToNumber(network);
  const candidate = ipv4ToNumber(address);
  if (base === undefined || candidate === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32)
    return false;
  const block = 2 ** (32 - bits);
  return Math.floor(candidate / block) === Math.floor(base / block);
}
