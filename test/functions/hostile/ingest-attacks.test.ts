import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ingestWebhook,
  type IngestDependencies,
  type IngestResult,
  type IngestSettings,
} from '#shared/ingest/ingest';
import { githubOptionsSchema, githubProvider } from '#shared/providers/github/index';
import { signGithubRequest } from '#shared/providers/github/sign';
import { mailgunOptionsSchema, mailgunProvider } from '#shared/providers/mailgun/index';
import { signMailgunRequest } from '#shared/providers/mailgun/sign';
import { sendgridOptionsSchema, sendgridProvider } from '#shared/providers/sendgrid/index';
import { shopifyOptionsSchema, shopifyProvider } from '#shared/providers/shopify/index';
import { signShopifyRequest } from '#shared/providers/shopify/sign';
import { stripeOptionsSchema, stripeProvider } from '#shared/providers/stripe/index';
import type { Provider, ProviderOptions, WebhookRequest } from '#shared/providers/types';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { MASKED_PREFIX } from '#shared/store/masking';
import { RawBodies } from '#shared/store/raw-bodies';
import { payloadKey, stateKey } from '#shared/store/records';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { aGithubDelivery, githubFixture } from '../../helpers/providers/github';
import { aMailgunRequest, mailgunEventData } from '../../helpers/providers/mailgun';
import {
  aSendgridKeyPair,
  aSignedSendgridRequest,
  sendgridFixtureEvents,
} from '../../helpers/providers/sendgrid';
import { aShopifyDelivery } from '../../helpers/providers/shopify';
import { aSignedStripeRequest, aStripeEvent, stripeBody } from '../../helpers/providers/stripe';

/**
 * The attacks of the hardening review, replayed against the real ingest and a real table
 * (dynalite): one captured delivery sent again with other headers, at another tenant, with
 * another body; bodies too large for an item; batches too large for one invocation. The
 * queue and bucket are in-memory fakes that record what reached them.
 */

const SECRET = 'shared-signing-secret-0001';
const BUCKET = 'raw-bodies';
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
const objects = new Map<string, Buffer>();
let table: LocalEventTable;

beforeAll(async () => {
  table = await startEventTable();
});
afterAll(() => table.stop());
beforeEach(() => {
  objects.clear();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: `m-${entry.Id}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Buffer }) => {
    objects.set(input.Key, Buffer.from(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (!body) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: { transformToByteArray: () => Promise.resolve(new Uint8Array(body)) } };
  });
});
afterEach(() => {
  sqs.reset();
  s3.reset();
});

const settings: IngestSettings = {
  tenants: new Set(['default', 'acme', 'globex']),
  maxBodyBytes: 4 * 1024 * 1024,
  inlineBodyMaxBytes: 64_000,
  ingestLeaseSeconds: 30,
};

const rawBodies = () => new RawBodies(new S3Client({ region: 'us-east-1' }), BUCKET);

const depsWith = (overrides: Partial<IngestDependencies> = {}): IngestDependencies => ({
  store: new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 }, rawBodies()),
  rawBodies: rawBodies(),
  queue: new EventQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs.local/main.fifo'),
  secretsFor: () => Promise.resolve([SECRET]),
  now: () => new Date(),
  ...overrides,
});

let correlations = 0;
const ingest = <Options extends ProviderOptions>(
  provider: Provider<Options>,
  options: Options,
  request: WebhookRequest,
  overrides: { deps?: Partial<IngestDependencies>; tenant?: string } = {},
): Promise<IngestResult> =>
  ingestWebhook(depsWith(overrides.deps), settings, provider, options, {
    tenant: overrides.tenant,
    request,
    correlationId: `corr-attack-${++correlations}`,
  });

const ingested = (result: IngestResult) => {
  if (result.kind !== 'ingested')
    throw new Error(`expected an ingested result, got ${JSON.stringify(result)}`);
  return result;
};
const eventIdOfResult = (result: IngestResult) => ingested(result).items[0]?.eventId ?? '';
/** A delivery that reached its items, finished or not: what a batch cut short by time returns. */
const delivered = (result: IngestResult) => {
  if (result.kind !== 'ingested' && result.kind !== 'unfinished')
    throw new Error(`expected items, got ${JSON.stringify(result)}`);
  return result;
};

const queuedEventIds = () =>
  [
    ...sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.MessageBody),
    ...sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.MessageBody)),
  ].map((body) => (JSON.parse(body ?? '{}') as { eventId: string }).eventId);

const item = async (key: Record<string, string>) =>
  (await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: key }))).Item;

const github = { provider: githubProvider, options: githubOptionsSchema.parse({}) };
const shopify = { provider: shopifyProvider, options: shopifyOptionsSchema.parse({}) };

/** `request` signed with the shared secret, as the provider sent it. */
const signedGithub = (request: WebhookRequest, secret = SECRET): WebhookRequest => ({
  ...request,
  headers: { ...request.headers, ...signGithubRequest(request, secret, new Date()) },
});
const signedShopify = (request: WebhookRequest): WebhookRequest => ({
  ...request,
  headers: { ...request.headers, ...signShopifyRequest(request, SECRET, new Date()) },
});
const withHeaders = (request: WebhookRequest, headers: Record<string, string>): WebhookRequest => ({
  ...request,
  headers: { ...request.headers, ...headers },
});

/** A push payload unique to this test, so that signed bytes never repeat across tests. */
const aPushPayload = () => ({ ...githubFixture('push').body, after: randomBytes(20).toString('hex') });

describe('item 1: identity and type from unsigned headers', () => {
  it('turns one captured GitHub delivery sent with five fresh delivery ids into one event, not six', async () => {
    const capture = signedGithub(aGithubDelivery('push', aPushPayload()));
    const first = await ingest(github.provider, github.options, capture);

    const replays = [];
    for (let i = 0; i < 5; i += 1) {
      replays.push(
        await ingest(
          github.provider,
          github.options,
          withHeaders(capture, { 'x-github-delivery': `forged-${i}-${randomBytes(4).toString('hex')}` }),
        ),
      );
    }

    expect(ingested(first).status).toBe(202);
    expect(replays.map((r) => ingested(r).status)).toEqual([200, 200, 200, 200, 200]);
    expect(replays.map(eventIdOfResult)).toEqual(Array(5).fill(eventIdOfResult(first)));
    // Each replay sends the first event again under its one deduplication id (decision 0045):
    // the queue holds one message, for one event.
    expect(new Set(queuedEventIds())).toEqual(new Set([eventIdOfResult(first)]));
    const dedupIds = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId);
    expect(new Set(dedupIds)).toEqual(new Set([eventIdOfResult(first)]));
  });

  it('does not let another X-GitHub-Event header turn a captured delivery into an event of another type', async () => {
    const capture = signedGithub(aGithubDelivery('push', aPushPayload()));
    const first = await ingest(github.provider, github.options, capture);
    const detectDrift = jest.fn(() => Promise.resolve(undefined));

    const forged = await ingest(
      github.provider,
      github.options,
      withHeaders(capture, { 'x-github-event': 'release', 'x-github-delivery': 'forged-type' }),
      {
        deps: { detectDrift },
      },
    );

    expect(ingested(forged)).toMatchObject({
      status: 200,
      items: [{ eventId: eventIdOfResult(first), outcome: 'duplicate', type: 'code.push' }],
    });
    // A forged type mints no schema fingerprint: the drift check never sees it.
    expect(detectDrift).not.toHaveBeenCalled();
  });

  it('turns one captured Shopify delivery sent with three fresh event ids into one event', async () => {
    const capture = signedShopify(
      aShopifyDelivery('orders-create', { 'x-shopify-event-id': `evt-${randomBytes(6).toString('hex')}` }),
    );
    const results = [await ingest(shopify.provider, shopify.options, capture)];
    for (const id of ['forged-a', 'forged-b', 'forged-c']) {
      results.push(
        await ingest(
          shopify.provider,
          shopify.options,
          withHeaders(capture, { 'x-shopify-event-id': `${id}-${randomBytes(3).toString('hex')}` }),
        ),
      );
    }

    expect(results.map((r) => ingested(r).status)).toEqual([202, 200, 200, 200]);
    expect(new Set(results.map(eventIdOfResult)).size).toBe(1);
  });

  it('recognises a capture replayed at another tenant that shares the secret as the first event', async () => {
    const capture = signedGithub(aGithubDelivery('push', aPushPayload()));
    const first = await ingest(github.provider, github.options, capture, { tenant: 'acme' });

    const atGlobex = await ingest(
      github.provider,
      github.options,
      withHeaders(capture, { 'x-github-delivery': 'forged-tenant' }),
      { tenant: 'globex' },
    );

    expect(ingested(atGlobex)).toMatchObject({
      status: 200,
      items: [{ eventId: eventIdOfResult(first), outcome: 'duplicate' }],
    });
  });

  it('leaves a QUARANTINED event alone when another signed body arrives under its id', async () => {
    const deliveryId = `quarantined-${randomBytes(4).toString('hex')}`;
    const unreadable = signedGithub(aGithubRequestWithBody('push', deliveryId, Buffer.from('not json')));
    const quarantined = await ingest(github.provider, github.options, unreadable);
    expect(ingested(quarantined).items[0]?.outcome).toBe('quarantined');
    const eventId = eventIdOfResult(quarantined);

    const otherCapture = signedGithub(aGithubDelivery('push', aPushPayload()));
    const forged = await ingest(
      github.provider,
      github.options,
      withHeaders(otherCapture, { 'x-github-delivery': deliveryId }),
    );

    expect(ingested(forged)).toMatchObject({ status: 200, items: [{ eventId, outcome: 'duplicate' }] });
    expect(await item(stateKey(eventId))).toMatchObject({ status: 'QUARANTINED' });
    expect((await item(payloadKey(eventId)))?.event).toBeUndefined();
  });

  it('does not re-open a DEAD_LETTERED event for a capture of another event sent under its id', async () => {
    const deadDelivery = `dead-${randomBytes(4).toString('hex')}`;
    const dead = await ingest(
      github.provider,
      github.options,
      signedGithub(aGithubDelivery('push', aPushPayload(), { 'x-github-delivery': deadDelivery })),
    );
    const deadId = eventIdOfResult(dead);
    const store = depsWith().store;
    await store.transition(deadId, ['RECEIVED'], 'DEAD_LETTERED', {
      at: new Date().toISOString(),
      action: 'dead-lettered',
      by: 'consumer',
    });
    sqs.resetHistory();

    const otherCapture = signedGithub(aGithubDelivery('push', aPushPayload()));
    await ingest(github.provider, github.options, otherCapture);
    const forged = await ingest(
      github.provider,
      github.options,
      withHeaders(otherCapture, { 'x-github-delivery': deadDelivery }),
    );

    expect(ingested(forged).items[0]?.eventId).not.toBe(deadId);
    expect(await item(stateKey(deadId))).toMatchObject({ status: 'DEAD_LETTERED', sends: 1 });
    expect(queuedEventIds()).not.toContain(deadId);
  });

  it('stores signature headers masked, never the signature itself', async () => {
    const capture = signedGithub(aGithubDelivery('push', aPushPayload()));
    const eventId = eventIdOfResult(await ingest(github.provider, github.options, capture));

    const payload = await depsWith().store.getPayload(eventId);

    expect(payload?.request.headers['x-hub-signature-256']).toMatch(
      new RegExp(`^${MASKED_PREFIX}[0-9a-f]{16}$`),
    );
    expect(JSON.stringify(payload?.request)).not.toContain(
      capture.headers['x-hub-signature-256']?.slice(7, 40),
    );
    expect(payload?.request.headers['x-github-event']).toBe('push');
  });
});

const aGithubRequestWithBody = (event: string, deliveryId: string, body: Buffer): WebhookRequest => ({
  ...aGithubDelivery(event, {}, { 'x-github-delivery': deliveryId }),
  body,
});

describe('item 2: large signed events are stored, never answered 503 forever', () => {
  const stripe = { provider: stripeProvider, options: stripeOptionsSchema.parse({}) };
  const signedStripe = (event: Record<string, unknown>) =>
    aSignedStripeRequest(stripeBody(event), SECRET, Math.floor(Date.now() / 1000));
  const withData = (id: string, data: Record<string, unknown>) =>
    aStripeEvent({
      id,
      data: { object: { ...(aStripeEvent().data as { object: Record<string, unknown> }).object, ...data } },
    });

  it('accepts a Stripe event carrying 600 KiB of incompressible data and reads it back whole from S3', async () => {
    const noise = randomBytes(600 * 1024).toString('base64');
    const result = await ingest(
      stripe.provider,
      stripe.options,
      signedStripe(withData(`evt_large_${randomBytes(4).toString('hex')}`, { metadata: { noise } })),
    );

    expect(ingested(result).status).toBe(202);
    const payload = await depsWith().store.getPayload(eventIdOfResult(result));
    expect(payload?.eventLocation?.bucket).toBe(BUCKET);
    expect(
      (payload?.event?.data as { data: { object: { metadata: { noise: string } } } }).data.object.metadata
        .noise,
    ).toBe(noise);
    expect(queuedEventIds()).toEqual([eventIdOfResult(result)]);
  });

  it('accepts a Stripe event carrying a 1.3 MB array of numbers', async () => {
    const numbers = Array.from({ length: 130_000 }, (_, i) => (i * 7919) % 1_000_003);
    const result = await ingest(
      stripe.provider,
      stripe.options,
      signedStripe(withData(`evt_array_${randomBytes(4).toString('hex')}`, { numbers })),
    );

    expect(ingested(result).status).toBe(202);
    const payload = await depsWith().store.getPayload(eventIdOfResult(result));
    expect(
      (payload?.event?.data as { data: { object: { numbers: number[] } } }).data.object.numbers,
    ).toHaveLength(130_000);
  });

  it('quarantines, answering 202, an event the table refuses as too large when no bucket can take it', async () => {
    const noise = randomBytes(600 * 1024).toString('base64');
    const storeWithoutBucket = new EventStore(table.documentClient, {
      tableName: table.tableName,
      retentionDays: 30,
    });

    const result = await ingest(
      stripe.provider,
      stripe.options,
      signedStripe(withData(`evt_refused_${randomBytes(4).toString('hex')}`, { metadata: { noise } })),
      {
        deps: { store: storeWithoutBucket },
      },
    );

    expect(ingested(result)).toMatchObject({ status: 202, items: [{ outcome: 'quarantined' }] });
    expect(await item(stateKey(eventIdOfResult(result)))).toMatchObject({ status: 'QUARANTINED' });
    expect(queuedEventIds()).toEqual([]);
  });
});

describe('item 3: a large batch is ingested in full, once, across the provider retries', () => {
  const keys = aSendgridKeyPair();
  const [template] = sendgridFixtureEvents('delivered');
  const sendgrid = { provider: sendgridProvider, options: sendgridOptionsSchema.parse({}) };

  it('ingests a 700-element SendGrid batch whose first invocation runs out of time, answering 503 until the retry finishes it', async () => {
    const run = randomBytes(4).toString('hex');
    const elements = Array.from({ length: 700 }, (_, i) => ({
      ...template,
      sg_event_id: `sg-${run}-${i}`,
      sg_message_id: `msg-${run}-${i % 50}.filter`,
    }));
    const body = Buffer.from(JSON.stringify(elements));
    const deliver = () => {
      // Each look at the clock finds a second less left: four chunks of 100 fit in an invocation.
      let left = 10_000;
      const request = aSignedSendgridRequest({
        keyPair: keys,
        body,
        timestamp: String(Math.floor(Date.now() / 1000)),
      });
      return ingestWebhook(
        depsWith({
          secretsFor: () => Promise.resolve([keys.publicKeyBase64]),
          timeLeftMs: () => (left -= 1_000),
        }),
        settings,
        sendgrid.provider,
        sendgrid.options,
        { tenant: undefined, request, correlationId: `corr-batch-${run}` },
      );
    };

    const answers: (number | string)[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const result = delivered(await deliver());
      answers.push(result.kind === 'ingested' ? result.status : result.kind);
      if (result.kind !== 'unfinished') break;
    }

    expect(answers).toEqual(['unfinished', 202]);
    const queued = queuedEventIds();
    expect(queued).toHaveLength(700);
    expect(new Set(queued).size).toBe(700);
    const again = ingested(await deliver());
    expect(again.status).toBe(200);
  });

  it('keeps more time in hand than its slowest chunk took, whatever the fixed reserve', async () => {
    const run = randomBytes(4).toString('hex');
    const elements = Array.from({ length: 500 }, (_, i) => ({
      ...template,
      sg_event_id: `sg-slow-${run}-${i}`,
      sg_message_id: `msg-slow-${run}.filter`,
    }));
    const request = aSignedSendgridRequest({
      keyPair: keys,
      body: Buffer.from(JSON.stringify(elements)),
      timestamp: String(Math.floor(Date.now() / 1000)),
    });
    // A chunk costs 2 s of the invocation's time; 4.5 s are left after the first.
    let left = 7_500;
    let atStart = true;
    const timeLeftMs = () => {
      if (!atStart) left -= 2_000;
      atStart = !atStart;
      return left;
    };

    const result = delivered(
      await ingestWebhook(
        depsWith({ secretsFor: () => Promise.resolve([keys.publicKeyBase64]), timeLeftMs }),
        settings,
        sendgrid.provider,
        sendgrid.options,
        {
          tenant: undefined,
          request,
          correlationId: 'corr-slow',
        },
      ),
    );

    // After chunk 1 (2 s) 5.5 s are left, enough; after chunk 2, 3.5 s: less than the 1.5 s reserve + 1.5 × 2 s, so it stops.
    expect(result.kind).toBe('unfinished');
    expect(result.items.filter((entry) => entry.outcome === 'accepted')).toHaveLength(200);
    expect(result.items.filter((entry) => entry.outcome === 'deferred')).toHaveLength(300);
  });

  it('keeps the order of one message group across the batches it is enqueued in', async () => {
    const run = randomBytes(4).toString('hex');
    const elements = Array.from({ length: 120 }, (_, i) => ({
      ...template,
      sg_event_id: `sg-order-${run}-${i}`,
      sg_message_id: `msg-order-${run}-${i % 3}.filter`,
    }));
    const body = Buffer.from(JSON.stringify(elements));
    const request = aSignedSendgridRequest({
      keyPair: keys,
      body,
      timestamp: String(Math.floor(Date.now() / 1000)),
    });

    const result = ingested(
      await ingestWebhook(
        depsWith({ secretsFor: () => Promise.resolve([keys.publicKeyBase64]) }),
        settings,
        sendgrid.provider,
        sendgrid.options,
        {
          tenant: undefined,
          request,
          correlationId: 'corr-order',
        },
      ),
    );

    const position = new Map(result.items.map((entry, index) => [entry.eventId, index]));
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
    const byGroup = new Map<string, number[]>();
    for (const entry of batches.flat()) {
      const eventId = (JSON.parse(entry.MessageBody ?? '{}') as { eventId: string }).eventId;
      byGroup.set(entry.MessageGroupId ?? '', [
        ...(byGroup.get(entry.MessageGroupId ?? '') ?? []),
        position.get(eventId) ?? -1,
      ]);
    }
    expect(byGroup.size).toBe(3);
    for (const positions of byGroup.values()) expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});

describe('items 5 and 7: Mailgun tokens are bound to the secret and the body', () => {
  const mailgun = { provider: mailgunProvider, options: mailgunOptionsSchema.parse({}) };
  const signedMailgun = (eventData: Record<string, unknown>, token: string) =>
    aMailgunRequest({
      body: signMailgunRequest(
        {
          url: '',
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify({ 'event-data': eventData })),
        },
        SECRET,
        new Date(),
        token,
      ).body,
    });
  const delivered = () => ({ ...mailgunEventData('delivered'), id: `mg-${randomBytes(6).toString('hex')}` });

  it('refuses a captured token replayed at another tenant with forged event data', async () => {
    const token = randomBytes(25).toString('hex');
    const original = await ingest(mailgun.provider, mailgun.options, signedMailgun(delivered(), token), {
      tenant: 'acme',
    });
    const capturedSignature = (
      JSON.parse(signedMailgun(delivered(), token).body.toString('utf8')) as { signature: unknown }
    ).signature;

    const forged = await ingest(
      mailgun.provider,
      mailgun.options,
      aMailgunRequest({
        body: Buffer.from(
          JSON.stringify({ signature: capturedSignature, 'event-data': { ...delivered(), event: 'failed' } }),
        ),
      }),
      { tenant: 'globex' },
    );

    expect(ingested(original).status).toBe(202);
    expect(forged).toMatchObject({ kind: 'rejected', status: 401, reason: 'replayed' });
  });

  it('accepts the provider retry of a delivery that was answered 503, instead of refusing its token as a replay', async () => {
    const request = signedMailgun(delivered(), randomBytes(25).toString('hex'));
    sqs.on(SendMessageCommand).rejectsOnce(new Error('queue unavailable')).resolves({ MessageId: 'm' });

    await expect(ingest(mailgun.provider, mailgun.options, request)).rejects.toThrow('enqueue failed');
    const retry = await ingest(mailgun.provider, mailgun.options, request, {
      deps: { now: () => new Date(Date.now() + 31_000) },
    });

    expect(ingested(retry)).toMatchObject({ status: 202, items: [{ outcome: 'requeued' }] });
  });
});

describe('item 5: a signed Stripe account must belong to the tenant', () => {
  it('refuses a Connect event for another account at a tenant bound to its own account', async () => {
    const options = stripeOptionsSchema.parse({ accounts: { acme: 'acct_acme' } });
    const request = aSignedStripeRequest(
      stripeBody(aStripeEvent({ id: `evt_${randomBytes(4).toString('hex')}`, account: 'acct_globex' })),
      SECRET,
      Math.floor(Date.now() / 1000),
    );

    const result = await ingest(stripeProvider, options, request, { tenant: 'acme' });

    expect(result).toMatchObject({ kind: 'rejected', status: 401, reason: 'tenant-mismatch' });
    const scan = await table.documentClient.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: 'tenant = :t',
        ExpressionAttributeValues: { ':t': 'acme' },
      }),
    );
    expect((scan.Items ?? []).filter((i) => i.provider === 'stripe')).toEqual([]);
  });
});
