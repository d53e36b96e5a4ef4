/**
 * Maps a Lambda outcome to the HTTP response an HTTP API (payload format 2.0) sends.
 *
 * - A result object with `statusCode` is used as is: `headers`, `cookies` (one `set-cookie` each),
 *   `body`, `isBase64Encoded` (body decoded to bytes). Without a `content-type` the response gets
 *   `text/plain; charset=utf-8`, as HTTP APIs answer. A malformed one (status not an integer
 *   100-599, body not a string, header value not a scalar) is a 500, as API Gateway rejects it.
 * - Any other result (a string, an object without `statusCode`, a number, null) is inferred as
 *   200, `content-type: application/json`, body = the string itself or the JSON text
 *   (AWS knowledge center "api-gateway-status-codes-http-api" and the integration docs).
 * - A Lambda error of any kind (function error, timeout, crash, throttle) is 500
 *   `{"message":"Internal Server Error"}`.
 */

export type IntegrationOutcome = { readonly result: unknown } | { readonly error: unknown };

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** Headers API Gateway computes itself rather than taking from the integration. */
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);

export function gatewayMessage(statusCode: number, message: string): HttpResponse {
  return {
    statusCode,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

export const INTERNAL_SERVER_ERROR = gatewayMessage(500, 'Internal Server Error');

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function structuredResponse(result: Record<string, unknown>): HttpResponse {
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return INTERNAL_SERVER_ERROR;
  }
  if (
    !isRecord(headers) ||
    !Array.isArray(cookies) ||
    !cookies.every((cookie) => typeof cookie === 'string')
  ) {
    return INTERNAL_SERVER_ERROR;
  }
  if (body !== undefined && body !== null && typeof body !== 'string') return INTERNAL_SERVER_ERROR;

  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === null || value === undefined) continue;
    if (!isScalar(value)) return INTERNAL_SERVER_ERROR;
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push([name.toLowerCase(), String(value)]);
  }
  if (!out.some(([name]) => name === 'content-type')) out.push(['content-type', 'text/plain; charset=utf-8']);
  for (const cookie of cookies) out.push(['set-cookie', cookie]);

  const text = typeof body === 'string' ? body : '';
  return {
    statusCode,
    headers: out,
    body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}

export function toHttpResponse(outcome: IntegrationOutcome): HttpResponse {
  if ('error' in outcome) return INTERNAL_SERVER_ERROR;
  const { result } = outcome;
  if (isRecord(result) && 'statusCode' in result) return structuredResponse(result);
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return {
    statusCode: 200,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(body, 'utf8'),
  };
}
