import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RunningEmulator {
  readonly endpoint: string;
  /** Closes the server and destroys every open socket (keep-alive too), so a test process exits. */
  stop(): Promise<void>;
}

/** `localhost`, `127.0.0.1` or `[::1]`, with or without a port. */
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/**
 * Whether a request's Host header names this machine. A web page the developer opens can make
 * the browser send requests to 127.0.0.1 under its own domain name (DNS rebinding) and read the
 * answers; such requests carry that domain as their Host, so refusing every other name keeps
 * the emulators' secrets and data on this machine.
 */
export const isLoopbackHost = (host: string | undefined): boolean =>
  host !== undefined && LOOPBACK_HOST.test(host);

const refuse = (req: IncomingMessage, res: ServerResponse, name: string) => {
  const body = JSON.stringify({
    message: `The local ${name} emulator answers only requests addressed to localhost, 127.0.0.1 or [::1]; Host ${JSON.stringify(req.headers.host ?? '')} is refused.`,
  });
  // The body is not read: closing the connection keeps its unread bytes from being taken as a request.
  res.writeHead(403, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
};

/**
 * Serves `handle` on 127.0.0.1 (`port` 0 picks a free one): the HTTP front every emulator shares.
 * Requests whose Host is not a loopback name are answered 403 before `handle` sees them.
 */
export const listenOnLoopback = async (
  name: string,
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<RunningEmulator> => {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    if (isLoopbackHost(req.headers.host)) void handle(req, res);
    else refuse(req, res, name);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${name} emulator has no TCP address`);
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
};
