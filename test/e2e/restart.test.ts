import Stripe from 'stripe';
import { E2E_SECRETS, startE2eRuntime } from '../helpers/local-runtime';

jest.setTimeout(240_000);

const send = (api: string, id: string) => {
  const body = JSON.stringify({
    id,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    type: 'customer.created',
    data: { object: { id: 'cus_r', object: 'customer' } },
  });
  return fetch(`${api}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'stripe-signature': new Stripe('sk_x').webhooks.generateTestHeaderString({
        payload: body,
        secret: E2E_SECRETS.stripe,
      }),
      'content-type': 'application/json',
    },
    body,
  });
};

describe('local runtime restart', () => {
  it('stops cleanly and starts again on the same port, with fresh in-memory state', async () => {
    const first = await startE2eRuntime();
    const port = new URL(first.runtime.endpoints.api).port;
    expect((await send(first.runtime.endpoints.api, 'evt_restart')).status).toBe(202);
    await first.runtime.stop();

    const second = await startE2eRuntime({ port: Number(port) });
    try {
      expect(second.runtime.endpoints.api).toBe(first.runtime.endpoints.api);
      // The state is in memory: the event is new to the restarted runtime.
      expect((await send(second.runtime.endpoints.api, 'evt_restart')).status).toBe(202);
    } finally {
      await second.runtime.stop();
    }
  });
});
