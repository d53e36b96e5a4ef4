/** JSON types a field can have. */
export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/**
 * The structural fingerprint of an event type's data: every key path with the JSON types seen
 * there. Array elements share the path `<array>[]`; keys that look generated (ids, numbers,
 * digests) and the keys of very wide objects (maps) collapse to `*`, so that values never turn
 * into paths.
 */
export type Fingerprint = Record<string, JsonType[]>;

/** Deeper fields are not followed: a drift that deep is not worth a path explosion. */
export const MAX_FINGERPRINT_DEPTH = 8;
/** At most this many paths per event type (the item stays a few KB). */
export const MAX_FINGERPRINT_PATHS = 300;
/** An object with more keys than this is a map, not a record: its keys become `*`. */
export const MAP_KEY_THRESHOLD = 40;

const GENERATED_KEY =
  /^(\d+|[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z]{2,5}_[A-Za-z0-9]{8,})$/i;

const typeOf = (value: unknown): JsonType => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return type;
  return 'object';
};

/** Computes the fingerprint without recursion: hostile data may be nested thousands of levels deep. */
export const fingerprintOf = (data: unknown): Fingerprint => {
  const seen = new Map<string, Set<JsonType>>();
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: data, path: '$', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    const type = typeOf(value);
    const types = seen.get(path);
    if (types) types.add(type);
    else {
      if (seen.size >= MAX_FINGERPRINT_PATHS) continue;
      seen.set(path, new Set([type]));
    }
    if (depth >= MAX_FINGERPRINT_DEPTH) continue;
    if (type === 'array') {
      for (const element of value as unknown[])
        stack.push({ value: element, path: `${path}[]`, depth: depth + 1 });
    } else if (type === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      const isMap = entries.length > MAP_KEY_THRESHOLD;
      for (const [key, child] of entries) {
        const segment = isMap || GENERATED_KEY.test(key) ? '*' : key;
        stack.push({ value: child, path: `${path}.${segment}`, depth: depth + 1 });
      }
    }
  }
  return Object.fromEntries(
    [...seen.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([path, types]) => [path, [...types].sort()]),
  );
};

export interface Drift {
  /** Paths never seen before. */
  readonly added: readonly string[];
  /** Paths every earlier event had, missing now. */
  readonly missing: readonly string[];
  /** Paths with a type never seen there before (`null` is not a new type: fields become nullable freely). */
  readonly retyped: readonly {
    readonly path: string;
    readonly was: readonly JsonType[];
    readonly now: readonly JsonType[];
  }[];
}

/** What is known of an event type's shape: every path seen, and the paths every event had. */
export interface KnownShape {
  readonly paths: Fingerprint;
  readonly required: readonly string[];
}

export const isDrift = (drift: Drift): boolean =>
  drift.added.length + drift.missing.length + drift.retyped.length > 0;

/** Compares one event's fingerprint to the known shape. */
export const compare = (known: KnownShape, current: Fingerprint): Drift => {
  const added: string[] = [];
  const retyped: { path: string; was: JsonType[]; now: JsonType[] }[] = [];
  for (const [path, types] of Object.entries(current)) {
    const was = known.paths[path];
    if (!was) {
      added.push(path);
      continue;
    }
    const fresh = types.filter((t) => t !== 'null' && !was.includes(t));
    if (fresh.length > 0) retyped.push({ path, was, now: types });
  }
  const missing = known.required.filter((path) => !(path in current));
  return { added, missing, retyped };
};

/** Paths inside arrays or maps come and go with the data (an empty list, a new key): never required. */
const canBeRequired = (path: string) => !path.includes('[]') && !path.includes('.*');

/** The known shape after one more event: every path and type seen, required narrowed to what this event had. */
export const merge = (known: KnownShape | undefined, current: Fingerprint): KnownShape => {
  if (!known) return { paths: current, required: Object.keys(current).filter(canBeRequired) };
  const paths: Fingerprint = { ...known.paths };
  for (const [path, types] of Object.entries(current)) {
    paths[path] = [...new Set([...(paths[path] ?? []), ...types])].sort();
  }
  return { paths, required: known.required.filter((path) => path in current) };
};

/** One line naming the paths, for audit entries and logs. */
export const describeDrift = (drift: Drift): string =>
  [
    drift.added.length > 0 ? `new: ${drift.added.join(', ')}` : '',
    drift.missing.length > 0 ? `missing: ${drift.missing.join(', ')}` : '',
    drift.retyped.length > 0
      ? `retyped: ${drift.retyped.map((r) => `${r.path} (${r.was.join('|')} → ${r.now.join('|')})`).join(', ')}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
