import { JSONPath } from 'jsonpath-plus';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// jsonpath-plus gives these characters a meaning inside a name.
const NAME = /\.[^.[\]\s'"*,:;?@()$~^`\\]+/.source;

/**
 * The paths the replay state machine uses: `$` (`$$` for the context object) followed by `.name`
 * and `[n]` steps, so that a path reads one node. Wildcards, slices, unions, filters, quoted names,
 * descent and intrinsic functions are refused when the definition loads.
 */
export const DATA_PATH = new RegExp(`^\\$\\$?(${NAME}|\\[\\d+\\])*$`);

/** Where a catcher puts {Error, Cause}: field names only, as setAt creates objects but not arrays. */
export const RESULT_PATH = new RegExp(`^\\$(${NAME})*$`);

interface Match {
  readonly value: JsonValue;
  readonly parent: unknown;
}

/** The node at a `$` path (one DATA_PATH admits) in `root`, or undefined when there is none. */
export function evaluate(path: string, root: JsonValue): JsonValue | undefined {
  // jsonpath-plus finds nothing in a falsy document, not even at `$`.
  if (path === '$') return root;
  const [match] = JSONPath<Match[] | undefined>({ path, json: root, resultType: 'all' }) ?? [];
  // jsonpath-plus also reads an array's length and a string's characters; Step Functions reads
  // names in objects and indexes in arrays only.
  if (typeof match?.parent !== 'object' || Array.isArray(match.parent) !== path.endsWith(']'))
    return undefined;
  return match.value;
}

/**
 * A copy of `root` with `value` written at a ResultPath (one RESULT_PATH admits), creating the
 * objects on the way; undefined when the path crosses a value that is not an object.
 */
export function setAt(path: string, root: JsonValue, value: JsonValue): JsonValue | undefined {
  const write = ([head, ...rest]: readonly string[], node: JsonValue): JsonValue | undefined => {
    if (head === undefined) return value;
    if (!isObject(node)) return undefined;
    const inner = write(rest, Object.hasOwn(node, head) ? (node[head] ?? null) : {});
    return inner === undefined ? undefined : { ...node, [head]: inner };
  };
  return write(path.split('.').slice(1), root);
}
