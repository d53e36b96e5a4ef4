/**
 * Reads a dot path (`data.object.customer`, `items.0.id`) from parsed JSON. Walks own
 * properties only, so a hostile payload cannot reach `__proto__` or `constructor`.
 */
export const readPath = (value: unknown, path: string): unknown => {
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
};

/** A path result usable as an id: a non-empty string, or a finite number written as a string. */
export const readIdPath = (value: unknown, path: string): string | undefined => {
  const found = readPath(value, path);
  if (typeof found === 'string' && found.length > 0) return found;
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  return undefined;
};
