import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { connect } from '../../cli/environment';
import { runCli, type CliDependencies } from '../../cli/program';
import { parseConfig } from '../../lib/config';
import { ObjectArchiveReader } from '#shared/operator/audit-archive';
import { stateKey, payloadKey } from '#shared/store/records';
import { anHttpApiEvent } from '../helpers/api-gateway';
import { E2E_SECRETS, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { Sink } from '../helpers/sink';
import { S3Client } from '@aws-sdk/client-s3';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const stripe = new Stripe('sk_test_e2e');
const stateFile = join(ROOT, '.relayflow', 'e2e', `audit-${process.pid}.json`);
const sink = new Sink();
let e2e: RunningE2e;
let documents: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  e2e = await startE2eRuntime({ stateFile });
  await sink.start(e2e.sinkPort);
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: e2e.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
  );
  table = e2e.runtime.outputs.EventTableName ?? '';
});
afterAll(async () => {
  await e2e.runtime.stop();
  await sink.stop();
});

const archived = () => Promise.all(e2e.runtime.streams.map((stream) => stream.idle()));

const reader = () =>
  new ObjectArchiveReader(
    new S3Client({
      endpoint: e2e.runtime.endpoints.s3,
      region: 'us-east-1',
      credentials,
      forcePathStyle: true,
    }),
    e2e.runtime.outputs.AuditBucketName ?? '',
  );

const postStripe = (body: string) =>
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

const stripeEvent = (id: string) =>
  JSON.stringify({
    id,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, object: 'payment_intent', customer: `cus_${id}` } },
  });

const statusOf = async (eventId: string) =>
  (await documents.send(new GetCommand({ TableName: table, Key: stateKey(eventId), ConsistentRead: true })))
    .Item?.status as string | undefined;

const until = async (what: string, check: () => Promise<boolean>) => {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Runs the CLI against the running local runtime, as `relayflow … --local` does. */
const cli = async (...argv: string[]) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const deps: CliDependencies = {
    connect: (options) => connect({ ...options, localStateFile: stateFile }),
    output: { out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive: false },
    now: () => new Date(),
    sleep: () => Promise.resolve(),
    fetch,
    projectRoot: ROOT,
    loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {} } })),
  };
  const code = await runCli([...argv, '--local'], deps);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
};

describe('the audit archive through the local runtime', () => {
  it('answers an event whose hot record has expired with its whole timeline, the duplicate delivery included', async () => {
    const body = stripeEvent('evt_audit_archive_1');
    const first = await postStripe(body);
    expect(first.status).toBe(202);
    const { events } = (await first.json()) as { events: { id: string }[] };
    const eventId = events[0]?.id ?? '';
    await until('PROCESSED', async () => (await statusOf(eventId)) === 'PROCESSED');
    const again = await postStripe(body);
    expect(again.status).toBe(200);
    await archived();
    const hot = (await documents.send(new GetCommand({ TableName: table, Key: stateKey(eventId) }))).Item as {
      audit: { action: string }[];
    };

    // What the TTL does when the retention ends.
    await documents.send(new DeleteCommand({ TableName: table, Key: stateKey(eventId) }));
    await documents.send(new DeleteCommand({ TableName: table, Key: payloadKey(eventId) }));
    await archived();

    const rows = await reader().query({ by: 'event', eventId });
    expect(rows.map((row) => row.kind === 'audit' && row.action)).toEqual(
      hot.audit.map((entry) => entry.action),
    );
    expect(rows.map((row) => row.kind === 'audit' && row.action)).toEqual(
      expect.arrayContaining(['accepted', 'processed', 'duplicate']),
    );
    expect(rows[0]).toMatchObject({
      kind: 'audit',
      tenant: 'default',
      provider: 'stripe',
      externalId: 'evt_audit_archive_1',
      type: expect.any(String),
    });

    const shown = await cli('audit', 'query', '--event', eventId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      `Audit archive: ${rows.length} entries for event ${eventId}, oldest first`,
    );
    expect(shown.stdout).toMatch(/duplicate +.*answered 200/);
    const byCorrelation = await cli(
      'audit',
      'query',
      '--correlation',
      first.headers.get('x-correlation-id') ?? '',
      '--json',
    );
    expect((JSON.parse(byCorrelation.stdout) as { eventId: string }[]).map((r) => r.eventId)).toContain(
      eventId,
    );
    const gone = await cli('events', 'show', eventId);
    expect(gone.code).toBe(1);
  });

  it('keeps a flood of 10,000 bad signatures to a bounded number of rejection rows', async () => {
    const functionName =
      Object.keys(e2e.runtime.lambda.counters()).find((name) => name.includes('Verifierstripe')) ?? '';
    const before = (await reader().query({ by: 'since', since: '2000-01-01T00:00:00.000Z' })).filter(
      (row) => row.kind === 'rejection',
    );
    const coldStartsBefore = e2e.runtime.lambda.counters()[functionName]?.coldStarts ?? 0;
    const started = new Date(e2e.runtime.clock.now());
    const body = Buffer.from(stripeEvent('evt_audit_flood'));
    const request = {
      method: 'POST',
      url: 'https://api.example.com/webhooks/stripe',
      path: '/webhooks/stripe',
      rawQueryString: '',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
      },
      body,
      sourceIp: '203.0.113.7',
    };
    const statuses = new Map<number, number>();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < 10_000) {
          sent += 1;
          const outcome = await e2e.runtime.lambda.invoke(functionName, anHttpApiEvent(request));
          const status = 'result' in outcome ? (outcome.result as { statusCode: number }).statusCode : 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const ended = new Date(e2e.runtime.clock.now());
    await archived();

    expect(Object.fromEntries(statuses)).toEqual({ 401: 10_000 });
    const rows = (await reader().query({ by: 'since', since: '2000-01-01T00:00:00.000Z' })).filter(
      (row) => row.kind === 'rejection' && !before.some((b) => b.id === row.id),
    );
    const containers = (e2e.runtime.lambda.counters()[functionName]?.coldStarts ?? 0) - coldStartsBefore + 1;
    const minutes = Math.floor(ended.getTime() / 60_000) - Math.floor(started.getTime() / 60_000) + 1;
    // Each container writes its counts at most once a minute (decision 0004): one row per source and reason.
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(containers * (minutes + 1));
    expect(
      rows.every(
        (row) => row.kind === 'rejection' && row.sourceIp === '203.0.113.7' && row.reason === 'signature',
      ),
    ).toBe(true);
    const counted = rows.reduce((sum, row) => sum + (row.kind === 'rejection' ? row.count : 0), 0);
    expect(counted).toBeLessThanOrEqual(10_000);
  });
});
