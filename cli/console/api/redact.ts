import { isUtf8 } from 'node:buffer';
import {
  createRedactor,
  isSensitiveKey,
  MAX_LOG_DEPTH,
  MAX_LOG_STRING,
  redactText,
} from '../../../functions/powertools/redaction';
import { MASKED_PREFIX, maskSignatureHeaders } from '../../../functions/store/masking';

/**
 * The console shows payloads through the logs' own redaction (decision 0032): credentials by key
 * and by shape, the configured PII paths (`observability.piiPaths`, from the payload's root),
 * binary data, strings over 8 KB and nesting over 24 levels. Headers are masked as the store
 * and the CLI mask them first, so that a signature shows as the digest an operator can match.
 */
export interface PayloadRedactor {
  headers(headers: Readonly<Record<string, string>>): Record<string, string>;
  /** A raw body as text: JSON and form bodies by their keys, any other text by shape. */
  body(bytes: Buffer, contentType: string | undefined): { body: string; truncated: boolean };
  value<T>(value: T): T;
}

/** Whether the logs' limits cut something of `value` (a long string, deep nesting). */
const exceedsLogLimits = (value: unknown, depth = 0): boolean => {
  if (typeof value === 'string') return value.length > MAX_LOG_STRING;
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= MAX_LOG_DEPTH) return true;
  return Object.values(value).some((child) => exceedsLogLimits(child, depth + 1));
};

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
};

export const contentTypeOf = (headers: Readonly<Record<string, string>>): string | undefined =>
  Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];

export const payloadRedactor = (paths: readonly string[]): PayloadRedactor => {
  const redact = createRedactor({ paths });
  // Paths count from the value's own root, as they do from a log line's.
  const value = <T>(input: T): T => {
    if (typeof input === 'string') return redactText(input) as T;
    if (typeof input !== 'object' || input === null) return input;
    return redact(input as Record<string, unknown>) as T;
  };
  return {
    // A masked value is a digest already: it stays, for the operator to match against a dashboard.
    headers: (headers) =>
      Object.fromEntries(
        Object.entries(maskSignatureHeaders(headers)).map(([name, field]) => [
          name,
          field.startsWith(MASKED_PREFIX) ? field : String(redact({ [name]: field })[name]),
        ]),
      ),
    value,
    body: (bytes, contentType) => {
      if (!isUtf8(bytes)) return { body: `[Binary: ${bytes.length} bytes]`, truncated: false };
      const text = bytes.toString('utf8');
      const json = /json/i.test(contentType ?? '') || /^\s*[[{]/.test(text) ? parseJson(text) : undefined;
      if (json?.ok) {
        return { body: JSON.stringify(value(json.value), null, 2), truncated: exceedsLogLimits(json.value) };
      }
      if (/application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
        const fields = [...new URLSearchParams(text)];
        const shown = fields.map(([key, field]): [string, string] => [
          key,
          String(redact({ [key]: field })[key]),
        ]);
        return {
          body: new URLSearchParams(shown).toString(),
          truncated: fields.some(([key, field]) => !isSensitiveKey(key) && field.length > MAX_LOG_STRING),
        };
      }
      return { body: redactText(text), truncated: text.length > MAX_LOG_STRING };
    },
  };
};
