import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Delivery {
  readonly path: string;
  readonly webhookId: string;
  readonly event: {
    id: string;
    type: string;
    entity: { id: string };
    occurredAt: string;
    data: Record<string, unknown>;
  };
  readonly at: number;
}

/** Decides the status the sink answers for one delivery; 2xx by default. */
export type SinkBehaviour = (delivery: Delivery, attempt: number) => number;

/**
 * The HTTP target of the end-to-end routes: records every delivery (the independent ledger the
 * tests check against) and answers what the test's behaviour says.
 */
export class Sink {
  readonly deliveries: Delivery[] = [];
  private readonly attempts = new Map<string, number>();
  private server: Server | undefined;
  behaviour: SinkBehaviour = () => 200;

  async start(port: number): Promise<void> {
    this.server = createServer((request, response) => {
      void this.receive(request).then((status) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
  }

  private async receive(request: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const delivery: Delivery = {
      path: request.url ?? '',
      webhookId: String(request.headers['webhook-id']),
      event: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivery['event'],
      at: Date.now(),
    };
    const key = `${delivery.path} ${delivery.webhookId}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const status = this.behaviour(delivery, attempt);
    if (status >= 200 && status < 300) this.deliveries.push(delivery);
    return status;
  }

  /** Successful deliveries to a path. */
  to(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  attemptsOf(path: string, webhookId: string): number {
    return this.attempts.get(`${path} ${webhookId}`) ?? 0;
  }

  /** Resolves at once when the sink never started: a runtime that failed to start still cleans up. */
  async stop(): Promise<void> {
    const { server } = this;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  }
}

/**
 * Polls until `check` holds or the time runs out; returns whether it held. Given a runtime's clock,
 * each poll also moves it `stepMs` forward, so that backoffs and circuit breaker waits play out in
 * a fraction of their time while requests still flow at real speed.
 */
export const eventually = async (
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
  fastForward?: { readonly clock: { advance(ms: number): void }; readonly stepMs: number },
): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
    fastForward?.clock.advance(fastForward.stepMs);
  }
  return check();
};
