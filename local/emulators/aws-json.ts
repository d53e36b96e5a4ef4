import { text } from 'node:stream/consumers';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { ResponseDroppedError, type FaultSchedule, type RefusingFault } from './fault-schedule';
import { listenOnLoopback, type RunningEmulator } from './loopback';

/**
 * The AWS JSON protocol front every JSON emulator shares: `POST /` with
 * `X-Amz-Target: <prefix><Action>` and a JSON body, answered with the action's output or an
 * error whose `__type` names the exception (https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html).
 */

/** An AWS error as the SDK reads it: `__type` names the exception, `status` is the HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** An answer sent as it is, status included (DynamoDB relays dynalite's answers, errors too). */
export class AwsResponse {
  constructor(
    readonly status: number,
    readonly body: Readonly<Record<string, unknown>>,
  ) {}
}

export interface ActionContext {
  /** Aborted when the client hangs up before the answer (a long poll must then stop waiting). */
  readonly signal: AbortSignal;
}

/** One action: the parsed request body in, the response body (or an {@link AwsResponse}) out. */
export type AwsAction = (input: unknown, context: ActionContext) => unknown;

export interface AwsJsonProtocol {
  /** Names the service in the loopback refusal. */
  readonly service: string;
  readonly targetPrefix: string;
  readonly version: '1.0' | '1.1';
  /** The code of the error an action's unexpected exception becomes (status 500). */
  readonly internalError: string;
  /** @default 'UnknownOperationException' */
  readonly unknownAction?: string;
  /** The `__type` of an error code. @default the code itself */
  readonly errorType?: (code: string) => string;
  /** Builds every error the front itself raises, so that a service can add its own details. */
  readonly error?: (code: string, message: string, status?: number) => AwsError;
  /** @default ThrottlingException "Rate exceeded" */
  readonly throttle?: (code: string | undefined) => AwsError;
  /** DynamoDB clients check the `x-amz-crc32` of every answer. */
  readonly checksum?: boolean;
}

/** The error an injected `error` or `throttle` fault answers with, as `protocol` words it. */
export function refusal(protocol: AwsJsonProtocol, fault: RefusingFault): AwsError {
  const error = protocol.error ?? ((code, message, status) => new AwsError(code, message, status));
  if (fault.kind === 'error')
    return error(fault.code, fault.message ?? `Injected ${fault.code}`, fault.status);
  return protocol.throttle?.(fault.code) ?? error(fault.code ?? 'ThrottlingException', 'Rate exceeded');
}

/**
 * Serves `actions` on 127.0.0.1. Each request is counted and put under its fault by `faults`;
 * without `faults` the actions do both themselves (SQS: its faults apply in process too).
 */
/** The request as a fault's `matching` sees it: the parsed body, or undefined when it is not JSON. */
const requestOf = (body: string): unknown => {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
};

export function serveAwsJson(
  protocol: AwsJsonProtocol,
  actions: Readonly<Record<string, AwsAction>>,
  faults: FaultSchedule | undefined,
  port = 0,
): Promise<RunningEmulator> {
  const newError = protocol.error ?? ((code, message, status) => new AwsError(code, message, status));
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body, wireValue);
    res.writeHead(status, {
      'Content-Type': `application/x-amz-json-${protocol.version}`,
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': randomUUID(),
      ...(protocol.checksum ? { 'x-amz-crc32': String(crc32(text)) } : {}),
      ...headers,
    });
    res.end(text);
  };

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const abandoned = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) abandoned.abort();
    });
    const body = await text(req);
    const target = req.headers['x-amz-target'];
    const action =
      typeof target === 'string' && target.startsWith(protocol.targetPrefix)
        ? target.slice(protocol.targetPrefix.length)
        : String(target);
    const run = () => {
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!handler)
        throw newError(protocol.unknownAction ?? 'UnknownOperationException', `Unknown operation ${action}`);
      return handler(parseBody(body, newError), {
        signal: abandoned.signal,
      });
    };
    try {
      const output = await (faults
        ? faults.run(action, run, (fault) => refusal(protocol, fault), requestOf(body))
        : run());
      if (output instanceof AwsResponse) send(res, output.status, output.body);
      else send(res, 200, output ?? {});
    } catch (thrown) {
      if (thrown instanceof ResponseDroppedError) {
        req.socket.destroy();
        return;
      }
      const error =
        thrown instanceof AwsError
          ? thrown
          : newError(
              protocol.internalError,
              thrown instanceof Error ? thrown.message : 'Internal error',
              500,
            );
      const type = protocol.errorType?.(error.code) ?? error.code;
      send(res, error.status, { __type: type, message: error.message }, { ...error.headers });
    }
  };
  return listenOnLoopback(protocol.service, port, answer);
}

function parseBody(text: string, newError: NonNullable<AwsJsonProtocol['error']>): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw newError('SerializationException', 'Request body is not valid JSON');
  }
}

/** The JSON protocols carry timestamps as epoch seconds and blobs as base64. */
function wireValue(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify has already turned a Date into ISO text; the holder still has the Date.
  const original = this && typeof this === 'object' ? (this as Record<string, unknown>)[key] : undefined;
  if (original instanceof Date) return original.getTime() / 1000;
  if (original instanceof Uint8Array) return Buffer.from(original).toString('base64');
  return value;
}
