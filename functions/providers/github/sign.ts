import { createHmac } from 'node:crypto';

/**
 * Signs a request as GitHub does, for developer tooling (`relayflow send`, local runs, e2e tests).
 * @returns the `x-hub-signature-256` header to add. GitHub signs no timestamp, so `now` is unused.
 */
export const signGithubRequest = (
  req: { url: string; headers: Record<string, string>; body: Buffer },
  secret: string,
  _now: Date,
): Record<string, string> => ({
  'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(req.body).digest('hex')}`,
});
