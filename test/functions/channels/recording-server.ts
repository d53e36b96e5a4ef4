import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Message } from '#shared/channels/contract';

/** A request as the local server received it. */
export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the server answers a request with; `hang` never answers, `reset` drops the connection. */
export type Reply =
  | {
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | 'hang'
  | 'reset';

/** A node:http server on 127.0.0.1 that records every request and answers as `reply` says. */
export class RecordingServer {
  readonly requests: Recorded[] = [];
  reply: (request: Recorded) => Reply = () => ({ status: 200, body: {} });
  private readonly server: Server;
  private readonly hanging: ServerResponse[] = [];

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded: Recorded = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        const reply = this.reply(recorded);
        if (reply === 'hang') {
          this.hanging.push(res);
          return;
        }
        if (reply === 'reset') {
          req.socket.destroy();
          return;
        }
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? '');
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.status === 204 ? undefined : text);
      });
    });
  }

  static async start(): Promise<RecordingServer> {
    const recording = new RecordingServer();
    await new Promise<void>((resolve) => recording.server.listen(0, '127.0.0.1', resolve));
    return recording;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }
}

/** A message as the delivery code builds it, for the adapter tests. */
export const aMessage = (overrides: Partial<Message> = {}): Message => ({
  v: 1,
  id: 'msg_01J9Z8Q4TQ4Y1M2N3P4Q5R6S7T',
  tenant: 'acme',
  channel: 'sms',
  via: 'twilio',
  to: '+15558675310',
  content: { body: 'Hi there' },
  correlationId: 'corr-0001',
  causationEventId: 'evt-0001',
  metadata: {},
  ...overrides,
});

/** A fixture from an adapter's folder: `functions/channels/<adapter>/fixtures/<name>.json`. */
export const channelFixture = <T>(adapter: string, name: string): T =>
  JSON.parse(
    readFileSync(join(__dirname, '../../../functions/channels', adapter, 'fixtures', `${name}.json`), 'utf8'),
  ) as T;
