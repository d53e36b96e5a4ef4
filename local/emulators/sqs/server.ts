import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from '../loopback';
import { SqsError } from './errors';
import { ResponseDroppedError } from './faults';
import { encodeBlobs } from './wire';

export interface RunningServer {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface WireHandler {
  handle(action: string, body: unknown, signal: AbortSignal): Promise<unknown>;
}

const TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  response.end(body);
}

function sendError(response: ServerResponse, error: SqsError): void {
  send(response, error.status, JSON.stringify({ __type: error.type, message: error.message }), {
    'x-amzn-query-error': `${error.queryCode};${error.senderFault ? 'Sender' : 'Receiver'}`,
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SqsError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

async function respond(handler: WireHandler, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // A client that hangs up mid long poll must not leave a waiter that swallows the next message.
  const abandoned = new AbortController();
  response.on('close', () => {
    if (!response.writableEnded) abandoned.abort();
  });
  try {
    const text = await readBody(request);
    const target = request.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
      throw new SqsError('InvalidAction', 'Missing or unknown X-Amz-Target; expected AmazonSQS.<Action>.');
    }
    const output = await handler.handle(target.slice(TARGET_PREFIX.length), parseJson(text), abandoned.signal);
    send(response, 200, JSON.stringify(output ?? {}, encodeBlobs));
  } catch (error) {
    if (error instanceof ResponseDroppedError) {
      request.socket.destroy();
    } else if (error instanceof SqsError) {
      sendError(response, error);
    } else {
      sendError(response, new SqsError('InternalError', 'We encountered an internal error. Please try again.'));
    }
  }
}

/** Serves the SQS JSON protocol on 127.0.0.1. `stop` also destroys kept-alive sockets. */
export function serve(handler: WireHandler, port: number): Promise<RunningServer> {
  return listenOnLoopback('SQS', port, (request, response) => respond(handler, request, response));
}
