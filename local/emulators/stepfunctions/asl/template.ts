import type { JsonObject, JsonPath, JsonValue } from './jsonpath';
import { evaluate, parseJsonPath } from './jsonpath';

/**
 * A reference to data: `$...` reads the state's effective input, `$$...` the context object.
 */
export interface DataPath {
  readonly text: string;
  readonly context: boolean;
  readonly path: JsonPath;
}

export function parseDataPath(text: string): DataPath {
  const context = text.startsWith('$$');
  return { text, context, path: parseJsonPath(context ? text.slice(1) : text) };
}

/**
 * A payload template (Parameters, ResultSelector): keys ending in `.$` take a path; everything else
 * is copied as is. Intrinsic functions are refused: the replay state machine uses none.
 */
export type Template =
  | { readonly kind: 'literal'; readonly value: JsonValue }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, Template])[] }
  | { readonly kind: 'array'; readonly items: readonly Template[] }
  | { readonly kind: 'path'; readonly key: string; readonly ref: DataPath };

/** Compiles a template, reporting every bad `.$` field with its location. */
export function compileTemplate(value: JsonValue, location: string, problems: string[]): Template {
  if (Array.isArray(value)) {
    return {
      kind: 'array',
      items: value.map((item, i) => compileTemplate(item, `${location}[${i}]`, problems)),
    };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'literal', value };
  const entries: (readonly [string, Template])[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (!key.endsWith('.$')) {
      entries.push([key, compileTemplate(child, `${location}/${key}`, problems)]);
      continue;
    }
    const name = key.slice(0, -2);
    if (typeof child !== 'string') {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: The value for the field '${key}' must be a STRING that contains a JSONPath but was a ${typeOf(child)} at ${location}`,
      );
      continue;
    }
    try {
      entries.push([name, { kind: 'path', key, ref: parseDataPath(child) }]);
    } catch (error) {
      problems.push(`SCHEMA_VALIDATION_FAILED: ${(error as Error).message} at ${location}/${key}`);
    }
  }
  return { kind: 'object', entries };
}

function typeOf(value: JsonValue): string {
  return (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value).toUpperCase();
}

/** Why a template or path could not be applied; the interpreter turns it into States.Runtime. */
export class DataPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataPathError';
  }
}

export interface Scope {
  readonly input: JsonValue;
  readonly context: JsonValue;
}

export function readPath(ref: DataPath, scope: Scope, field: string): JsonValue {
  const root = ref.context ? scope.context : scope.input;
  const lookup = evaluate(ref.path, root);
  if (!lookup.found) {
    throw new DataPathError(
      `The JSONPath '${ref.text}' specified for the field '${field}' could not be found in the input '${JSON.stringify(root)}'`,
    );
  }
  return lookup.value;
}

export function render(template: Template, scope: Scope): JsonValue {
  switch (template.kind) {
    case 'literal':
      return template.value;
    case 'array':
      return template.items.map((item) => render(item, scope));
    case 'object': {
      const out: JsonObject = {};
      for (const [key, child] of template.entries) out[key] = render(child, scope);
      return out;
    }
    case 'path':
      return readPath(template.ref, scope, template.key);
  }
}
