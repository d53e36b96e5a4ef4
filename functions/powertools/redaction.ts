/** What replaces a redacted value. */
export const REDACTED = '[REDACTED]';

/** Deeper structures are cut here: a log line is not the place for a 10,000-level payload. */
export const MAX_LOG_DEPTH = 24;
/** Longer strings are cut here, so that one log call cannot cost megabytes of log ingestion. */
export const MAX_LOG_STRING = 8192;

/**
 * Keys whose value is a credential wherever it appears: signature headers of every provider
 * (`stripe-signature`, `x-hub-signature-256`, `x-shopify-hmac-sha256`, `webhook-signature`, …),
 * authorization and cookies, secrets, tokens, passwords, keys. Compared lower-cased with
 * separators removed, so `X-Api-Key`, `api_key` and `apiKey` are one key. `secretIndex` (which
 * secret verified an event) is not a secret and stays readable.
 */
const SENSITIVE_KEY =
  /signature|hmac|authorization|cookie|password|passwd|secret$|secrets$|token$|apikey$|privatekey$|credential/;

/**
 * Credentials recognisable by their shape inside any string (a message, an error, a header
 * echoed in a detail): provider secret prefixes, HTTP auth schemes, and the signature formats
 * of Stripe (`v1=<hex>`), GitHub (`sha256=<hex>`) and Standard Webhooks (`v1,<base64>`).
 */
const SENSITIVE_TEXT: readonly [RegExp, string][] = [
  [/\b(whsec|whpk|sk_live|sk_test|rk_live|rk_test|xoxb|ghp|github_pat)_[A-Za-z0-9+/=_-]+/g, `$1_${REDACTED}`],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/\b(v1|v0|sha1|sha256)=[0-9a-f]{40,}/gi, `$1=${REDACTED}`],
  [/\b(v1a?),[A-Za-z0-9+/]{20,}={0,2}/g, `$1,${REDACTED}`],
  // JSON.parse quotes what it could not parse (`Unexpected token 'h', "hooks:s3cret" is not valid
  // JSON`): a secret stored in the wrong shape would otherwise be logged with the error.
  [/Unexpected token [^\n]*?, "/g, `Unexpected token ${REDACTED}, "`],
  [/"[^\n]*"(?:\.\.\.)? is not valid JSON/g, `"${REDACTED}" is not valid JSON`],
];

const normalizeKey = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

export const isSensitiveKey = (key: string): boolean => {
  const normalized = normalizeKey(key);
  return normalized !== 'secretindex' && SENSITIVE_KEY.test(normalized);
};

export const redactText = (text: string): string => {
  let result =
    text.length > MAX_LOG_STRING
      ? `${text.slice(0, MAX_LOG_STRING)}…[${text.length - MAX_LOG_STRING} more characters]`
      : text;
  for (const [pattern, replacement] of SENSITIVE_TEXT) result = result.replace(pattern, replacement);
  return result;
};

/** A configured PII path: dot-separated keys, `*` for any one key, `**` for any number of keys. */
type PathPattern = readonly string[];

export const parsePathPatterns = (paths: readonly string[]): PathPattern[] =>
  paths
    .map((path) => path.split('.').filter((segment) => segment.length > 0))
    .filter((segments) => segments.length > 0);

const matches = (pattern: PathPattern, path: readonly string[], p = 0, k = 0): boolean => {
  if (p === pattern.length) return k === path.length;
  const segment = pattern[p];
  if (segment === '**') {
    for (let skip = k; skip <= path.length; skip += 1) if (matches(pattern, path, p + 1, skip)) return true;
    return false;
  }
  if (k === path.length) return false;
  return (segment === '*' || segment === path[k]) && matches(pattern, path, p + 1, k + 1);
};

export interface RedactorOptions {
  /** PII paths from the configuration (`observability.piiPaths`). */
  readonly paths?: readonly string[];
  /** Turns an Error into plain attributes (the Logger's own error format). */
  readonly formatError?: (error: Error) => Record<string, unknown>;
}

const isPlainObject = (value: object): value is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * Returns a redacted copy of a log line's attributes: credentials by key and by shape, the
 * configured PII paths, binary data, over-long strings and over-deep nesting. Array indices are
 * not path segments, so `items.*.email` covers every element of `items`.
 */
export const createRedactor = (options: RedactorOptions = {}) => {
  const patterns = parsePathPatterns(options.paths ?? []);
  const formatError =
    options.formatError ?? ((error: Error) => ({ name: error.name, message: error.message }));
  const isPii = (path: readonly string[]) => patterns.some((pattern) => matches(pattern, path));

  const visit = (value: unknown, path: string[], depth: number, ancestors: Set<object>): unknown => {
    if (typeof value === 'string') return redactText(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_LOG_DEPTH) return '[Truncated: too deep]';
    if (ancestors.has(value)) return '[Circular]';
    if (ArrayBuffer.isView(value)) return `[Binary: ${value.byteLength} bytes]`;
    if (value instanceof Error) return visit(formatError(value), path, depth, ancestors);
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value)) return value;
    ancestors.add(value);
    let copy: unknown;
    if (isArray) {
      copy = value.map((element: unknown) => visit(element, path, depth + 1, ancestors));
    } else {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        const childPath = [...path, key];
        // defineProperty, because a `__proto__` key from parsed JSON must stay a plain key.
        Object.defineProperty(out, key, {
          value:
            isSensitiveKey(key) || isPii(childPath)
              ? REDACTED
              : visit(child, childPath, depth + 1, ancestors),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      copy = out;
    }
    ancestors.delete(value);
    return copy;
  };

  return (attributes: Record<string, unknown>): Record<string, unknown> =>
    visit(attributes, [], 0, new Set()) as Record<string, unknown>;
};
