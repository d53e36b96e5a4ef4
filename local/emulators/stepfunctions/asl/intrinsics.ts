import { createHash, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { JsonValue } from './jsonpath';
import { parseJsonPath } from './jsonpath';

/**
 * Intrinsic functions of the JSONPath query language
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html), parsed once at
 * definition load so that a typo fails CreateStateMachine rather than an execution.
 */

type Arg =
  | { readonly kind: 'literal'; readonly value: JsonValue; readonly raw?: string }
  | { readonly kind: 'path'; readonly path: string }
  | IntrinsicCall;

export interface IntrinsicCall {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly Arg[];
}

export class IntrinsicSyntaxError extends Error {
  constructor(expression: string, reason: string) {
    super(`The value for the field must be a valid intrinsic function: '${expression}' (${reason})`);
    this.name = 'IntrinsicSyntaxError';
  }
}

/** Raised while evaluating; the interpreter reports it as a States.Runtime error of the state. */
export class IntrinsicEvaluationError extends Error {
  constructor(name: string, reason: string) {
    super(`The function '${name}' failed: ${reason}`);
    this.name = 'IntrinsicEvaluationError';
  }
}

const ARITY: Record<string, readonly [number, number]> = {
  'States.Format': [1, Number.POSITIVE_INFINITY],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Number.POSITIVE_INFINITY],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

const MAX_NESTING = 10;

export function isIntrinsic(text: string): boolean {
  return /^States\.[A-Za-z0-9]+\s*\(/.test(text.trim());
}

export function parseIntrinsic(expression: string): IntrinsicCall {
  const parser = new Parser(expression);
  const call = parser.call(0);
  parser.skipSpaces();
  if (!parser.done()) parser.fail('unexpected text after the closing parenthesis');
  return call;
}

class Parser {
  private i = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.i >= this.text.length;
  }

  fail(reason: string): never {
    throw new IntrinsicSyntaxError(this.text, `${reason} at position ${this.i}`);
  }

  skipSpaces(): void {
    while (/\s/.test(this.text.charAt(this.i))) this.i += 1;
  }

  call(depth: number): IntrinsicCall {
    if (depth >= MAX_NESTING) this.fail(`intrinsic functions nest at most ${MAX_NESTING} deep`);
    this.skipSpaces();
    const match = /^States\.[A-Za-z0-9]+/.exec(this.text.slice(this.i));
    if (!match) this.fail('expected a States.* function name');
    const name = match[0];
    const arity = ARITY[name];
    if (!arity) this.fail(`unknown intrinsic function ${name}`);
    this.i += name.length;
    this.skipSpaces();
    if (this.text.charAt(this.i) !== '(') this.fail('expected (');
    this.i += 1;
    const args: Arg[] = [];
    this.skipSpaces();
    if (this.text.charAt(this.i) === ')') {
      this.i += 1;
    } else {
      for (;;) {
        args.push(this.arg(depth));
        this.skipSpaces();
        const c = this.text.charAt(this.i);
        this.i += 1;
        if (c === ')') break;
        if (c !== ',') this.fail("expected ',' or ')'");
      }
    }
    if (args.length < arity[0] || args.length > arity[1]) {
      this.fail(`${name} takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} or more`} arguments, got ${args.length}`);
    }
    return { kind: 'call', name, args };
  }

  private arg(depth: number): Arg {
    this.skipSpaces();
    const rest = this.text.slice(this.i);
    if (rest.startsWith("'")) return this.string();
    if (rest.startsWith('$')) return this.path();
    if (rest.startsWith('States.')) return this.call(depth + 1);
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(rest);
    if (!literal) return this.fail('expected an argument');
    this.i += literal[0].length;
    return { kind: 'literal', value: JSON.parse(literal[0]) as JsonValue };
  }

  private string(): Arg {
    const start = this.i;
    this.i += 1;
    let value = '';
    while (!this.done()) {
      const c = this.text.charAt(this.i);
      if (c === '\\') {
        value += this.text.charAt(this.i + 1);
        this.i += 2;
      } else if (c === "'") {
        this.i += 1;
        return { kind: 'literal', value, raw: this.text.slice(start + 1, this.i - 1) };
      } else {
        value += c;
        this.i += 1;
      }
    }
    return this.fail('unterminated string');
  }

  private path(): Arg {
    const start = this.i;
    let depth = 0;
    let quote: string | undefined;
    while (!this.done()) {
      const c = this.text.charAt(this.i);
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === '"' || (c === "'" && depth > 0)) {
        quote = c;
      } else if (c === '[') {
        depth += 1;
      } else if (c === ']') {
        depth -= 1;
      } else if (depth === 0 && (c === ',' || c === ')' || /\s/.test(c))) {
        break;
      }
      this.i += 1;
    }
    const path = this.text.slice(start, this.i);
    try {
      parseJsonPath(path.startsWith('$$') ? path.slice(1) : path);
    } catch (error) {
      this.fail((error as Error).message);
    }
    return { kind: 'path', path };
  }
}

/** Resolves a `$...` or `$$...` argument; throws when the path is not found. */
export type PathResolver = (path: string) => JsonValue;

export function evaluateIntrinsic(call: IntrinsicCall, resolve: PathResolver): JsonValue {
  const values = call.args.map((arg) => evaluateArg(arg, resolve));
  const fail = (reason: string): never => {
    throw new IntrinsicEvaluationError(call.name, reason);
  };
  const arg = (index: number): JsonValue => values[index] ?? null;
  const array = (index: number): JsonValue[] => {
    const value = arg(index);
    return Array.isArray(value) ? value : fail(`argument ${index + 1} must be an array`);
  };
  const string = (index: number): string => {
    const value = arg(index);
    return typeof value === 'string' ? value : fail(`argument ${index + 1} must be a string`);
  };
  const integer = (index: number): number => {
    const value = arg(index);
    return typeof value === 'number' && Number.isInteger(value) ? value : fail(`argument ${index + 1} must be an integer`);
  };

  switch (call.name) {
    case 'States.Format':
      return format(call, values, fail);
    case 'States.StringToJson':
      try {
        return JSON.parse(string(0)) as JsonValue;
      } catch {
        return fail('argument 1 is not valid JSON');
      }
    case 'States.JsonToString':
      return JSON.stringify(arg(0));
    case 'States.Array':
      return values;
    case 'States.ArrayPartition': {
      const items = array(0);
      const size = integer(1);
      if (size <= 0) return fail('the chunk size must be positive');
      const chunks: JsonValue[] = [];
      for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
      return chunks;
    }
    case 'States.ArrayContains':
      return array(0).some((item) => isDeepStrictEqual(item, arg(1)));
    case 'States.ArrayRange': {
      const [start, end, stepBy] = [integer(0), integer(1), integer(2)];
      if (stepBy === 0) return fail('the step cannot be 0');
      const out: number[] = [];
      for (let n = start; stepBy > 0 ? n <= end : n >= end; n += stepBy) {
        out.push(n);
        if (out.length > 1000) return fail('the range has more than 1000 items');
      }
      return out;
    }
    case 'States.ArrayGetItem': {
      const item = array(0)[integer(1)];
      return item === undefined ? fail('the index is out of bounds') : item;
    }
    case 'States.ArrayLength':
      return array(0).length;
    case 'States.ArrayUnique':
      return array(0).filter((item, i, all) => all.findIndex((other) => isDeepStrictEqual(other, item)) === i);
    case 'States.Base64Encode':
      return Buffer.from(string(0), 'utf8').toString('base64');
    case 'States.Base64Decode':
      return Buffer.from(string(0), 'base64').toString('utf8');
    case 'States.Hash': {
      const algorithm = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[
        string(1)
      ];
      const data = arg(0);
      if (!algorithm) return fail('the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512');
      return createHash(algorithm)
        .update(typeof data === 'string' ? data : JSON.stringify(data))
        .digest('hex');
    }
    case 'States.JsonMerge': {
      const [a, b, deep] = [arg(0), arg(1), arg(2)];
      if (deep !== false) return fail('only a shallow merge (false) is supported');
      if (!isPlainObject(a) || !isPlainObject(b)) return fail('both arguments must be JSON objects');
      return { ...a, ...b };
    }
    case 'States.MathRandom': {
      const [start, end] = [integer(0), integer(1)];
      return start + Math.floor(Math.random() * (end - start));
    }
    case 'States.MathAdd':
      return integer(0) + integer(1);
    case 'States.StringSplit': {
      const delimiters = string(1);
      const pattern = new RegExp(`[${delimiters.replace(/[\\\]^-]/g, '\\$&')}]`);
      return delimiters === '' ? [string(0)] : string(0).split(pattern);
    }
    case 'States.UUID':
      return randomUUID();
    default:
      return fail('unknown function');
  }
}

function isPlainObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function evaluateArg(arg: Arg, resolve: PathResolver): JsonValue {
  switch (arg.kind) {
    case 'literal':
      return arg.value;
    case 'path':
      return resolve(arg.path);
    case 'call':
      return evaluateIntrinsic(arg, resolve);
  }
}

function format(call: IntrinsicCall, values: readonly JsonValue[], fail: (reason: string) => never): string {
  const [template] = call.args;
  if (template?.kind !== 'literal' || typeof template.value !== 'string') {
    return fail('the first argument must be a string literal');
  }
  // Escaped braces (\{ \}) are literal text, so the template is read from its raw form.
  const raw = template.raw ?? template.value;
  let out = '';
  let next = 1;
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw.charAt(i);
    if (c === '\\') {
      out += raw.charAt(i + 1);
      i += 1;
    } else if (c === '{' && raw.charAt(i + 1) === '}') {
      if (next >= values.length) return fail('there are more {} placeholders than arguments');
      const value = values[next] ?? null;
      next += 1;
      if (typeof value === 'object' && value !== null) return fail('arguments must be strings, numbers, booleans or null');
      out += typeof value === 'string' ? value : JSON.stringify(value);
      i += 1;
    } else {
      out += c;
    }
  }
  if (next !== values.length) return fail('there are more arguments than {} placeholders');
  return out;
}
