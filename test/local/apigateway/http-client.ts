import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A request with full control over the wire: headers are sent in order and a repeated name is
 * sent as separate header lines (fetch would merge them into one).
 */
export function sendRaw(
  baseUrl: string,
  options: {
    method?: string;
    path: string;
    headers?: readonly (readonly [string, string])[];
    body?: Buffer | string;
  },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers = (options.headers ?? []).flatMap(([name, value]) => [name, value]);
  // With headers given as a raw list Node adds no Host header, and an HTTP/1.1 server rejects that.
  if (!headers.some((name, index) => index % 2 === 0 && name.toLowerCase() === 'host'))
    headers.unshift('host', url.host);
  if (body !== undefined) headers.push('content-length', String(body.length));
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
