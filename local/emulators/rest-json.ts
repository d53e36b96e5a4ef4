import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import { AwsError } from './aws-json';
import { ResponseDroppedError, type FaultSchedule, type RefusingFault } from './fault-schedule';
import { listenOnLoopback, type RunningEmulator } from './loopback';

/**
 * The AWS REST-JSON protocol front (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html):
 * the action is named by the method and path, its input by the path, the query and a JSON body;
 * an error is its HTTP status, an `x-amzn-ErrorType` header naming the exception, and a JSON body.
 */

export interface RestJsonRequest {
  readonly query: URLSearchParams;
  readonly body: unknown;
}

/**
 * An action's output that sets its own status and headers: Lambda's Invoke answers a function's
 * error 200 with `X-Amz-Function-Error` and the error document as the body.
 */
export class RestJsonAnswer {
  constructor(
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly status?: number,
  ) {}
}

/** One action at one method and path. */
export interface RestJsonRoute {
  readonly action: string;
  run(request: RestJsonRequest): unknown;
  /** @default 200 (Lambda answers an update 202 Accepted) */
  readonly status?: number;
}

export interface RestJsonProtocol {
  /** Names the service in the loopback refusal. */
  readonly service: string;
  /** The action a method and path name (path parameters already bound), if any. */
  route(method: string, path: string): RestJsonRoute | undefined;
  /** The code of the error an action's unexpected exception becomes (status 500). */
  readonly internalError: string;
  /** The error an injected throttle answers with. */
  throttle(code: string | undefined): AwsError;
  /** The error body, which services spell differently. @default `{ Message }` */
  errorBody?(error: AwsError): unknown;
  /** The error code of a body that is not JSON. @default 'ValidationException' */
  readonly invalidBody?: AwsError;
}

/** REST-JSON carries timestamps as epoch seconds. */
function wireValue(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify has already turned a Date into ISO text; the holder still has the Date.
  const original = this && typeof this === 'object' ? (this as Record<string, unknown>)[key] : undefined;
  return original instanceof Date ? original.getTime() / 1000 : value;
}

const send = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
) => {
  const json = JSON.stringify(body, wireValue);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  res.end(json);
};

const parseBody = (body: string, invalid: AwsError): unknown => {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw invalid;
  }
};

const INVALID_BODY = new AwsError('ValidationException', 'The request body is not valid JSON.');

/** Serves `protocol`'s routes on 127.0.0.1, each request counted and put under its fault by `faults`. */
export function serveRestJson(
  protocol: RestJsonProtocol,
  faults: FaultSchedule,
  port = 0,
): Promise<RunningEmulator> {
  const refusal = (fault: RefusingFault): AwsError =>
    fault.kind === 'throttle'
      ? protocol.throttle(fault.code)
      : new AwsError(fault.code, fault.message ?? `Injected ${fault.code}`, fault.status);

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await text(req);
    const route = protocol.route(req.method ?? 'GET', url.pathname);
    try {
      if (!route)
        throw new AwsError('UnknownOperationException', `No action at ${req.method} ${url.pathname}`, 404);
      const output = await faults.run(
        route.action,
        () =>
          route.run({ query: url.searchParams, body: parseBody(body, protocol.invalidBody ?? INVALID_BODY) }),
        refusal,
      );
      if (output instanceof RestJsonAnswer)
        send(res, output.status ?? route.status ?? 200, output.body ?? null, output.headers);
      else send(res, route.status ?? 200, output ?? {});
    } catch (thrown) {
      if (thrown instanceof ResponseDroppedError) return void req.socket.destroy();
      const error =
        thrown instanceof AwsError
          ? thrown
          : new AwsError(
              protocol.internalError,
              thrown instanceof Error ? thrown.message : 'Internal error',
              500,
            );
      send(res, error.status, protocol.errorBody?.(error) ?? { Message: error.message }, {
        'x-amzn-ErrorType': error.code,
        ...error.headers,
      });
    }
  };
  return listenOnLoopback(protocol.service, port, answer);
}
