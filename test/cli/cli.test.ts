import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli, type CliDependencies } from '../../cli/program';
import { CliError, type Environment } from '../../cli/environment';
import { HubspotOptionsSchema } from '#shared/providers/hubspot/schemas';
import { verifyHubspot } from '#shared/providers/hubspot/verify';
import { verifySendgrid } from '#shared/providers/sendgrid/verify';
import { verifyStripe } from '#shared/providers/stripe/verify';
import type { WebhookRequest } from '#shared/providers/types';
import { parseConfig } from '../../lib/config';
import { receiveAll, eventIdsOf, startReplayHarness, type ReplayHarness } from '../helpers/replay';

const ROOT = resolve(__dirname, '../..');
const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:Replay';
const sfnMock = mockClient(SFNClient);
const secretsMock = mockClient(SecretsManagerClient);

let h: ReplayHarness;

beforeAll(async () => {
  h = await startReplayHarness();
});

afterAll(async () => {
  await h.stop();
});

afterEach(() => {
  sfnMock.reset();
  secretsMock.reset();
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly connects: number;
  readonly posted: { url: string; headers: Record<string, string>; body: Buffer }[];
}

/** Runs the commander program in process against the harness's table and queues. */
const run = async (...argv: string[]): Promise<Run> => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const posted: Run['posted'] = [];
  let connects = 0;
  const outputs: Record<string, string> = {
    EventTableName: h.table.tableName,
    MainQueueUrl: h.mainQueueUrl,
    DeadLetterQueueUrl: h.deadLetterQueueUrl,
    ReplayStateMachineArn: STATE_MACHINE,
    WebhookUrlStripe: 'http://127.0.0.1:3000/webhooks/stripe',
    SecretStripe: 'RelayFlow-stripe',
    WebhookUrlSendgrid: 'http://127.0.0.1:3000/webhooks/sendgrid',
    SecretSendgrid: 'RelayFlow-sendgrid',
    WebhookUrlHubspot: 'http://127.0.0.1:3000/webhooks/hubspot',
    SecretHubspot: 'RelayFlow-hubspot',
    WebhookUrlAcme: 'http://127.0.0.1:3000/webhooks/acme',
    WebhookUrlAcmeBeta: 'http://127.0.0.1:3000/webhooks/acme/beta',
    WebhookUrlAcme2: 'http://127.0.0.1:3000/webhooks/acme2',
    WebhookUrlAcme2Beta: 'http://127.0.0.1:3000/webhooks/acme2/beta',
  };
  const environment: Environment = {
    stackName: 'RelayFlow',
    region: 'us-east-1',
    local: true,
    outputs,
    dynamodb: h.table.documentClient,
    sqs: h.sqsClient,
    sfn: new SFNClient({ region: 'us-east-1' }),
    secrets: new SecretsManagerClient({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    lambda: new LambdaClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    athena: new AthenaClient({ region: 'us-east-1' }),
    scheduler: new SchedulerClient({ region: 'us-east-1' }),
    output: (key) => {
      const value = outputs[key];
      if (value === undefined) throw new CliError(`Stack RelayFlow has no output ${key}.`);
      return value;
    },
  };
  const deps: CliDependencies = {
    connect: () => {
      connects += 1;
      return Promise.resolve(environment);
    },
    output: { out: (text) => stdout.push(text), err: (text) => stderr.push(text), interactive: false },
    now: () => new Date(h.clock.now()),
    sleep: () => Promise.resolve(),
    fetch: (url, init) => {
      posted.push({
        url: typeof url === 'string' ? url : url instanceof URL ? url.href : url.url,
        headers: init?.headers as Record<string, string>,
        body: Buffer.from(init?.body as Uint8Array),
      });
      return Promise.resolve(
        new Response('{"correlationId":"c-1"}', { status: 202, headers: { 'x-correlation-id': 'c-1' } }),
      );
    },
    projectRoot: ROOT,
    loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {} } })),
  };
  const code = await runCli(argv, deps);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), connects, posted };
};

const oneSentence = (text: string) => text.trim().split('\n').filter(Boolean);

describe('relayflow replay: argument errors', () => {
  it.each([
    [['replay'], /--reason is required/],
    [
      ['replay', '--reason', 'backfill', '--status', 'QUEUED'],
      /--status must be one of DEAD_LETTERED, QUARANTINED, STALE, PROCESSED, COMPENSATED, COMPENSATION_FAILED, not QUEUED/,
    ],
    [['replay', '--reason', 'backfill', '--limit', '0'], /--limit must be a whole number from 1 to 10000/],
    [['replay', '--reason', 'backfill', '--from', 'queue'], /--from must be dlq or store/],
    [['replay', '--reason', 'backfill', '--entity', 'customer:cus_1'], /filter.entity needs filter.provider/],
    [
      ['replay', '--reason', 'backfill', '--from', 'store', '--status', 'PROCESSED'],
      /PROCESSED events are not indexed by status/,
    ],
    [['replay', '--reason', 'backfill', '--since', 'yesterday'], /--since must be an ISO 8601 time/],
  ])('refuses %j with one sentence and exit code 1, before reaching AWS', async (argv, message) => {
    const result = await run(...argv);

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toEqual([expect.stringMatching(message)]);
    expect(result.connects).toBe(0);
  });

  it('rejects an unknown option with exit code 1', async () => {
    const result = await run('replay', '--reason', 'x y z', '--dry');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown option '--dry'");
  });
});

describe('relayflow replay', () => {
  it('starts a dry run with the input the options describe and prints the plan as JSON', async () => {
    const plan = {
      source: 'store',
      matching: 2,
      selected: 2,
      scanned: 2,
      truncated: false,
      unknownMessages: 0,
      sample: [],
      batchSize: 10,
      waitSeconds: 1,
    };
    sfnMock
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${STATE_MACHINE}:run-1`, startDate: new Date() });
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce({
        status: 'RUNNING',
        executionArn: 'x',
        stateMachineArn: STATE_MACHINE,
        startDate: new Date(),
      })
      .resolves({
        status: 'SUCCEEDED',
        output: JSON.stringify(plan),
        executionArn: 'x',
        stateMachineArn: STATE_MACHINE,
        startDate: new Date(),
      });

    const result = await run(
      '--json',
      'replay',
      '--from',
      'store',
      '--id',
      'ev_a,ev_b',
      '--id',
      'ev_c',
      '--reason',
      'incident 7',
      '--rate',
      '2.5',
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ executionArn: `${STATE_MACHINE}:run-1`, plan });
    const started = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(started?.stateMachineArn).toBe(STATE_MACHINE);
    expect(JSON.parse(started?.input ?? '{}')).toEqual({
      source: 'store',
      filter: { eventIds: ['ev_a', 'ev_b', 'ev_c'] },
      ratePerSecond: 2.5,
      dryRun: true,
      force: false,
      renormalize: false,
      reason: 'incident 7',
    });
  });

  it('with --execute --wait shows progress from the execution history and prints the summary', async () => {
    const plan = {
      source: 'dlq',
      matching: 4,
      selected: 4,
      scanned: 4,
      truncated: false,
      unknownMessages: 0,
      sample: [],
      batchSize: 2,
      waitSeconds: 1,
    };
    const summary = {
      replayed: 3,
      skipped: 1,
      failed: 0,
      handled: 4,
      batches: 2,
      skippedReasons: { 'already-processed': 1 },
      failures: [],
    };
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:run-2', startDate: new Date() });
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce({
        status: 'RUNNING',
        executionArn: 'x',
        stateMachineArn: STATE_MACHINE,
        startDate: new Date(),
      })
      .resolves({
        status: 'SUCCEEDED',
        output: JSON.stringify(summary),
        executionArn: 'x',
        stateMachineArn: STATE_MACHINE,
        startDate: new Date(),
      });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 5,
          type: 'TaskStateExited',
          timestamp: new Date(),
          stateExitedEventDetails: {
            name: 'ReplayBatch',
            output: JSON.stringify({
              plan,
              summary: { ...summary, replayed: 2, skipped: 0, handled: 2, batches: 1 },
            }),
          },
        },
      ],
    });

    const result = await run('replay', '--reason', 'incident 7', '--execute', '--wait');

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('2/4  replayed 2  skipped 0  failed 0');
    expect(result.stdout).toBe('Replayed 3, skipped 1 (already-processed 1), failed 0, in 2 batches.');
    expect(
      JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}'),
    ).toMatchObject({ dryRun: false });
  });

  it("reports a failed execution's cause as one sentence with exit code 1", async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:run-3', startDate: new Date() });
    sfnMock.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'ReplayInputError',
      cause: JSON.stringify({
        errorType: 'ReplayInputError',
        errorMessage: 'invalid replay input: limit: Too big',
      }),
      executionArn: 'x',
      stateMachineArn: STATE_MACHINE,
      startDate: new Date(),
    });

    const result = await run('replay', '--reason', 'incident 7');

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr).at(-1)).toBe(
      'relayflow: The replay execution failed: invalid replay input: limit: Too big.',
    );
  });
});

describe('relayflow events, dlq and status', () => {
  let deadIds: string[];
  let correlationId: string;

  beforeAll(async () => {
    deadIds = [
      await h.ingest({ id: 'cli_1', type: 'invoice.paid', customer: 'cus_1' }),
      await h.ingest({ id: 'cli_2', type: 'charge.failed' }),
    ];
    await h.deadLetterAll();
    for (const id of deadIds) await h.mark(id, 'DEAD_LETTERED');
    correlationId = (await h.store.getState(deadIds[0] ?? ''))?.correlationId ?? '';
  });

  it('events list --json lists the events in the selected status and filters', async () => {
    const all = await run('--json', 'events', 'list', '--status', 'dead_lettered');
    const paid = await run(
      '--json',
      'events',
      'list',
      '--status',
      'DEAD_LETTERED',
      '--type',
      'acme.invoice.*',
    );

    expect(all.code).toBe(0);
    expect((JSON.parse(all.stdout) as { eventId: string }[]).map((e) => e.eventId).sort()).toEqual(
      [...deadIds].sort(),
    );
    expect((JSON.parse(paid.stdout) as { eventId: string }[]).map((e) => e.eventId)).toEqual([deadIds[0]]);
  });

  it('events list names the filter it applied when nothing matches', async () => {
    const result = await run('events', 'list', '--status', 'DEAD_LETTERED', '--provider', 'stripe');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No events with status DEAD_LETTERED and provider stripe.');
  });

  it('events list names every condition and the time window it applied', async () => {
    const result = await run(
      'events',
      'list',
      '--status',
      'QUARANTINED,STALE',
      '--tenant',
      'beta',
      '--type',
      'acme.*',
      '--since',
      '2025-06-01T10:00:00Z',
    );

    expect(result.stdout).toBe(
      'No events with status QUARANTINED or STALE, tenant beta and type acme.*, received since 2025-06-01T10:00:00.000Z.',
    );
  });

  it('events list with only the default statuses says which they are and how to find events in the others', async () => {
    const result = await run('events', 'list', '--provider', 'nosuch');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'No events with status QUARANTINED, RETRYING, DEAD_LETTERED, STALE, COMPENSATED, COMPENSATION_FAILED or HELD and provider nosuch (by default, the statuses that need an operator); events in other statuses are listed by entity (--entity kind:id --provider <id>), or among the most recent events by events list with no filter.',
    );
  });

  it('events list by entity names the default tenant, whose partition it read', async () => {
    const result = await run('events', 'list', '--provider', 'acme', '--entity', 'customer:cus_none');

    expect(result.stdout).toBe('No events with provider acme, tenant default and entity customer:cus_none.');
  });

  it('events list refuses a status the index does not hold unless an entity is given', async () => {
    const result = await run('events', 'list', '--status', 'PROCESSED');

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toEqual([
      expect.stringContaining('PROCESSED events are not indexed by status'),
    ]);
  });

  it('events show finds an event by correlation id, with its audit timeline oldest first', async () => {
    const result = await run('--json', 'events', 'show', correlationId);

    const shown = JSON.parse(result.stdout) as {
      state: { eventId: string; audit: { at: string; action: string }[] };
      raw: { kind: string };
      event: { data: unknown };
    };
    expect(shown.state.eventId).toBe(deadIds[0]);
    expect(shown.state.audit.map((a) => a.action)).toEqual(['accepted', 'dead_lettered']);
    expect(shown.raw.kind).toBe('inline');
    expect(shown.event.data).toMatchObject({ id: 'cli_1' });
  });

  it('events show prints a table and the timeline for humans', async () => {
    const result = await run('events', 'show', deadIds[1] ?? '');

    expect(result.stdout).toContain(`Event ${deadIds[1]}  DEAD_LETTERED`);
    expect(result.stdout).toMatch(/Audit timeline \(oldest first\):\nAT\s+BY\s+ACTION/);
  });

  it('events show masks a signature header that an older item stored unmasked', async () => {
    const eventId = deadIds[1] ?? '';
    const payload = await h.store.getPayload(eventId);
    if (!payload) throw new Error('no payload');
    const signature = `t=1733472000,v1=${'5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd'}`;
    await h.store.replacePayload(
      {
        ...payload,
        request: {
          ...payload.request,
          headers: { ...payload.request.headers, 'stripe-signature': signature },
        },
      },
      new Date(),
    );

    const result = await run('--json', 'events', 'show', eventId);

    const shown = JSON.parse(result.stdout) as { request: { headers: Record<string, string> } };
    expect(shown.request.headers['stripe-signature']).toMatch(/^masked:sha256:[0-9a-f]{16}$/);
    expect(result.stdout).not.toContain('5257a869');
  });

  it('events show says so when nothing has the id, and where an expired event is still found', async () => {
    const result = await run('events', 'show', 'ev_nothing');

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'relayflow: No event has the id or correlation id ev_nothing; if it expired (retentionDays), its timeline is in the audit archive: relayflow audit query --event ev_nothing.',
    );
  });

  it('events show counts the duplicate deliveries its timeline no longer holds, and names the latest', async () => {
    const eventId = deadIds[1] ?? '';
    const at = (s: number) => `2025-06-01T12:00:0${s}.000Z`;
    for (let i = 1; i <= 5; i += 1)
      await h.store.recordDuplicate(eventId, {
        at: at(i),
        action: 'duplicate',
        by: 'ingest',
        detail: 'duplicate delivery (duplicate), answered 200',
      });

    const result = await run('events', 'show', eventId);

    expect(result.stdout.match(/duplicate delivery \(duplicate\), answered 200/g)).toHaveLength(4);
    expect(result.stdout).toContain(
      `… and 2 more duplicate deliveries, the latest at ${at(5)} (duplicate delivery (duplicate), answered 200); each is in the audit archive: relayflow audit query --event ${eventId}`,
    );
  });

  it("events show says how far back it looked for a provider's event id, and how to look further", async () => {
    const result = await run('events', 'show', 'evt_demo_1');

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toEqual([
      "relayflow: No event has the id or correlation id evt_demo_1, and no event received since 2025-05-31T12:00:00.000Z has it as the provider's event id; search further back with --since (7d), or add its provider event type to look it up at any age: relayflow events show evt_demo_1 --provider-type <type> (payment_intent.succeeded for a Stripe one).",
    ]);
  });

  it('dlq --json shows the depth and a sample, and leaves every message visible', async () => {
    const result = await run('--json', 'dlq');

    const shown = JSON.parse(result.stdout) as {
      depth: { visible: number };
      sample: { eventId: string; status: string }[];
    };
    expect(shown.depth.visible).toBe(2);
    expect(shown.sample.map((s) => [s.eventId, s.status])).toEqual(
      deadIds.map((id) => [id, 'DEAD_LETTERED']),
    );
    expect(eventIdsOf(await receiveAll(h.sqsClient, h.deadLetterQueueUrl, 1))).toEqual(deadIds);
    h.clock.advance(1000);
  });

  it('status --json counts the events needing an operator and groups failures by class', async () => {
    const result = await run('--json', 'status');

    const shown = JSON.parse(result.stdout) as {
      statuses: Record<string, number>;
      queues: { deadLetter: { visible: number } };
      recentFailures: unknown[];
    };
    expect(shown.statuses).toMatchObject({ DEAD_LETTERED: 2, QUARANTINED: 0 });
    expect(shown.recentFailures).toEqual([expect.objectContaining({ errorClass: 'unknown', count: 2 })]);
  });
});

describe("relayflow events show by the provider's event id", () => {
  let only: string;
  let twice: string[];

  beforeAll(async () => {
    only = await h.ingest({ id: 'evt_only', type: 'invoice.paid', customer: 'cus_9' });
    twice = [];
    // A second apart, so that newest first is one order.
    for (const options of [{}, { tenant: 'beta' }, { provider: 'acme2' }]) {
      h.clock.advance(1000);
      twice.push(await h.ingest({ id: 'evt_twice', type: 'invoice.paid' }, options));
    }
  });

  it('shows the one event that the id and provider type name', async () => {
    const result = await run('--json', 'events', 'show', 'evt_only', '--provider-type', 'invoice.paid');

    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout) as { state: { eventId: string; externalId: string } };
    expect(shown.state).toMatchObject({ eventId: only, externalId: 'evt_only' });
  });

  it('lists the candidates, and shows none, when several providers or tenants sent that id', async () => {
    const result = await run('events', 'show', 'evt_twice', '--provider-type', 'invoice.paid');

    expect(result.code).toBe(1);
    const [header, ...rows] = result.stdout.split('\n');
    expect(header).toMatch(/^EVENT\s+STATUS\s+TENANT\s+PROVIDER\s+TYPE\s+RECEIVED$/);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(twice);
    expect(oneSentence(result.stderr)).toEqual([
      "relayflow: evt_twice is the provider's event id of 3 events (acme for tenant default, acme for tenant beta and acme2 for tenant default); show one by its event id, or narrow with --provider and --tenant.",
    ]);
  });

  it('narrows the candidates to one provider and tenant', async () => {
    const result = await run(
      '--json',
      'events',
      'show',
      'evt_twice',
      '--provider-type',
      'invoice.paid',
      '--provider',
      'acme',
      '--tenant',
      'beta',
    );

    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { state: { eventId: string } }).state.eventId).toBe(twice[1]);
  });

  it('says where it looked when no event has the id', async () => {
    const result = await run('events', 'show', 'evt_only', '--provider-type', 'invoice.voided');

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toEqual([
      "relayflow: No event has the provider's event id evt_only and provider type invoice.voided (providers stripe, sendgrid, hubspot, acme and acme2; tenants default and beta).",
    ]);
  });

  it('without --provider-type, shows the one event received in the last 24 hours with that provider id', async () => {
    const result = await run('--json', 'events', 'show', 'evt_only');

    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout) as { state: { eventId: string; externalId: string } };
    expect(shown.state).toMatchObject({ eventId: only, externalId: 'evt_only' });
  });

  it('without --provider-type, lists the recent events with that provider id, newest first, and shows none', async () => {
    const result = await run('events', 'show', 'evt_twice');

    expect(result.code).toBe(1);
    const [header, ...rows] = result.stdout.split('\n');
    expect(header).toMatch(/^EVENT\s+STATUS\s+TENANT\s+PROVIDER\s+TYPE\s+RECEIVED$/);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual([...twice].reverse());
    expect(oneSentence(result.stderr)).toEqual([
      "relayflow: evt_twice is the provider's event id of 3 events (acme2 for tenant default, acme for tenant beta and acme for tenant default); show one by its event id, or narrow with --provider, --tenant or --provider-type.",
    ]);
  });

  it('without --provider-type, narrows the search to one provider and tenant', async () => {
    const result = await run(
      '--json',
      'events',
      'show',
      'evt_twice',
      '--provider',
      'acme',
      '--tenant',
      'beta',
    );

    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { state: { eventId: string } }).state.eventId).toBe(twice[1]);
  });

  it('without --provider-type, looks no further back than --since', async () => {
    const since = new Date(h.clock.now() + 60_000).toISOString();

    const result = await run('events', 'show', 'evt_only', '--since', since);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no event received since ${since} has it as the provider's event id`);
  });

  it('refuses --since with --provider-type, whose lookup has no window, before reaching AWS', async () => {
    const result = await run(
      'events',
      'show',
      'evt_only',
      '--provider-type',
      'invoice.paid',
      '--since',
      '2h',
    );

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toEqual([
      "relayflow: --since bounds the search by the provider's event id; with --provider-type the lookup is exact, at any age.",
    ]);
    expect(result.connects).toBe(0);
  });
});

describe('relayflow events list with no filter', () => {
  let older: string;
  let newer: string;

  beforeAll(async () => {
    h.clock.advance(60_000);
    older = await h.ingest({ id: 'recent_1', type: 'invoice.paid' });
    h.clock.advance(60_000);
    newer = await h.ingest({ id: 'recent_2', type: 'invoice.paid' });
    await h.mark(older, 'PROCESSED');
  });

  it('lists the most recent events of any status, newest first', async () => {
    const result = await run('--json', 'events', 'list', '--limit', '2');

    expect(result.code).toBe(0);
    expect(
      (JSON.parse(result.stdout) as { eventId: string; status: string }[]).map((e) => [e.eventId, e.status]),
    ).toEqual([
      [newer, 'RECEIVED'],
      [older, 'PROCESSED'],
    ]);
  });

  it('lists every event received in the last 7 days in a table, whatever its status', async () => {
    const result = await run('events', 'list');

    const [header, ...rows] = result.stdout.split('\n');
    expect(header).toMatch(/^EVENT\s+STATUS\s+TENANT\s+PROVIDER\s+TYPE\s+ENTITY\s+RECEIVED/);
    const cells = rows.map((row) => row.split(/\s+/));
    // Everything the earlier tests ingested: two dead-lettered, four received (and queued), and these two.
    expect(cells.map((c) => c[1]).sort()).toEqual([
      'DEAD_LETTERED',
      'DEAD_LETTERED',
      'PROCESSED',
      'RECEIVED',
      'RECEIVED',
      'RECEIVED',
      'RECEIVED',
      'RECEIVED',
    ]);
    const received = cells.map((c) => c[6] ?? '');
    expect(received).toEqual([...received].sort().reverse());
  });

  it('says which window it looked at when nothing was received in it', async () => {
    const result = await run('events', 'list', '--since', '2025-06-01T13:00:00Z');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No events received since 2025-06-01T13:00:00.000Z.');
  });

  it('names the 7-day default when it is the window', async () => {
    const result = await run('events', 'list', '--until', '2025-05-01T00:00:00Z');

    expect(result.stdout).toBe(
      'No events received since 2025-04-24T00:00:00.000Z and before 2025-05-01T00:00:00.000Z (by default, the last 7 days); --since reaches further back.',
    );
  });
});

describe('relayflow send', () => {
  const asRequest = (posted: Run['posted'][number]): WebhookRequest => ({
    method: 'POST',
    url: posted.url,
    path: new URL(posted.url).pathname,
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries(posted.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: posted.body,
    sourceIp: '127.0.0.1',
  });

  it("signs a Stripe fixture with the stack's secret so that the verifier accepts it", async () => {
    secretsMock
      .on(GetSecretValueCommand, { SecretId: 'RelayFlow-stripe' })
      .resolves({ SecretString: JSON.stringify({ signingSecrets: ['whsec_test'] }) });

    const result = await run('send', 'stripe', 'invoice.paid');

    expect(result.code).toBe(0);
    const [posted] = result.posted;
    expect(posted?.url).toBe('http://127.0.0.1:3000/webhooks/stripe');
    const verdict = verifyStripe({
      request: asRequest(posted ?? result.posted[0]!),
      secrets: ['whsec_test'],
      now: new Date(h.clock.now()),
      options: { toleranceSeconds: 300 },
    });
    expect(verdict).toMatchObject({ ok: true });
    expect(result.stdout).toContain('→ 202  correlation id c-1');
  });

  it('signs a URL-signing provider locally for the URL the verifier rebuilds: https, the host without its port', async () => {
    secretsMock
      .on(GetSecretValueCommand, { SecretId: 'RelayFlow-hubspot' })
      .resolves({ SecretString: JSON.stringify({ signingSecrets: ['hubspot-client-secret'] }) });

    const result = await run('send', 'hubspot');

    expect(result.code).toBe(0);
    const posted = result.posted[0]!;
    expect(posted.url).toBe('http://127.0.0.1:3000/webhooks/hubspot');
    const verdict = verifyHubspot({
      request: { ...asRequest(posted), url: 'https://127.0.0.1/webhooks/hubspot' },
      secrets: ['hubspot-client-secret'],
      now: new Date(h.clock.now()),
      options: HubspotOptionsSchema.parse({}),
    });
    expect(verdict).toMatchObject({ ok: true });
  });

  it("signs SendGrid with the development secret's private key", async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const publicDer = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    secretsMock.on(GetSecretValueCommand, { SecretId: 'RelayFlow-sendgrid' }).resolves({
      SecretString: JSON.stringify({
        signingSecrets: [publicDer],
        signingPrivateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      }),
    });

    const result = await run('send', 'sendgrid', 'delivered');

    expect(result.code).toBe(0);
    const verdict = verifySendgrid({
      request: asRequest(result.posted[0]!),
      secrets: [publicDer],
      now: new Date(h.clock.now()),
      options: { toleranceSeconds: 300 },
    });
    expect(verdict).toMatchObject({ ok: true });
  });

  it('suggests the nearest known provider for a misspelt one, before reaching AWS', async () => {
    const result = await run('send', 'strpe', 'payload.json');

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toEqual([
      "relayflow: Unknown provider 'strpe'; did you mean 'stripe'?",
    ]);
    expect(result.connects).toBe(0);
  });

  it('lists the known providers when none is near', async () => {
    const result = await run('send', 'ledger');

    expect(oneSentence(result.stderr)).toEqual([
      "relayflow: Unknown provider 'ledger': not built in, and no genericHmac sender of the configuration has that id (known: stripe, github, shopify, standard-webhooks, hubspot, twilio, sendgrid, postmark, mailgun).",
    ]);
  });

  it('says that a built-in provider is not enabled in the stack, and how to enable it', async () => {
    const result = await run('send', 'github', 'push');

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toEqual([
      'relayflow: github is not enabled in the local runtime; enable it in relayflow.config.ts (providers: { github: {} }) and restart npm start.',
    ]);
    expect(result.posted).toEqual([]);
  });

  it('says that a tenant is not in the stack, and how to add it', async () => {
    const result = await run('send', 'stripe', 'invoice.paid', '--tenant', 'acme');

    expect(oneSentence(result.stderr)).toEqual([
      'relayflow: Tenant acme is not in the local runtime; add it to tenants in relayflow.config.ts and restart npm start.',
    ]);
    expect(result.posted).toEqual([]);
  });

  it('names the fixtures when the one asked for does not exist', async () => {
    const result = await run('send', 'stripe', 'nope');

    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toEqual([
      expect.stringMatching(/^relayflow: No fixture nope for stripe .*fixtures: charge\.refunded, /),
    ]);
  });
});

describe('the relayflow executable', () => {
  it('without a region or --local, points at the local runtime when one is running', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'relayflow-cli-'));
    try {
      const stateFile = join(cwd, '.relayflow', 'local.json');
      mkdirSync(dirname(stateFile));
      writeFileSync(stateFile, '{}');

      const result = spawnSync(process.execPath, [join(ROOT, 'cli/dist/relayflow.cjs'), 'status'], {
        cwd,
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH },
      });

      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `relayflow: No AWS region configured, and the local runtime is running (${stateFile}): pass --local to use it, or set AWS_REGION or --region for a deployed stack.\n`,
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('with --local and no runtime running prints one sentence and exits 1', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'relayflow-cli-'));
    try {
      const result = spawnSync(
        process.execPath,
        [join(ROOT, 'cli/dist/relayflow.cjs'), '--local', 'status'],
        { cwd, encoding: 'utf8', timeout: 60_000 },
      );

      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `relayflow: The local runtime is not running (no ${join(cwd, '.relayflow', 'local.json')}); start it with npm start.\n`,
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
