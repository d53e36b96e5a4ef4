import { deliver, verifierFigures, whileFlooding } from '../../bench/flood';
import { postStripe, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(240_000);

let e2e: RunningE2e;

beforeAll(async () => {
  e2e = await startE2eRuntime();
  // Only the ingest is under test; the consumers would share the cores with the flood.
  await Promise.all(e2e.runtime.eventSources.map((source) => source.stop()));
});
afterAll(() => e2e.runtime.stop());

const signedStripe = (n: number) =>
  postStripe(e2e, {
    id: `evt_flood_${n}`,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_flood_${n}`, object: 'payment_intent', customer: `cus_flood_${n}` } },
  });

describe('flood isolation through the local runtime (docs/decisions/0035)', () => {
  it("answers every signed Stripe delivery 2xx while 32 concurrent senders flood GitHub's route with unsigned requests", async () => {
    const { result, flood } = await whileFlooding(
      `${e2e.runtime.endpoints.api}/webhooks/github`,
      32,
      async (live) => {
        const delivered = await deliver(signedStripe, 10, 5);
        // The flood goes on until the route throttle has answered: on a slow machine the first
        // flood requests wait for GitHub's verifier to start, and 10 deliveries end before the
        // flood is past its burst.
        const deadline = Date.now() + 60_000;
        while (!live.statuses[429] && Date.now() < deadline)
          await new Promise((done) => setTimeout(done, 50));
        return delivered;
      },
    );
    const verifiers = verifierFigures(e2e.runtime, ['stripe', 'github'], () => undefined);

    expect(result.statuses).toEqual({ 202: 10 });
    // The route throttle answered part of the flood before any verifier ran.
    expect(flood.statuses[429]).toBeGreaterThan(0);
    expect(verifiers.stripe?.throttles).toBe(0);
  });
});
