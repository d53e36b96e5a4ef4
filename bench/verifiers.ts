import { fork } from 'node:child_process';
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
import { normalizeGithubBody, readGithubBody } from '../functions/providers/github/normalize';
import { normalizeHubspotBody, readHubspotBody } from '../functions/providers/hubspot/normalize';
import { normalizeMailgunBody, readMailgunRequest } from '../functions/providers/mailgun/normalize';
import { normalizePostmarkBody, readPostmarkBody } from '../functions/providers/postmark/normalize';
import { builtInProviders } from '../functions/providers/registry';
import { normalizeSendgridBody, readSendgridBody } from '../functions/providers/sendgrid/normalize';
import { normalizeShopifyBody, readShopifyBody } from '../functions/providers/shopify/normalize';
import {
  normalizeStandardWebhooksBody,
  readStandardWebhooksBody,
} from '../functions/providers/standard-webhooks/normalize';
import { normalizeStripeBody, readStripeBody } from '../functions/providers/stripe/normalize';
import { normalizeTwilioBody, readTwilioBody } from '../functions/providers/twilio/normalize';
import type {
  NormalizedItem,
  ProviderOptions,
  VerifyResult,
  WebhookRequest,
} from '../functions/providers/types';

export interface VerifierFigures {
  readonly provider: string;
  readonly bodyBytes: number;
  /** CPU microseconds per event: our verify + parse of the body into what our normalizer reads. */
  readonly oursUs: number;
  /** CPU microseconds per event: the official verifier + its parse of the body. */
  readonly officialUs: number;
  /**
   * CPU microseconds per event: our normalize of the parsed body into drafts (zod checks, ids,
   * entities). The official path has no such step, so it stays out of the ratio.
   */
  readonly normalizeUs: number;
  readonly official: string;
}

const TARGET_BYTES = 2048;
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

const WARM_UP_MS = 250;
const ROUND_MS = 20;
const ROUNDS = 25;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const cpuMicros = (since?: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/**
 * Calls `fn` until `ms` of CPU time have passed; returns the calls made. Only promises are
 * awaited: awaiting a plain value would add a microtask turn to every synchronous call.
 */
const callFor = async (fn: () => unknown, ms: number): Promise<number> => {
  const start = process.cpuUsage();
  let calls = 0;
  while (cpuMicros(start) < ms * 1000) {
    for (let i = 0; i < 10; i += 1) {
      const result = fn();
      if (result instanceof Promise) await result;
    }
    calls += 10;
  }
  return calls;
};

/**
 * CPU time per call in microseconds of each function. Each first runs for WARM_UP_MS, so that
 * the JIT has compiled it however fast it is; then the functions take turns for ROUNDS rounds
 * of about ROUND_MS each, and each keeps its median round, so that load from elsewhere on the
 * machine weighs on every side alike.
 */
const cpuPerCall = async (fns: readonly (() => unknown)[]): Promise<number[]> => {
  for (const fn of fns) await callFor(fn, WARM_UP_MS);
  const rounds = fns.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [index, fn] of fns.entries()) {
      const start = process.cpuUsage();
      const calls = await callFor(fn, ROUND_MS);
      rounds[index]?.push(cpuMicros(start) / calls);
    }
  }
  return rounds.map(median);
};

/** A provider's normalizer in its two steps: reading the body, then drafts from what was read. */
interface Stages {
  parse(request: WebhookRequest): unknown;
  normalize(body: unknown, request: WebhookRequest, options: ProviderOptions): NormalizedItem[];
}

const STAGES: Readonly<Record<string, Stages>> = {
  stripe: { parse: readStripeBody, normalize: normalizeStripeBody },
  github: { parse: readGithubBody, normalize: normalizeGithubBody },
  'standard-webhooks': { parse: readStandardWebhooksBody, normalize: normalizeStandardWebhooksBody },
  shopify: { parse: readShopifyBody, normalize: normalizeShopifyBody },
  hubspot: { parse: readHubspotBody, normalize: normalizeHubspotBody },
  twilio: { parse: readTwilioBody, normalize: normalizeTwilioBody },
  sendgrid: { parse: readSendgridBody, normalize: normalizeSendgridBody },
  postmark: { parse: readPostmarkBody, normalize: normalizePostmarkBody },
  mailgun: { parse: readMailgunRequest, normalize: normalizeMailgunBody },
};

/**
 * Ours as the ingest runs it, in two parts: verify + parse (what the official path does too),
 * and normalize from one parsed body. Checks once that the request verifies and normalizes to
 * events, so that no failure path is what gets measured.
 */
const ours = async (id: string, req: WebhookRequest, secrets: string[]) => {
  const entry = builtInProviders[id];
  const stages = STAGES[id];
  if (!entry || !stages) throw new Error(`no provider ${id}`);
  const provider = entry.provider;
  const parsed = entry.optionsSchema.safeParse({});
  if (!parsed.success) throw new Error(`default options of ${id} do not parse`);
  const options = parsed.data;
  const parse = (verdict: VerifyResult) => {
    if (!verdict.ok) throw new Error(`${id} rejected its own benchmark request: ${verdict.detail}`);
    return stages.parse(req);
  };
  const verifyAndParse = () => {
    const verdict = provider.verify({ request: req, secrets, now: NOW, options });
    return verdict instanceof Promise ? verdict.then(parse) : parse(verdict);
  };
  const body = await verifyAndParse();
  const items = stages.normalize(body, req, options);
  if (items.length === 0 || items.some((item) => item.kind !== 'event'))
    throw new Error(`${id} did not normalize its own benchmark request to events`);
  return {
    verifyAndParse,
    normalize: () => stages.normalize(body, req, options),
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

const measureCase = async (c: Case): Promise<VerifierFigures> => {
  const { req, secrets, officialFn } = await c.build();
  const { verifyAndParse, normalize } = await ours(c.provider, req, secrets);
  const [oursUs = 0, officialUs = 0, normalizeUs = 0] = await cpuPerCall([
    verifyAndParse,
    officialFn,
    normalize,
  ]);
  return {
    provider: c.provider,
    bodyBytes: req.body.length,
    oursUs,
    officialUs,
    normalizeUs,
    official: c.official,
  };
};

const MEASURE_ONE = '--measure-one';

/**
 * One provider measured in a process of its own, as each ingest Lambda runs one provider: code
 * that several providers share (secret matching, digest decoding, the body handoff) is then
 * compiled for the one in use, rather than slowed by the call shapes of those measured before it.
 */
const measureApart = (provider: string): Promise<VerifierFigures> =>
  new Promise((resolve, reject) => {
    const child = fork(__filename, [MEASURE_ONE, provider]);
    let figures: VerifierFigures | undefined;
    child.once('message', (message) => {
      figures = message as VerifierFigures;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      figures === undefined
        ? reject(new Error(`measuring ${provider} exited with ${code}`))
        : resolve(figures),
    );
  });

/** Measures every provider, or only those named, each in a process of its own. */
export const measureVerifiers = async (only: readonly string[] = []): Promise<VerifierFigures[]> => {
  const figures: VerifierFigures[] = [];
  for (const c of CASES.filter((candidate) => only.length === 0 || only.includes(candidate.provider)))
    figures.push(await measureApart(c.provider));
  return figures;
};

/** The report's section on these figures. */
export const verifierSection = (figures: readonly VerifierFigures[]): string[] => [
  `CPU time per event (user + system; after a ${WARM_UP_MS} ms warm-up, ${ROUNDS} rounds of ~${ROUND_MS} ms taken in turn, the median`,
  'round) for a ~2 KB body: our verify + parse of the body against the official verifier + its parse, in one',
  'process per provider, as each ingest Lambda runs one. Goal: ≤ 1.0×. Normalize (drafts from the parsed body:',
  'schema checks, ids, entities) has no official counterpart and stays out of the ratio.',
  '',
  '| provider | body | ours: verify + parse | official: verify + parse | ratio (ours / official) | ours: normalize | official used |',
  '|---|---|---|---|---|---|---|',
  ...figures.map(
    (v) =>
      `| ${v.provider} | ${v.bodyBytes} B | ${v.oursUs.toFixed(1)} µs | ${v.officialUs.toFixed(1)} µs | ${(v.oursUs / v.officialUs).toFixed(2)}× | ${v.normalizeUs.toFixed(1)} µs | ${v.official} |`,
  ),
];

const runMain = (work: Promise<void>): void => {
  work.catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
};

/** `npx tsx bench/verifiers.ts [provider…]` prints the section for every provider, or for those named. */
if (require.main === module) {
  const [flag, provider] = process.argv.slice(2);
  const measured = CASES.find((candidate) => candidate.provider === provider);
  if (flag === MEASURE_ONE && measured !== undefined) {
    runMain(measureCase(measured).then((figures) => void process.send?.(figures)));
  } else {
    runMain(
      measureVerifiers(process.argv.slice(2)).then((figures) =>
        console.log(verifierSection(figures).join('\n')),
      ),
    );
  }
}
