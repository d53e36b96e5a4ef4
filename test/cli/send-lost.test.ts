import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Environment } from '../../cli/environment';
import { runCli } from '../../cli/program';
import { parseConfig } from '../../lib/config';
import { localApiCredentials } from '../../local/emulators/provider-apis';
import { fakeEnvironment, linesOf, type CliStack } from '../helpers/cli-run';
import { startProviderApiFakes, type ProviderApiFakesUnderTest } from '../helpers/provider-api-fakes';

const NOW = new Date('2025-06-01T12:00:00Z');
const stack: CliStack = {
  local: true,
  outputs: {
    WebhookUrlStripe: 'http://127.0.0.1:1/webhooks/stripe',
    WebhookUrlGithub: 'http://127.0.0.1:1/webhooks/github',
    EventTableName: 'events',
  },
};
/** The event table, where reconciliation keeps its checkpoints. */
const table = mockClient(DynamoDBDocumentClient);

let fakes: ProviderApiFakesUnderTest;
const cwd = process.cwd();

beforeEach(async () => {
  table.reset();
  table.on(GetCommand).resolves({});
  fakes = await startProviderApiFakes({ now: () => NOW });
});
afterEach(async () => {
  await fakes.stop();
});

/** The CLI in process, its HTTP real (to the fakes), its stack faked; `requests` counts the harness calls. */
const run = async (...argv: string[]) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let connects = 0;
  const code = await runCli(argv, {
    connect: () => {
      connects += 1;
      // As connect reads them from the local runtime's state file.
      return Promise.resolve({
        ...fakeEnvironment(stack),
        providerApis: fakes.fakes.urls,
        dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      } as Environment);
    },
    output: { out: (text) => stdout.push(text), err: (text) => stderr.push(text), interactive: false },
    now: () => NOW,
    sleep: () => Promise.resolve(),
    fetch,
    projectRoot: cwd,
    loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {}, github: {} } })),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), connects };
};

const stripeEvents = async () =>
  (
    (await (
      await fetch(`${fakes.fakes.urls.stripe}/v1/events`, {
        headers: { authorization: `Bearer ${localApiCredentials('stripe').apiKey}` },
      })
    ).json()) as { data: { id: string; type: string; created: number }[] }
  ).data;

describe('relayflow send --lost', () => {
  it('has the Stripe fake list the fixture as a fresh event, dated 10 minutes back, and post nothing', async () => {
    const first = await run('--local', 'send', 'stripe', 'invoice.paid', '--lost');
    // As the docs write it: --local after the command.
    const second = await run('send', 'stripe', 'invoice.paid', '--local', '--lost');

    expect([first.code, second.code]).toEqual([0, 0]);
    const events = await stripeEvents();
    expect(events).toHaveLength(2);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
    expect(events.every((e) => e.type === 'invoice.paid' && e.created === NOW.getTime() / 1000 - 600)).toBe(
      true,
    );
    const [id] = /evt_\w+/.exec(first.stdout) ?? [];
    expect(events.map((e) => e.id)).toContain(id);
    expect(linesOf(first.stdout)).toEqual([
      `Stripe now lists event ${id} (created 10 minutes ago); its webhook was never delivered.`,
      'Find it with: npx relayflow reconcile run --provider stripe --local --dry-run',
    ]);
    expect(second.stdout).not.toContain(id);
    expect(fakes.received).toEqual([]);
  });

  it('adds --since to the hint when a run already checked past the lost event', async () => {
    table
      .on(GetCommand, { Key: { PK: 'RECON#stripe#default', SK: 'CHECKPOINT' } })
      .resolves({ Item: { at: '2025-06-01T11:55:00.000Z' } });

    const result = await run('--local', 'send', 'stripe', '--lost');

    expect(result.code).toBe(0);
    expect(linesOf(result.stdout).slice(1)).toEqual([
      'Find it with: npx relayflow reconcile run --provider stripe --local --dry-run --since 2025-06-01T11:49:00.000Z',
      '(A run already checked up to 2025-06-01T11:55:00.000Z, past it: --since looks again.)',
    ]);
  });

  it('has the GitHub fake record the fixture’s event and payload as a failed delivery, and prints JSON with --json', async () => {
    const result = await run('--local', '--json', 'send', 'github', 'push', '--lost');

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({
      provider: 'github',
      fixture: expect.stringContaining('push.json'),
      delivered: false,
      deliveredAt: '2025-06-01T11:50:00.000Z',
    });
    expect(fakes.fakes.sent('github')).toEqual([
      expect.objectContaining({ type: 'push', dropped: true, delivered: false }),
    ]);
    expect(fakes.received).toEqual([]);
  });

  it('refuses a provider whose API the local runtime does not fake, naming those it does', async () => {
    const result = await run('--local', 'send', 'twilio', '--lost');

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      'relayflow: --lost works for stripe and github only, whose APIs the local runtime fakes; twilio cannot lose a webhook locally.',
    ]);
    expect(result.connects).toBe(0);
  });

  it('refuses without --local: no deployed provider loses a webhook on request', async () => {
    const result = await run('send', 'stripe', '--lost');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("only the local runtime's provider fakes can lose a webhook");
    expect(result.connects).toBe(0);
    expect(await stripeEvents()).toEqual([]);
  });

  it('refuses --lost with --url, which it would not use', async () => {
    const result = await run('--local', 'send', 'stripe', '--lost', '--url', 'http://127.0.0.1:1/x');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--lost.*cannot be used with.*--url/);
  });

  it('refuses a GitHub file without the event header, before anything is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relayflow-send-lost-'));
    writeFileSync(join(dir, 'payload.json'), JSON.stringify({ action: 'opened' }));

    const result = await run('--local', 'send', 'github', join(dir, 'payload.json'), '--lost');
    rmSync(dir, { recursive: true, force: true });

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      expect.stringContaining('is not a GitHub delivery (it needs an x-github-event header'),
    ]);
    expect(fakes.fakes.sent()).toEqual([]);
  });
});
