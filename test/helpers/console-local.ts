import { join } from 'node:path';
import Stripe from 'stripe';
import { ROOT } from '../../cli/build';
import { CONSOLE_DIST } from '../../cli/build-console';
import { overview } from '../../cli/console/api/overview';
import { startConsole, type RunningConsole } from '../../cli/console/server';
import { connect } from '../../cli/environment';
import { E2E_SECRETS, type RunningE2e } from './local-runtime';

/**
 * The console server (`relayflow console --local`) against the end-to-end stack, as the command
 * wires it, on any free port. Its clock is the runtime's, which tests move forward: the overview's
 * windows end at that now.
 */
export const startLocalConsole = (
  e2e: RunningE2e,
  stateFile: string,
  log: (message: string) => void,
): Promise<RunningConsole> =>
  startConsole(
    {
      connect: () => connect({ local: true, stack: 'RelayFlowE2E', localStateFile: stateFile }),
      target: { stack: 'RelayFlowE2E', local: true },
      now: () => new Date(e2e.runtime.clock.now()),
      sleep: (ms) => e2e.runtime.clock.sleep(ms),
      assetsDir: join(ROOT, CONSOLE_DIST),
      overview,
      redactPaths: [],
      catalog: {
        tenants: [],
        channels: ['email', 'sms', 'whatsapp', 'push'],
        targets: ['sink', 'first', 'second'],
      },
      operator: 'console-e2e',
      log,
    },
    { port: 0 },
  );

const stripe = new Stripe('sk_test_e2e');

/** Posts a signed Stripe event about `customer`; answers our event id and the correlation id the API gave it. */
export const sendStripe = async (
  e2e: RunningE2e,
  customer: string,
  seq: number,
  type = 'invoice.paid',
): Promise<{ eventId: string; correlationId: string }> => {
  const body = JSON.stringify({
    id: `evt_console_${customer}_${seq}`,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    type,
    data: { object: { id: `in_${customer}_${seq}`, object: 'invoice', customer, amount_paid: 1200 + seq } },
  });
  const response = await fetch(`${e2e.runtime.endpoints.api}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: E2E_SECRETS.stripe,
      }),
    },
    body,
  });
  const { events } = (await response.json()) as { events: { id: string }[] };
  return { eventId: events[0]?.id ?? '', correlationId: response.headers.get('x-correlation-id') ?? '' };
};
