import { createHmac, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { builtInProviders } from '../functions/providers/registry';
import type { WebhookRequest } from '../functions/providers/types';

export interface VerifierFigures {
  readonly provider: string;
  readonly bodyBytes: number;
  /** CPU microseconds per event: our verify + normalize. */
  readonly oursUs: number;
  /** CPU microseconds per event: the official verifier (verify + parse). */
  readonly officialUs: number;
  readonly official: string;
}

const TARGET_BYTES = 2048;
const ITERATIONS = 4000;
const NOW = new Date();
const nowSeconds = Math.floor(NOW.getTime() / 1000);

/** A provider fixture's body padded to about 2 KB with a field no normalizer reads. */
const bodyOf = (provider: string, fixtureName?: string): { body: Buffer; headers: Record<string, string> } => {
  const dir = join(__dirname, '..', 'functions', 'providers', provider, 'fixtures');
  const file = fixtureName ?? readdirSync(dir).filter((f) => f.endsWith('.json')).sort()[0];
  const fixture = JSON.parse(readFileSync(join(dir, String(file)), 'utf8')) as { headers: Record<string, string>; body: Record<string, unknown> };
  const base = JSON.stringify(fixture.body);
  const padding = Math.max(0, TARGET_BYTES - base.length - 20);
  return { body: Buffer.from(JSON.stringify({ ...fixture.body, bench_padding: 'x'.repeat(padding) })), headers: fixture.headers };
};

const request = (path: string, headers: Record<string, string>, body: Buffer): WebhookRequest => ({
  method: 'POST',
  url: `https://hooks.example.com${path}`,
  path,
  rawQueryString: '',
  headers,
  body,
  sourceIp: '203.0.113.1',
});

/** CPU time per call in microseconds, after a warm-up, over a fixed number of iterations. */
const cpuPerCall = async (fn: () => unknown): Promise<number> => {
  for (let i = 0; i < 200; i += 1) await fn();
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i += 1) await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ITERATIONS;
};

const ours = (id: string, req: WebhookRequest, secrets: string[]) => {
  const entry = builtInProviders[id];
  if (!entry) throw new Error(`no provider ${id}`);
  const provider = entry.provider;
  const parsed = entry.optionsSchema.safeParse({});
  if (!parsed.success) throw new Error(`default options of ${id} do not parse`);
  const options = parsed.data;
  return async () => {
    const verdict = await provider.verify({ request: req, secrets, now: NOW, options });
    if (!verdict.ok) throw new Error(`${id} rejected its own benchmark request: ${verdict.detail}`);
    return provider.normalize(req, options);
  };
};

interface Case {
  readonly provider: string;
  readonly official: string;
  build(): Promise<{ req: WebhookRequest; secrets: string[]; officialFn: () => unknown }>;
}

const stripe = new Stripe('sk_test_bench');

const CASES: Case[] = [
  {
    provider: 'stripe',
    official: 'stripe `webhooks.constructEvent`',
    build: () => {
      const secret = 'whsec_bench';
      const { body, headers } = bodyOf('stripe');
      const signature = stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret, timestamp: nowSeconds });
      const req = request('/webhooks/stripe', { ...headers, 'stripe-signature': signature }, body);
      return Promise.resolve({ req, secrets: [secret], officialFn: () => stripe.webhooks.constructEvent(body, signature, secret) });
    },
  },
  {
    provider: 'github',
    official: '@octokit/webhooks-methods `verify` + JSON.parse',
    build: async () => {
      // An ES module only: loaded dynamically from this CommonJS script.
      const { sign: octokitSign, verify: octokitVerify } = await import('@octokit/webhooks-methods');
      const secret = 'bench-secret';
      const { body, headers } = bodyOf('github', 'push.json');
      const signature = await octokitSign(secret, body.toString());
      const req = request('/webhooks/github', { ...headers, 'x-hub-signature-256': signature }, body);
      return {
        req,
        secrets: [secret],
        officialFn: async () => {
          if (!(await octokitVerify(secret, body.toString(), signature))) throw new Error('octokit rejected');
          return JSON.parse(body.toString()) as unknown;
        },
      };
    },
  },
  {
    provider: 'standard-webhooks',
    official: 'standardwebhooks `Webhook.verify`',
    build: () => {
      const secret = `whsec_${Buffer.from('bench-standard-webhooks-secret!!').toString('base64')}`;
      const { body, headers } = bodyOf('standard-webhooks');
      const hook = new StandardWebhook(secret);
      const id = 'msg_bench';
      const signature = hook.sign(id, NOW, body.toString());
      const wh = { 'webhook-id': id, 'webhook-timestamp': String(nowSeconds), 'webhook-signature': signature };
      const req = request('/webhooks/standard-webhooks', { ...headers, ...wh }, body);
      return Promise.resolve({ req, secrets: [secret], officialFn: () => hook.verify(body.toString(), wh) });
    },
  },
  {
    provider: 'shopify',
    official: 'node:crypto HMAC + timingSafeEqual + JSON.parse (Shopify documents no small verifier)',
    build: () => {
      const secret = 'shpss_bench';
      const { body, headers } = bodyOf('shopify');
      const hmac = createHmac('sha256', secret).update(body).digest('base64');
      const req = request('/webhooks/shopify', { ...headers, 'x-shopify-hmac-sha256': hmac }, body);
      return Promise.resolve({
        req,
        secrets: [secret],
        officialFn: () => {
          const expected = createHmac('sha256', secret).update(body).digest();
          if (!timingSafeEqual(expected, Buffer.from(hmac, 'base64'))) throw new Error('mismatch');
          return JSON.parse(body.toString()) as unknown;
        },
      });
    },
  },
];

export const measureVerifiers = async (): Promise<VerifierFigures[]> => {
  const figures: VerifierFigures[] = [];
  for (const c of CASES) {
    const { req, secrets, officialFn } = await c.build();
    figures.push({
      provider: c.provider,
      bodyBytes: req.body.length,
      oursUs: await cpuPerCall(ours(c.provider, req, secrets)),
      officialUs: await cpuPerCall(officialFn),
      official: c.official,
    });
  }
  return figures;
};
