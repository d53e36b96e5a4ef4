import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Builds the HTTP API payload format 2.0 event
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
 *
 * Rules implemented, with where they come from:
 * - Header names are lower-cased; a header sent several times is one value joined with commas;
 *   `cookie` headers are removed from `headers` and split into `cookies` (AWS docs, format differences).
 * - Duplicate query string names are joined with commas; names and values are URL-decoded
 *   (`+` as space), while `rawQueryString` is passed exactly as sent (AWS docs, routes page:
 *   "API Gateway decodes URL-encoded request parameters").
 * - `rawPath` and `requestContext.http.path` are percent-decoded: HTTP APIs, unlike REST APIs and
 *   function URLs, deliver the decoded path (observed on live HTTP APIs).
 * - The body is a UTF-8 string only for `text/*`, `application/json`, `application/xml` and
 *   `application/javascript` (parameters such as `charset` ignored); any other or missing content
 *   type, `application/x-www-form-urlencoded` included, is base64 with `isBase64Encoded: true`.
 *   The docs only say "if the content type is binary"; the split was observed on live HTTP APIs.
 *   A body with a `content-encoding` (compressed bytes) is always base64.
 * - API Gateway adds `x-forwarded-for` (client-supplied chain, then the source IP),
 *   `x-forwarded-port`, `x-forwarded-proto` and `x-amzn-trace-id`.
 */

export interface RawRequest {
  readonly method: string;
  /** The request target exactly as received (`req.url`). */
  readonly target: string;
  /** Node's `rawHeaders`: names and values alternating, original case and order. */
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly sourceIp: string;
  readonly localPort: number;
  readonly body: Buffer;
}

export interface ApiIdentity {
  readonly apiId: string;
  readonly accountId: string;
  readonly region: string;
}

const TEXT_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function isTextBody(contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (contentEncoding !== undefined && contentEncoding.trim() !== '') return false;
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType.startsWith('text/') || TEXT_TYPES.has(mediaType);
}

/** HTTP API request ids look like `JKJaXmPLvHcESHA=`. */
export function newRequestId(): string {
  return randomBytes(11).toString('base64');
}

function decode(value: string, plusAsSpace: boolean): string {
  const text = plusAsSpace ? value.replaceAll('+', ' ') : value;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function splitTarget(target: string): { encodedPath: string; rawQueryString: string } {
  const queryAt = target.indexOf('?');
  const encodedPath = queryAt === -1 ? target : target.slice(0, queryAt);
  return {
    encodedPath: encodedPath === '' ? '/' : encodedPath,
    rawQueryString: queryAt === -1 ? '' : target.slice(queryAt + 1),
  };
}

export function decodedPathSegments(encodedPath: string): string[] {
  return encodedPath === '/'
    ? []
    : encodedPath
        .slice(1)
        .split('/')
        .map((segment) => decode(segment, false));
}

function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals === -1 ? pair : pair.slice(0, equals), true);
    const value = equals === -1 ? '' : decode(pair.slice(equals + 1), true);
    parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

function collectHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ''),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
}

export function formatRequestTime(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()] ?? ''}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function traceId(now: Date): string {
  return `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

export function buildEvent(
  request: RawRequest,
  route: { routeKey: string; pathParameters: Readonly<Record<string, string>> | undefined },
  identity: ApiIdentity,
  requestId: string,
  now: Date,
): APIGatewayProxyEventV2 {
  const { encodedPath, rawQueryString } = splitTarget(request.target);
  const path = decode(encodedPath, false);
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  headers['x-forwarded-for'] =
    headers['x-forwarded-for'] === undefined
      ? request.sourceIp
      : `${headers['x-forwarded-for']}, ${request.sourceIp}`;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(now);

  const domainName = (
    headers.host ?? `${identity.apiId}.execute-api.${identity.region}.amazonaws.com`
  ).replace(/:\d+$/, '');
  const queryStringParameters = parseQuery(rawQueryString);
  const hasBody = request.body.length > 0;
  const text = isTextBody(headers['content-type'], headers['content-encoding']);

  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: path,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters === undefined ? {} : { queryStringParameters }),
    ...(route.pathParameters === undefined ? {} : { pathParameters: { ...route.pathParameters } }),
    requestContext: {
      accountId: identity.accountId,
      apiId: identity.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method,
        path,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}
