import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a provider fake answers a request with. */
export interface HttpAnswer {
  readonly status: number;
  /** Sent as JSON; a string is sent as it is, as `contentType` (plain text by default). Absent: no body. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request's headers as one string each (repeated ones joined), as the providers' verifiers read them. */
export const headersOf = (req: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );

export const writeAnswer = (res: ServerResponse, answer: HttpAnswer): void => {
  const text =
    answer.body === undefined
      ? ''
      : typeof answer.body === 'string'
        ? answer.body
        : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(answer.body === undefined
      ? {}
      : {
          'content-type':
            answer.contentType ?? (typeof answer.body === 'string' ? 'text/plain' : 'application/json'),
        }),
    'content-length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
};
