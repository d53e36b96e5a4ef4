import type { AccessLogEntry } from './server';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `$context.requestTime`: the Common Log Format time, as API Gateway writes it. */
const clfTime = (iso: string): string => {
  const at = new Date(iso);
  return `${pad(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`;
};

/** The `$context` variables the runtime knows, read off one request; undefined where it has none. */
const CONTEXT: Readonly<Record<string, (entry: AccessLogEntry) => string | number | undefined>> = {
  requestId: (e) => e.requestId,
  extendedRequestId: (e) => e.requestId,
  'identity.sourceIp': (e) => e.sourceIp.replace(/^::ffff:/, ''),
  httpMethod: (e) => e.method,
  path: (e) => e.path,
  routeKey: (e) => e.routeKey,
  protocol: () => 'HTTP/1.1',
  status: (e) => e.status,
  responseLength: (e) => e.responseLength,
  responseLatency: (e) => Math.round(e.latencyMs),
  integrationLatency: (e) =>
    e.integrationLatencyMs === undefined ? undefined : Math.round(e.integrationLatencyMs),
  integrationErrorMessage: (e) => e.integrationError,
  requestTime: (e) => clfTime(e.requestTime),
  requestTimeEpoch: (e) => Date.parse(e.requestTime),
};

const VARIABLE = /\$context\.([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)/g;

/**
 * The writer of a stage's access log (`AccessLogSettings.Format`): each `$context` variable
 * replaced by its value, `-` where the request has none, as API Gateway writes them, so that what
 * the runtime logs is what a deployed stage would bill. A variable the runtime does not know fails
 * here, when the stack starts, rather than printing a line a deployed stage would not.
 */
export const accessLogFormatter = (format: string): ((entry: AccessLogEntry) => string) => {
  const unknown = [...format.matchAll(VARIABLE)]
    .map(([, name = '']) => name)
    .filter((name) => !(name in CONTEXT));
  if (unknown.length > 0)
    throw new Error(
      `the stage's access log format uses ${unknown.map((name) => `$context.${name}`).join(', ')}, which the local runtime does not know; it knows ${Object.keys(CONTEXT).join(', ')}`,
    );
  return (entry) =>
    format.replace(VARIABLE, (_, name: string) => {
      const value = CONTEXT[name]?.(entry);
      return value === undefined || value === '' ? '-' : String(value);
    });
};
