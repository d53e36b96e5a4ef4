import { z } from 'zod';
import type { JsonValue } from './jsonpath';
import { DATA_PATH, evaluate, isObject } from './jsonpath';

const unreadable = (path: unknown): string =>
  `${JSON.stringify(path)} is not a path the local interpreter reads: $ or $$ followed by .name and [n] steps (no wildcards, slices, unions, filters, descent or intrinsic functions)`;

/** A path into the state input (`$...`) or the context object (`$$...`). */
export const DataPath = z.string().regex(DATA_PATH, { error: (issue) => unreadable(issue.input) });

/** A payload template (Parameters): a key ending in `.$` takes the value at its path, the rest is copied. */
export const Template = z.json().superRefine((template, context) => {
  const visit = (value: JsonValue, at: (string | number)[]): void => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...at, i]));
    else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (!key.endsWith('.$')) visit(child, [...at, key]);
        else if (typeof child !== 'string' || !DATA_PATH.test(child)) {
          context.addIssue({
            code: 'custom',
            path: [...at, key],
            message: unreadable(child),
          });
        }
      }
    }
  };
  visit(template, []);
});

/** Why a path could not be read; the interpreter turns it into States.Runtime. */
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

export function readPath(path: string, scope: Scope, field: string): JsonValue {
  const context = path.startsWith('$$');
  const root = context ? scope.context : scope.input;
  const value = evaluate(context ? path.slice(1) : path, root);
  if (value !== undefined) return value;
  // Step Functions words a missing Choice Variable differently from other paths.
  throw new DataPathError(
    field === 'Variable'
      ? `Invalid path '${path}': The choice state's condition path references an invalid value.`
      : `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${JSON.stringify(root)}'`,
  );
}

export function render(template: JsonValue, scope: Scope): JsonValue {
  if (Array.isArray(template)) return template.map((item) => render(item, scope));
  if (!isObject(template)) return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$') && typeof value === 'string'
        ? [key.slice(0, -2), readPath(value, scope, key)]
        : [key, render(value, scope)],
    ),
  );
}
