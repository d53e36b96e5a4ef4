/**
 * The JSONPath dialect Step Functions evaluates (Jayway JsonPath semantics for the parts state
 * machines use): `$`, `.name`, `['name']`, `[n]` (negative counts from the end), `[*]`/`.*`,
 * `[start:end]`, `[a,b]`, `..name`. A path with a wildcard, slice, union or descent is
 * "indefinite" and yields a list; otherwise it yields one value or is not found.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

type Segment =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'slice'; readonly start?: number; readonly end?: number; readonly step: number }
  | { readonly kind: 'union'; readonly keys: readonly (string | number)[] }
  | { readonly kind: 'descendant'; readonly name?: string };

export interface JsonPath {
  readonly text: string;
  readonly segments: readonly Segment[];
  /** False when the path can match several nodes, so its value is always a list. */
  readonly definite: boolean;
}

export class JsonPathSyntaxError extends Error {
  constructor(path: string, reason: string) {
    super(`The value for the field must be a valid JSONPath: '${path}' (${reason})`);
    this.name = 'JsonPathSyntaxError';
  }
}

const NAME_CHAR = /[^.[\]\s()'"=<>!,*]/;

export function parseJsonPath(text: string): JsonPath {
  if (!text.startsWith('$')) throw new JsonPathSyntaxError(text, 'it must start with $');
  const segments: Segment[] = [];
  let i = 1;
  const readName = (): string => {
    const start = i;
    while (i < text.length && NAME_CHAR.test(text.charAt(i))) i += 1;
    if (i === start) throw new JsonPathSyntaxError(text, `expected a name at position ${start}`);
    return text.slice(start, i);
  };
  while (i < text.length) {
    const c = text.charAt(i);
    if (text.startsWith('..', i)) {
      i += 2;
      if (text.charAt(i) === '*') {
        i += 1;
        segments.push({ kind: 'descendant' });
      } else {
        segments.push({ kind: 'descendant', name: readName() });
      }
    } else if (c === '.') {
      i += 1;
      if (text.charAt(i) === '*') {
        i += 1;
        segments.push({ kind: 'wildcard' });
      } else {
        segments.push({ kind: 'name', name: readName() });
      }
    } else if (c === '[') {
      const close = findClosingBracket(text, i);
      segments.push(parseBracket(text, text.slice(i + 1, close).trim()));
      i = close + 1;
    } else {
      throw new JsonPathSyntaxError(text, `unexpected '${c}' at position ${i}`);
    }
  }
  const definite = segments.every((s) => s.kind === 'name' || s.kind === 'index');
  return { text, segments, definite };
}

function findClosingBracket(text: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i += 1) {
    const c = text.charAt(i);
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ']') {
      return i;
    }
  }
  throw new JsonPathSyntaxError(text, 'unclosed [');
}

function parseBracket(path: string, body: string): Segment {
  if (body === '*') return { kind: 'wildcard' };
  if (body.startsWith('?')) throw new JsonPathSyntaxError(path, 'filter expressions are not supported locally');
  if (/^-?\d*:-?\d*(:-?\d+)?$/.test(body)) {
    const [start, end, step] = body.split(':').map((p) => (p === '' ? undefined : Number(p)));
    if (step === 0) throw new JsonPathSyntaxError(path, 'slice step cannot be 0');
    return { kind: 'slice', start, end, step: step ?? 1 };
  }
  const keys = splitUnion(path, body).map((part) => parseKey(path, part));
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    return typeof only === 'number' ? { kind: 'index', index: only } : { kind: 'name', name: only };
  }
  return { kind: 'union', keys };
}

function splitUnion(path: string, body: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < body.length; i += 1) {
    const c = body.charAt(i);
    if (quote) {
      current += c;
      if (c === '\\') {
        current += body.charAt(i + 1);
        i += 1;
      } else if (c === quote) {
        quote = undefined;
      }
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if (c === ',') {
      parts.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  if (quote) throw new JsonPathSyntaxError(path, 'unclosed quote');
  parts.push(current.trim());
  return parts;
}

function parseKey(path: string, part: string): string | number {
  if (/^-?\d+$/.test(part)) return Number(part);
  const quote = part.charAt(0);
  if ((quote === "'" || quote === '"') && part.endsWith(quote) && part.length >= 2) {
    return part.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  throw new JsonPathSyntaxError(path, `invalid bracket expression [${part}]`);
}

export type Lookup = { readonly found: true; readonly value: JsonValue } | { readonly found: false };

/** Evaluates a path; an indefinite path is always found (possibly as an empty list). */
export function evaluate(path: JsonPath, root: JsonValue): Lookup {
  let nodes: JsonValue[] = [root];
  for (const segment of path.segments) {
    nodes = nodes.flatMap((node) => step(segment, node));
    if (path.definite && nodes.length === 0) return { found: false };
  }
  if (path.definite) {
    const [value] = nodes;
    return value === undefined ? { found: false } : { found: true, value };
  }
  return { found: true, value: nodes };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(array: readonly JsonValue[], index: number): JsonValue[] {
  const value = array[index < 0 ? array.length + index : index];
  return value === undefined ? [] : [value];
}

function member(node: JsonValue, key: string | number): JsonValue[] {
  if (typeof key === 'number') return Array.isArray(node) ? at(node, key) : [];
  if (!isObject(node) || !Object.hasOwn(node, key)) return [];
  const value = node[key];
  return value === undefined ? [] : [value];
}

function children(node: JsonValue): JsonValue[] {
  if (Array.isArray(node)) return node;
  return isObject(node) ? Object.values(node) : [];
}

function step(segment: Segment, node: JsonValue): JsonValue[] {
  switch (segment.kind) {
    case 'name':
      return member(node, segment.name);
    case 'index':
      return member(node, segment.index);
    case 'wildcard':
      return children(node);
    case 'union':
      return segment.keys.flatMap((key) => member(node, key));
    case 'slice':
      return Array.isArray(node) ? slice(node, segment) : [];
    case 'descendant':
      return descend(node, segment.name);
  }
}

function slice(array: readonly JsonValue[], s: { start?: number; end?: number; step: number }): JsonValue[] {
  const length = array.length;
  const norm = (n: number): number => (n < 0 ? Math.max(0, length + n) : Math.min(n, length));
  const out: JsonValue[] = [];
  if (s.step > 0) {
    for (let i = norm(s.start ?? 0); i < norm(s.end ?? length); i += s.step) out.push(...at(array, i));
  } else {
    const start = s.start === undefined ? length - 1 : norm(s.start);
    const end = s.end === undefined ? -1 : norm(s.end);
    for (let i = Math.min(start, length - 1); i > end; i += s.step) out.push(...at(array, i));
  }
  return out;
}

function descend(node: JsonValue, name: string | undefined): JsonValue[] {
  const out: JsonValue[] = [];
  const visit = (current: JsonValue): void => {
    for (const child of children(current)) {
      out.push(child);
      visit(child);
    }
  };
  if (name === undefined) {
    visit(node);
    return out;
  }
  const visitNamed = (current: JsonValue): void => {
    out.push(...member(current, name));
    for (const child of children(current)) visitNamed(child);
  };
  visitNamed(node);
  return out;
}

/**
 * Returns a copy of `root` with `value` written at a ResultPath-style path (names and indexes only),
 * creating intermediate objects. Returns undefined when the path crosses a non-object value.
 */
export function setAt(path: JsonPath, root: JsonValue, value: JsonValue): JsonValue | undefined {
  const [head, ...rest] = path.segments;
  if (head === undefined) return value;
  if (head.kind !== 'name') return undefined;
  if (!isObject(root)) return undefined;
  const existing = Object.hasOwn(root, head.name) ? root[head.name] : undefined;
  const inner = setAt({ ...path, segments: rest }, existing === undefined ? {} : existing, value);
  if (inner === undefined) return undefined;
  return { ...root, [head.name]: inner };
}
