import { createHmac } from 'node:crypto';

/**
 * Signs a request as Stripe does, for developer tooling (`relayflow send`, local runs, e2e tests).
 * @returns the `stripe-signature` header to add.
 */
export const signStripeRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  now: Date,
): Record<string, string> => {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(req.body).digest('hex');
  return { 'stripe-signature': `t=${timestamp},v1=${signature}` };
};
