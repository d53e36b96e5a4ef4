/**
 * The JSONPath the replay state machine uses: `$` followed by `.name` and `[n]` steps. Wildcards,
 * slices, unions, filters, quoted names and recursive descent are refused when the definition loads.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface JsonPath {
  readonly text: string;
  /** Field names and array indexes, in order from the root. */
  readonly steps: readonly (string | number)[];
}

export class JsonPathSyntaxError extends Error {
  constructor(path: string, reason: string) {
    super(`The value for the field must be a valid JSONPath: '${path}' (${reason})`);
    this.name = 'JsonPathSyntaxError';
  }
}

const STEP = /\.([^.[\]\s'"*,:?@()$]+)|\[(\d+)\]/y;

export function parseJsonPath(text: string): JsonPath {
  if (!text.startsWith('$')) throw new JsonPathSyntaxError(text, 'it must start with $');
  const steps: (string | number)[] = [];
  STEP.lastIndex = 1;
  while (STEP.lastIndex < text.length) {
    const at = STEP.lastIndex;
    const match = STEP.exec(text);
    if (!match) {
      throw new JsonPathSyntaxError(
        text,
        `unsupported at position ${at}: the local interpreter reads only $.name and [n] steps`,
      );
    }
    steps.push(match[1] ?? Number(match[2]));
  }
  return { text, steps };
}

export type Lookup = { readonly found: true; readonly value: JsonValue } | { readonly found: false };

export function evaluate(path: JsonPath, root: JsonValue): Lookup {
  let node: JsonValue | undefined = root;
  for (const step of path.steps) {
    if (typeof step === 'number') node = Array.isArray(node) ? node[step] : undefined;
    else node = isObject(node) && Object.hasOwn(node, step) ? node[step] : undefined;
    if (node === undefined) return { found: false };
  }
  return { found: true, value: node };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns a copy of `root` with `value` written at a ResultPath (field names only), creating
 * intermediate objects; undefined when the path crosses a value that is not an object.
 */
export function setAt(
  steps: readonly (string | number)[],
  root: JsonValue,
  value: JsonValue,
): JsonValue | undefined {
  const [head, ...rest] = steps;
  if (head === undefined) return value;
  if (typeof head !== 'string' || !isObject(root)) return undefined;
  const existing = Object.hasOwn(root, head) ? root[head] : undefined;
  const inner = setAt(rest, existing === undefined ? {} : existing, value);
  return inner === undefined ? undefined : { ...root, [head]: inner };
}
