import { createHmac } from 'node:crypto';
import { githubProvider } from '#shared/providers/github/index';
import type { WebhookRequest } from '#shared/providers/types';
import {
  aGithubRequest,
  aGithubVerifyInput,
  githubBody,
  githubFixture,
  githubOptions,
} from '../../../helpers/providers/github';

const SECRET = 'current-webhook-secret';
const hmacHex = (body: Buffer): string => createHmac('sha256', SECRET).update(body).digest('hex');
const withSignature = (body: Buffer, signature: string): WebhookRequest =>
  aGithubRequest({ body, headers: { 'x-hub-signature-256': signature } });

const signatureOf = async (request: WebhookRequest): Promise<Buffer> => {
  const result = await githubProvider.verify(aGithubVerifyInput(request, [SECRET]));
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

describe('github provider contract', () => {
  it('gives the same signature bytes, the computed digest, for upper- and lower-case hex', async () => {
    const body = githubBody(githubFixture('push').body);

    const [lower, upper] = await Promise.all([
      signatureOf(withSignature(body, `sha256=${hmacHex(body)}`)),
      signatureOf(withSignature(body, `sha256=${hmacHex(body).toUpperCase()}`)),
    ]);

    expect([lower.toString('hex'), upper.toString('hex')]).toEqual([hmacHex(body), hmacHex(body)]);
  });

  it('gives different signature bytes for different bodies', async () => {
    const push = githubBody(githubFixture('push').body);
    const ping = githubBody(githubFixture('ping').body);

    const [a, b] = await Promise.all([
      signatureOf(withSignature(push, `sha256=${hmacHex(push)}`)),
      signatureOf(withSignature(ping, `sha256=${hmacHex(ping)}`)),
    ]);

    expect(a.equals(b)).toBe(false);
  });

  it('says that its delivery id and event name are unsigned headers, and masks both signature headers', () => {
    expect([
      githubProvider.identityFromUnsignedHeaders(githubOptions()),
      githubProvider.signatureHeaders(githubOptions()),
    ]).toEqual([true, ['x-hub-signature-256', 'x-hub-signature']]);
  });
});
