import { createHash, createHmac, generateKeyPairSync, sign as signWith, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Signature as HubspotSignature } from '@hubspot/api-client/lib/src/utils/signature';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import {
  getExpectedTwilioSignature,
  validateRequest as twilioValidateRequest,
} from 'twilio/lib/webhooks/webhooks';
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
const bodyOf = (
  provider: string,
  fixtureName?: string,
): { body: Buffer; headers: Record<string, string> } => {
  const dir = join(__dirname, '..', 'functions', 'providers', provider, 'fixtures');
  const file =
    fixtureName ??
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()[0];
  const fixture = JSON.parse(readFileSync(join(dir, String(file)), 'utf8')) as {
    headers: Record<string, string>;
    body: Record<string, unknown>;
  };
  const base = JSON.stringify(fixture.body);
  const padding = Math.max(0, TARGET_BYTES - base.length - 20);
  return {
    body: Buffer.from(JSON.stringify({ ...fixture.body, bench_padding: 'x'.repeat(padding) })),
    headers: fixture.headers,
  };
};

/**
 * A batch provider's body: the fixture's first element padded to about 2 KB, alone in its array,
 * so that the figures stay per event like the other providers'.
 */
const batchBodyOf = (
  provider: string,
  fixtureName: string,
): { body: Buffer; headers: Record<string, string> } => {
  const file = join(__dirname, '..', 'functions', 'providers', provider, 'fixtures', `${fixtureName}.json`);
  const fixture = JSON.parse(readFileSync(file, 'utf8')) as {
    headers: Record<string, string>;
    body: Record<string, unknown>[];
  };
  const element = fixture.body[0] ?? {};
  const padding = Math.max(0, TARGET_BYTES - JSON.stringify([element]).length - 20);
  return {
    body: Buffer.from(JSON.stringify([{ ...element, bench_padding: 'x'.repeat(padding) }])),
    headers: fixture.headers,
  };
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
      const signature = stripe.webhooks.generateTestHeaderString({
        payload: body.toString(),
        secret,
        timestamp: nowSeconds,
      });
      const req = request('/webhooks/stripe', { ...headers, 'stripe-signature': signature }, body);
      return Promise.resolve({
        req,
        secrets: [secret],
        officialFn: () => stripe.webhooks.constructEvent(body, signature, secret),
      });
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
      const wh = {
        'webhook-id': id,
        'webhook-timestamp': String(nowSeconds),
        'webhook-signature': signature,
      };
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
  {
    provider: 'hubspot',
    official:
      '@hubspot/api-client `Signature.isValid` (v3) + JSON.parse; a one-element batch padded to ~2 KB',
    build: () => {
      const secret = 'hubspot-bench-secret';
      const { body, headers } = batchBodyOf('hubspot', 'contact-batch');
      const req = request('/webhooks/hubspot', headers, body);
      const timestamp = NOW.getTime();
      const signature = HubspotSignature.getSignature('POST', 'v3', {
        signature: '',
        clientSecret: secret,
        requestBody: body.toString(),
        url: req.url,
        timestamp,
      });
      const signed = {
        ...req,
        headers: {
          ...headers,
          'x-hubspot-signature-v3': signature,
          'x-hubspot-request-timestamp': String(timestamp),
        },
      };
      return Promise.resolve({
        req: signed,
        secrets: [secret],
        officialFn: () => {
          const valid = HubspotSignature.isValid({
            signatureVersion: 'v3',
            method: 'POST',
            signature,
            clientSecret: secret,
            requestBody: body.toString(),
            url: req.url,
            timestamp,
          });
          if (!valid) throw new Error('hubspot rejected');
          return JSON.parse(body.toString()) as unknown;
        },
      });
    },
  },
  {
    provider: 'twilio',
    official:
      'twilio `validateRequest` + URLSearchParams parse; a status callback padded to ~2 KB with a BenchPadding parameter',
    build: () => {
      const token = 'twilio-bench-token';
      const dir = join(__dirname, '..', 'functions', 'providers', 'twilio', 'fixtures');
      const fixture = JSON.parse(readFileSync(join(dir, 'status-delivered.json'), 'utf8')) as {
        headers: Record<string, string>;
        body: string;
      };
      const padding = Math.max(0, TARGET_BYTES - fixture.body.length - '&BenchPadding='.length);
      const body = Buffer.from(`${fixture.body}&BenchPadding=${'x'.repeat(padding)}`);
      const req = request('/webhooks/twilio', fixture.headers, body);
      // Repeated names become arrays, as an Express body parser hands them to the library.
      const paramsOf = (form: Buffer): Record<string, string | string[]> => {
        const params: Record<string, string | string[]> = Object.create(null) as Record<
          string,
          string | string[]
        >;
        for (const [name, value] of new URLSearchParams(form.toString())) {
          const existing = params[name];
          params[name] =
            existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
        }
        return params;
      };
      const signature = getExpectedTwilioSignature(token, req.url, paramsOf(body));
      const signed = { ...req, headers: { ...fixture.headers, 'x-twilio-signature': signature } };
      return Promise.resolve({
        req: signed,
        secrets: [token],
        officialFn: () => {
          const params = paramsOf(body);
          if (!twilioValidateRequest(token, signature, req.url, params)) throw new Error('twilio rejected');
          return params;
        },
      });
    },
  },
  {
    provider: 'sendgrid',
    official:
      '@sendgrid/eventwebhook `verifySignature` (pure-JS ECDSA P-256, key converted once) + JSON.parse; a one-element batch padded to ~2 KB',
    build: () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const publicKeyBase64 = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      const { body, headers } = batchBodyOf('sendgrid', 'delivered');
      const timestamp = String(nowSeconds);
      const signature = signWith(
        'sha256',
        Buffer.concat([Buffer.from(timestamp), body]),
        privateKey,
      ).toString('base64');
      const req = request(
        '/webhooks/sendgrid',
        {
          ...headers,
          'x-twilio-email-event-webhook-signature': signature,
          'x-twilio-email-event-webhook-timestamp': timestamp,
        },
        body,
      );
      const webhook = new EventWebhook();
      const key = webhook.convertPublicKeyToECDSA(publicKeyBase64);
      return Promise.resolve({
        req,
        secrets: [publicKeyBase64],
        officialFn: () => {
          if (!webhook.verifySignature(key, body, signature, timestamp)) throw new Error('sendgrid rejected');
          return JSON.parse(body.toString()) as unknown;
        },
      });
    },
  },
  {
    provider: 'postmark',
    official:
      'node:crypto constant-time Basic credentials compare (SHA-256 digests + timingSafeEqual) + JSON.parse (Postmark documents no verifier)',
    build: () => {
      const credentials = 'relayflow:bench-password';
      const { body, headers } = bodyOf('postmark');
      const authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      const req = request('/webhooks/postmark', { ...headers, authorization }, body);
      const expected = createHash('sha256').update(authorization).digest();
      return Promise.resolve({
        req,
        secrets: [credentials],
        officialFn: () => {
          const presented = createHash('sha256')
            .update(req.headers.authorization ?? '')
            .digest();
          if (!timingSafeEqual(expected, presented)) throw new Error('mismatch');
          return JSON.parse(body.toString()) as unknown;
        },
      });
    },
  },
  {
    provider: 'mailgun',
    official:
      'node:crypto HMAC-SHA256 of timestamp+token + timingSafeEqual + JSON.parse (Mailgun ships no small verifier; the signature is in the body, so it is parsed first)',
    build: () => {
      const key = 'mailgun-bench-signing-key';
      const { body: padded, headers } = bodyOf('mailgun', 'delivered.json');
      const timestamp = String(nowSeconds);
      const token = 'b'.repeat(50);
      const signature = createHmac('sha256', key)
        .update(timestamp + token)
        .digest('hex');
      const unsigned = JSON.parse(padded.toString()) as Record<string, unknown>;
      const body = Buffer.from(JSON.stringify({ ...unsigned, signature: { timestamp, token, signature } }));
      const req = request('/webhooks/mailgun', headers, body);
      return Promise.resolve({
        req,
        secrets: [key],
        officialFn: () => {
          const parsed = JSON.parse(body.toString()) as {
            signature: { timestamp: string; token: string; signature: string };
          };
          const expected = createHmac('sha256', key)
            .update(parsed.signature.timestamp + parsed.signature.token)
            .digest();
          if (!timingSafeEqual(expected, Buffer.from(parsed.signature.signature, 'hex')))
            throw new Error('mismatch');
          return parsed;
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
