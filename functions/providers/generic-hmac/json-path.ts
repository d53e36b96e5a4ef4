/** Property names that would reach an object's prototype machinery rather than its data. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const ARRAY_INDEX = /^(0|[1-9]\d*)$/;

/** Splits a dot path (`data.object.id`, `items.0.id`); undefined when a segment is empty or forbidden. */
export const parseJsonPath = (path: string): readonly string[] | undefined => {
  const segments = path.split('.');
  return segments.every((segment) => segment.length > 0 && !FORBIDDEN_SEGMENTS.has(segment))
    ? segments
    : undefined;
};

/**
 * Reads a value from parsed JSON by a dot path. Walks own properties only, so that a path can
 * never reach `Object.prototype` whatever the payload or the path contains.
 */
export const getJsonPath = (root: unknown, path: string): unknown => {
  const segments = parseJsonPath(path);
  if (segments === undefined) return undefined;
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
};
