import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { connect } from '../../cli/environment';
import { runCli, type CliDependencies } from '../../cli/program';
import { parseConfig } from '../../lib/config';
import { eventIdOf, idempotencyKeyOf } from '#shared/store/records';
import { E2E_SECRETS, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(240_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const stripe = new Stripe('sk_test_e2e');
const sink = new Sink();
let e2e: RunningE2e;
let dir: string;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relayflow-pause-'));
  e2e = await startE2eRuntime({ stateFile: join(dir, 'local.json') });
  await sink.start(e2e.sinkPort);
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: e2e.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
  );
});
afterAll(async () => {
  await e2e.runtime.stop();
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = async (...argv: string[]) => {
  const out: string[] = [];
  const deps: CliDependencies = {
    connect: (options) => connect({ ...options, localStateFile: join(dir, 'local.json') }),
    output: { out: (text) => out.push(text), err: () => undefined, interactive: false },
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    fetch,
    projectRoot: join(__dirname, '..', '..'),
    loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {} } })),
  };
  const code = await runCli(['--local', ...argv], deps);
  return { code, out: out.join('\n') };
};

const stateOf = async (eventId: string) =>
  (
    await documents.send(
      new GetCommand({
        TableName: e2e.runtime.outputs.EventTableName,
        Key: { PK: `EVT#${eventId}`, SK: 'STATE' },
      }),
    )
  ).Item;

/** A signed Stripe delivery, resent on 429 as Stripe would; answers the final status. */
const deliver = async (id: string, customer: string, seq: number) => {
  const body = JSON.stringify({
    id,
    object: 'event',
    created: 1_790_000_000 + seq,
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, object: 'payment_intent', customer, metadata: { seq: String(seq) } } },
  });
  for (;;) {
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
    if (response.status !== 429) return response.status;
    await new Promise((r) => setTimeout(r, 200));
  }
};

const seqOf = (delivery: { event: { data: Record<string, unknown> } }) =>
  Number((delivery.event.data.data as { object: { metadata: { seq: string } } }).object.metadata.seq);

describe('pause and resume on the local runtime', () => {
  it('holds a paused target’s events under load, answering 2xx, then delivers each once, in order, on resume', async () => {
    const entities = Array.from({ length: 8 }, (_, i) => `cus_pause_${i}`);
    const answers: number[] = [];
    const sent = new Map<string, string>();
    const send = (from: number, to: number) =>
      Promise.all(
        entities.map(async (customer, e) => {
          for (let seq = from; seq < to; seq += 1) {
            const id = `evt_pause_${e}_${seq}`;
            sent.set(id, customer);
            answers.push(await deliver(id, customer, seq));
          }
        }),
      );
    const ours = () => sink.to('/sink').filter((d) => d.event.entity.id.startsWith('cus_pause_'));

    // Under load: the pause lands while the first events are still being sent and processed.
    const firstWave = send(0, 10);
    await new Promise((r) => setTimeout(r, 300));
    expect((await cli('pause', 'target', 'sink', '--reason', 'partner maintenance')).code).toBe(0);
    await firstWave;
    // Every consumer sees the pause within its cache period; what arrives after it is held.
    await new Promise((r) => setTimeout(r, 6000));
    const beforeSecondWave = ours().length;
    await send(10, 15);
    const status = await cli('status');
    expect(status.out).toContain('target#sink');
    expect(status.out).toContain('partner maintenance');
    await new Promise((r) => setTimeout(r, 3000));
    expect(ours().length).toBe(beforeSecondWave);
    const statusOf = async (id: string) =>
      String(
        (await stateOf(eventIdOf(idempotencyKeyOf('default', 'stripe', 'payment_intent.succeeded', id))))
          ?.status,
      );
    const held = (await Promise.all([...sent.keys()].map(statusOf))).filter((s) => s === 'HELD');
    expect(held.length).toBeGreaterThanOrEqual(entities.length * 5);

    const resumed = await cli('resume', 'target', 'sink', '--rate', '50');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('The pause has ended');
    expect(await eventually(() => ours().length >= sent.size, 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));

    expect(answers.filter((a) => a !== 202)).toEqual([]);
    const byEvent = new Map<string, number>();
    for (const d of ours()) {
      const id = String((d.event.data as { id: string }).id);
      byEvent.set(id, (byEvent.get(id) ?? 0) + 1);
    }
    const lost = [...sent.keys()].filter((id) => !byEvent.has(id));
    const duplicated = [...byEvent.entries()].filter(([, n]) => n > 1);
    const orderViolations = entities.filter((customer) => {
      const seqs = ours()
        .filter((d) => d.event.entity.id === customer)
        .map(seqOf);
      return seqs.some((seq, i) => i > 0 && seq < (seqs[i - 1] ?? -1));
    });
    expect({ lost, duplicated, orderViolations }).toEqual({ lost: [], duplicated: [], orderViolations: [] });
    // No attempt was burned on a held event: each was delivered at its first attempt.
    for (const d of ours()) expect(sink.attemptsOf('/sink', d.webhookId)).toBe(1);
  });
});
