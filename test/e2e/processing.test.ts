import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { E2E_SECRETS, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

jest.setTimeout(300_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const stripe = new Stripe('sk_test_e2e');
const sink = new Sink();
let e2e: RunningE2e;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  e2e = await startE2eRuntime();
  await sink.start(e2e.sinkPort);
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: e2e.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
  );
});
afterAll(async () => {
  await e2e.runtime.stop();
  await sink.stop();
});

const stateOf = async (eventId: string) =>
  (
    await documents.send(
      new GetCommand({
        TableName: e2e.runtime.outputs.EventTableName,
        Key: { PK: `EVT#${eventId}`, SK: 'STATE' },
      }),
    )
  ).Item;

/** A signed Stripe delivery; the same id and body give the same bytes (a provider retry). */
const stripeDelivery = (
  id: string,
  customer: string,
  seq: number,
  metadata: Record<string, string> = { seq: String(seq) },
) => {
  const created = 1_790_000_000 + seq;
  const body = JSON.stringify({
    id,
    object: 'event',
    created,
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, object: 'payment_intent', customer, metadata } },
  });
  const post = () =>
    fetch(`${e2e.runtime.endpoints.api}/webhooks/stripe`, {
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
  // 20 senders can outrun the route's throttle (50/s, burst 100) on an idle machine; a provider
  // resends a 429 later, and so does this one. It resends a 500 too (what API Gateway answers
  // for a verifier that timed out, as one can on a slow machine), counted for the test to explain.
  return async () => {
    for (;;) {
      const response = await post();
      if (response.status === 500) resentAfter500 += 1;
      if (response.status !== 429 && response.status !== 500) return response;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
};

let resentAfter500 = 0;

/** The Stripe verifier's throttles, timeouts and other errors so far. */
const stripeVerifier = () => {
  const counters = Object.entries(e2e.runtime.lambda.counters()).find(([name]) =>
    name.includes('Verifierstripe'),
  )?.[1];
  return {
    throttles: counters?.throttles ?? 0,
    timeouts: counters?.timeouts ?? 0,
    failedOtherwise: (counters?.errors ?? 0) - (counters?.timeouts ?? 0),
  };
};

const seqOf = (delivery: { event: { data: Record<string, unknown> } }) =>
  Number((delivery.event.data.data as { object: { metadata: { seq: string } } }).object.metadata.seq);

describe('processing through the local runtime', () => {
  it('delivers 200 events over 20 entities, 20% delivered twice, exactly once each and in order per entity', async () => {
    const entities = Array.from({ length: 20 }, (_, i) => `cus_load_${i}`);
    const ledger = new Map<string, { customer: string; seq: number }>();
    const answers: { first: number; again?: number }[] = [];
    const before = stripeVerifier();
    resentAfter500 = 0;
    // Each entity's events are sent in order; entities are sent in parallel.
    await Promise.all(
      entities.map(async (customer, e) => {
        for (let seq = 0; seq < 10; seq += 1) {
          const id = `evt_load_${e}_${seq}`;
          const send = stripeDelivery(id, customer, seq);
          const first = (await send()).status;
          ledger.set(id, { customer, seq });
          answers.push((seq + e) % 5 === 0 ? { first, again: (await send()).status } : { first });
        }
      }),
    );
    const after = stripeVerifier();
    // Every 500 was a verifier that timed out or was throttled, never one that failed.
    expect({ failedOtherwise: after.failedOtherwise - before.failedOtherwise }).toEqual({
      failedOtherwise: 0,
    });
    expect(resentAfter500).toBeLessThanOrEqual(
      after.throttles - before.throttles + after.timeouts - before.timeouts,
    );
    expect(answers.filter((a) => a.first !== 202 && a.first !== 200)).toEqual([]);
    // An answer of 200 is a resend after a 500 that had stored the event: a duplicate, as it should be.
    expect(answers.filter((a) => a.first === 200).length).toBeLessThanOrEqual(resentAfter500);
    expect(answers.filter((a) => a.again !== undefined && a.again !== 200)).toEqual([]);
    expect(answers.filter((a) => a.again === 200)).toHaveLength(40);

    const delivered = () => sink.to('/sink').filter((d) => d.event.entity.id.startsWith('cus_load_'));
    expect(await eventually(() => delivered().length >= ledger.size, 120_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));

    const byEvent = new Map<string, number>();
    for (const d of delivered())
      byEvent.set(
        String((d.event.data as { id: string }).id),
        (byEvent.get(String((d.event.data as { id: string }).id)) ?? 0) + 1,
      );
    const lost = [...ledger.keys()].filter((id) => !byEvent.has(id));
    const duplicated = [...byEvent.entries()].filter(([, n]) => n > 1);
    const orderViolations = entities.filter((customer) => {
      const seqs = delivered()
        .filter((d) => d.event.entity.id === customer)
        .map(seqOf);
      return seqs.some((seq, i) => i > 0 && seq < (seqs[i - 1] ?? -1));
    });
    expect({ lost, duplicated, orderViolations }).toEqual({ lost: [], duplicated: [], orderViolations: [] });
  });

  it('carries a body too large for a table item through S3 to its target, with the S3 client each bundle loads from beside it (decision 0064)', async () => {
    // Random bytes do not compress: ~180 KB of them stay far above the 64 KB inline limit.
    const attachment = randomBytes(135_000).toString('base64');
    const response = await stripeDelivery('evt_e2e_large_body', 'cus_large', 0, { attachment })();
    expect(response.status).toBe(202);
    const [event] = ((await response.json()) as { events: { id: string }[] }).events;

    const payload = (
      await documents.send(
        new GetCommand({
          TableName: e2e.runtime.outputs.EventTableName,
          Key: { PK: `EVT#${event?.id ?? ''}`, SK: 'PAYLOAD' },
        }),
      )
    ).Item;
    expect(payload?.raw).toMatchObject({ kind: 's3' });
    expect(
      await eventually(() => sink.to('/sink').some((d) => d.event.entity.id === 'cus_large'), 30_000),
    ).toBe(true);
    const delivered = sink.to('/sink').find((d) => d.event.entity.id === 'cus_large');
    expect(JSON.stringify(delivered?.event.data)).toContain(attachment);
    // The consumer marks the event PROCESSED once the target has answered, so a moment after the sink saw it.
    expect(
      await eventually(async () => (await stateOf(event?.id ?? ''))?.status === 'PROCESSED', 30_000),
    ).toBe(true);
  });

  it('backs off a failing entity into DEAD_LETTERED in the DLQ while other entities keep flowing', async () => {
    sink.behaviour = (delivery) => (delivery.event.entity.id === 'cus_poison' ? 503 : 200);
    const poison = await stripeDelivery('evt_poison_1', 'cus_poison', 1)();
    const healthy = await stripeDelivery('evt_healthy_1', 'cus_healthy', 1)();
    const { events } = (await poison.json()) as { events: { id: string }[] };
    const poisonId = events[0]?.id ?? '';

    expect(healthy.status).toBe(202);
    expect(
      await eventually(() => sink.to('/sink').some((d) => d.event.entity.id === 'cus_healthy'), 30_000),
    ).toBe(true);
    expect(
      await eventually(async () => (await stateOf(poisonId))?.status === 'DEAD_LETTERED', 30_000, 200, {
        clock: e2e.runtime.clock,
        stepMs: 2_000,
      }),
    ).toBe(true);
    const state = await stateOf(poisonId);
    expect((state?.audit as { action: string }[]).map((a) => a.action)).toEqual(
      expect.arrayContaining(['accepted', 'retrying', 'dead-lettered']),
    );

    const sqs = new SQSClient({ endpoint: e2e.runtime.endpoints.sqs, region: 'us-east-1', credentials });
    const inDlq = await eventually(async () => {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: e2e.runtime.outputs.DeadLetterQueueUrl,
          MessageSystemAttributeNames: ['All'],
          VisibilityTimeout: 0,
          WaitTimeSeconds: 1,
        }),
      );
      return (received.Messages ?? []).some(
        (m) =>
          m.Body?.includes(poisonId) && m.Attributes?.MessageGroupId === 'default#stripe#customer:cus_poison',
      );
    }, 30_000);
    expect(inDlq).toBe(true);
    sink.behaviour = () => 200;
  });

  it('does not repeat the first target when the second fails and is retried', async () => {
    sink.behaviour = (delivery, attempt) => (delivery.path === '/second' && attempt <= 2 ? 500 : 200);
    // A push as GitHub sends it has the commits before and after (the type evidence checks them).
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      repository: { full_name: 'acme/multi' },
      head_commit: { timestamp: new Date().toISOString() },
    });
    const response = await fetch(`${e2e.runtime.endpoints.api}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'b7c1c1a0-0000-4000-8000-000000000001',
        'x-hub-signature-256': await octokitSign(E2E_SECRETS.github, body),
      },
      body,
    });
    expect(response.status).toBe(202);

    expect(
      await eventually(() => sink.to('/second').some((d) => d.event.entity.id === 'acme/multi'), 60_000),
    ).toBe(true);
    const first = sink.to('/first').filter((d) => d.event.entity.id === 'acme/multi');
    expect(first).toHaveLength(1);
    expect(sink.attemptsOf('/first', first[0]?.webhookId ?? '')).toBe(1);
    expect(
      sink.attemptsOf(
        '/second',
        sink.to('/second').find((d) => d.event.entity.id === 'acme/multi')?.webhookId ?? '',
      ),
    ).toBe(3);
    sink.behaviour = () => 200;
  });

  it('marks an event older than its entity’s newest STALE and does not apply it (onStale: skip)', async () => {
    const send = (id: string, timestamp: string) => {
      const body = JSON.stringify({ type: 'user.updated', timestamp, data: { user_id: 'u_stale' } });
      const now = new Date();
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)) };
      return fetch(`${e2e.runtime.endpoints.api}/webhooks/standard-webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...headers,
          'webhook-signature': new Webhook(E2E_SECRETS['standard-webhooks']).sign(id, now, body),
        },
        body,
      });
    };
    const newer = await send('msg_stale_new', '2026-01-02T00:00:00.000Z');
    expect(newer.status).toBe(202);
    expect(await eventually(() => sink.to('/stale').length === 1, 30_000)).toBe(true);

    const older = await send('msg_stale_old', '2026-01-01T00:00:00.000Z');
    const { events } = (await older.json()) as { events: { id: string }[] };

    expect(
      await eventually(async () => (await stateOf(events[0]?.id ?? ''))?.status === 'STALE', 30_000),
    ).toBe(true);
    expect(sink.to('/stale')).toHaveLength(1);
  });
});
