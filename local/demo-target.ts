import { text } from 'node:stream/consumers';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { listenOnLoopback, type RunningEmulator } from './emulators/loopback';

/** What the demo target saw of one delivery, newest last. */
export interface DemoDelivery {
  readonly at: string;
  readonly status: number;
  readonly webhookId: string;
  readonly eventId: string;
  readonly type: string;
  readonly entity: string;
}

export interface RunningDemoTarget extends RunningEmulator {
  /** The URL the local demo route delivers to. */
  readonly deliveriesUrl: string;
  deliveries(): readonly DemoDelivery[];
  outage(): boolean;
}

/** Deliveries kept for `GET /`; a long session must not grow without bound. */
const KEPT = 200;

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

/** The parts of a delivered IntegrationEvent the demo shows; anything else reads `?`. */
const DeliveredEvent = z.object({
  id: z.string().catch('?'),
  type: z.string().catch('?'),
  entity: z
    .object({ kind: z.string(), id: z.string() })
    .transform(({ kind, id }) => `${kind}:${id}`)
    .catch('?'),
});

const describeEvent = (body: string): Pick<DemoDelivery, 'eventId' | 'type' | 'entity'> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = {};
  }
  const { id, type, entity } = DeliveredEvent.catch({ id: '?', type: '?', entity: '?' }).parse(parsed);
  return { eventId: id, type, entity };
};

/**
 * The HTTP target `npm start` routes events to when the config declares no routes, so that a new
 * user sees deliveries, failures and replays without writing a server:
 * - `POST /deliveries`: the route's target; `200`, or `503` while an outage is on;
 * - `PUT /outage` starts an outage, `DELETE /outage` ends it;
 * - `GET /`: the outage state and the latest deliveries.
 * Each delivery is also written to `log`, so the `npm start` terminal shows retries as they happen.
 */
export const startDemoTarget = async (options: {
  readonly port: number;
  readonly log: (line: string) => void;
}): Promise<RunningDemoTarget> => {
  const received: DemoDelivery[] = [];
  let outage = false;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/deliveries' && req.method === 'POST') {
      const status = outage ? 503 : 200;
      const delivery: DemoDelivery = {
        at: new Date().toISOString(),
        status,
        webhookId: String(req.headers['webhook-id'] ?? ''),
        ...describeEvent(await text(req)),
      };
      received.push(delivery);
      if (received.length > KEPT) received.shift();
      options.log(
        `[demo-target] ${status} ${delivery.type} ${delivery.eventId} (${delivery.entity})${outage ? ' outage on' : ''}`,
      );
      json(res, status, outage ? { error: 'demo outage: DELETE /outage to end it' } : { received: true });
      return;
    }
    if (path === '/outage' && (req.method === 'PUT' || req.method === 'DELETE')) {
      outage = req.method === 'PUT';
      options.log(`[demo-target] outage ${outage ? 'started: deliveries answer 503' : 'ended'}`);
      json(res, 200, { outage });
      return;
    }
    if (path === '/' && req.method === 'GET') {
      json(res, 200, { outage, deliveries: received.slice(-50).reverse() });
      return;
    }
    json(res, 404, { error: 'POST /deliveries, PUT or DELETE /outage, GET /' });
  };
  const running = await listenOnLoopback('demo target', options.port, handle);
  return {
    ...running,
    deliveriesUrl: `${running.endpoint}/deliveries`,
    deliveries: () => [...received],
    outage: () => outage,
  };
};
