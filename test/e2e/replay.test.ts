import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Stripe from 'stripe';
import { E2E_SECRETS, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '..', '..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const stripe = new Stripe('sk_test_e2e');
const sink = new Sink();
const ENTITIES = ['cus_rp_a', 'cus_rp_b', 'cus_rp_c'];
const PER_ENTITY = 3;
let e2e: RunningE2e;
let workDir: string;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'relayflow-replay-e2e-'));
  // The CLI's --local reads .relayflow/local.json from its working directory.
  e2e = await startE2eRuntime({ stateFile: join(workDir, '.relayflow', 'local.json') });
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

const send = async (customer: string, seq: number) => {
  const body = JSON.stringify({
    id: `evt_${customer}_${seq}`,
    object: 'event',
    created: 1_790_000_000 + seq,
    type: 'invoice.paid',
    data: {
      object: { id: `in_${customer}_${seq}`, object: 'invoice', customer, metadata: { seq: String(seq) } },
    },
  });
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
  const { events } = (await response.json()) as { events: { id: string }[] };
  return events[0]?.id ?? '';
};

/**
 * Runs the real CLI, as `npx relayflow` does: its committed bundle, which a test keeps equal to the
 * sources. Asynchronously: the runtime it talks to lives in this process.
 */
const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'cli', 'dist', 'relayflow.cjs'), ...args],
      {
        cwd: workDir,
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        timeout: 180_000,
      },
      (error, stdout, stderr) =>
        done({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

const seqOf = (data: Record<string, unknown>) =>
  Number((data.data as { object: { metadata: { seq: string } } }).object.metadata.seq);

describe('replay from the dead-letter queue with the CLI', () => {
  it('delivers every dead-lettered event exactly once, in order per entity, empties the DLQ and tells the whole story', async () => {
    // 1. The sink fails for a set of entities: their events end DEAD_LETTERED.
    sink.behaviour = (delivery) => (ENTITIES.includes(delivery.event.entity.id) ? 503 : 200);
    const ids: string[] = [];
    for (const customer of ENTITIES) {
      for (let seq = 0; seq < PER_ENTITY; seq += 1) ids.push(await send(customer, seq));
    }
    const allDead = await eventually(
      async () => {
        const states = await Promise.all(ids.map(stateOf));
        return states.every((s) => s?.status === 'DEAD_LETTERED');
      },
      60_000,
      500,
      // Retry backoffs and the open circuit's 30 s wait pass on the runtime's clock.
      { clock: e2e.runtime.clock, stepMs: 5_000 },
    );
    expect(allDead).toBe(true);

    // 2. The sink is fixed. 3. Replay from the DLQ.
    sink.behaviour = () => 200;
    const replay = await cli(
      '--local',
      'replay',
      '--from',
      'dlq',
      '--execute',
      '--wait',
      '--reason',
      'test',
      '--json',
    );
    expect({ status: replay.status, stderr: replay.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(replay.stdout)).toMatchObject({ summary: { replayed: ids.length, failed: 0 } });

    // Every event exactly once, in per-entity order.
    expect(
      await eventually(
        () => sink.to('/sink').filter((d) => ENTITIES.includes(d.event.entity.id)).length >= ids.length,
        60_000,
        500,
        // The target's circuit, opened by the failures, and the retries' backoff wait on that clock too.
        { clock: e2e.runtime.clock, stepMs: 5_000 },
      ),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    const delivered = sink.to('/sink').filter((d) => ENTITIES.includes(d.event.entity.id));
    expect(delivered.map((d) => d.event.id).sort()).toEqual([...ids].sort());
    for (const customer of ENTITIES) {
      expect(delivered.filter((d) => d.event.entity.id === customer).map((d) => seqOf(d.event.data))).toEqual(
        [0, 1, 2],
      );
    }

    // 4. The DLQ is empty.
    const sqs = new SQSClient({ endpoint: e2e.runtime.endpoints.sqs, region: 'us-east-1', credentials });
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: e2e.runtime.outputs.DeadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attributes.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });

    // 5. Each event's timeline shows the whole story.
    const shown = await cli('--local', 'events', 'show', ids[0] ?? '', '--json');
    expect(shown.status).toBe(0);
    const story = (JSON.parse(shown.stdout) as { state: { audit: { action: string }[] } }).state.audit.map(
      (entry) => entry.action,
    );
    expect(story[0]).toBe('accepted');
    expect(story).toEqual(
      expect.arrayContaining(['accepted', 'retrying', 'dead-lettered', 'replayed', 'processed']),
    );
    expect(story.indexOf('dead-lettered')).toBeLessThan(story.indexOf('replayed'));
    expect(story.indexOf('replayed')).toBeLessThan(story.lastIndexOf('processed'));
  });
});
