import { startDemoTarget, type RunningDemoTarget } from '../../local/demo-target';

let target: RunningDemoTarget;
let lines: string[];

beforeEach(async () => {
  lines = [];
  target = await startDemoTarget({ port: 0, log: (line) => lines.push(line) });
});
afterEach(() => target.stop());

const deliver = (body: string) =>
  fetch(target.deliveriesUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': 'stripe:evt_demo_1' },
    body,
  });

const event = JSON.stringify({
  id: 'ev_1',
  type: 'payment_intent.succeeded',
  entity: { kind: 'customer', id: 'cus_demo' },
});

describe('the local demo target', () => {
  it('accepts deliveries and lists them, newest first', async () => {
    await deliver(event);
    await deliver(event.replace('ev_1', 'ev_2'));

    const state = (await (await fetch(`${target.endpoint}/`)).json()) as {
      outage: boolean;
      deliveries: { eventId: string; status: number; entity: string; webhookId: string }[];
    };

    expect(state.outage).toBe(false);
    expect(state.deliveries.map((d) => [d.eventId, d.status])).toEqual([
      ['ev_2', 200],
      ['ev_1', 200],
    ]);
    expect(state.deliveries[0]).toMatchObject({
      entity: 'customer:cus_demo',
      webhookId: 'stripe:evt_demo_1',
    });
  });

  it('answers 503 during an outage started on request, and 200 again once it ends', async () => {
    expect((await fetch(`${target.endpoint}/outage`, { method: 'PUT' })).status).toBe(200);
    const during = await deliver(event);
    await fetch(`${target.endpoint}/outage`, { method: 'DELETE' });
    const after = await deliver(event);

    expect([during.status, after.status]).toEqual([503, 200]);
    expect(lines).toEqual([
      '[demo-target] outage started: deliveries answer 503',
      '[demo-target] 503 payment_intent.succeeded ev_1 (customer:cus_demo) outage on',
      '[demo-target] outage ended',
      '[demo-target] 200 payment_intent.succeeded ev_1 (customer:cus_demo)',
    ]);
  });

  it('records a body that is not JSON instead of failing the delivery', async () => {
    const response = await deliver('not json');

    expect(response.status).toBe(200);
    expect(target.deliveries()[0]).toMatchObject({ eventId: '?', type: '?', status: 200 });
  });

  it('names its routes for any other request', async () => {
    const response = await fetch(`${target.endpoint}/nosuch`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'POST /deliveries, PUT or DELETE /outage, GET /' });
  });
});
