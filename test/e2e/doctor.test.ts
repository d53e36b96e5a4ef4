import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetEventSourceMappingCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { ConfirmSubscriptionCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { connect } from '../../cli/environment';
import { runCli, type CliDependencies } from '../../cli/program';
import { parseConfig } from '../../lib/config';
import { readAssembly, resourcesOfType } from '../../local/template';
import { E2E_SECRETS, e2eAssembly, startE2eRuntime } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const client = { region: 'us-east-1', credentials, maxAttempts: 1 };

interface Doctor {
  readonly code: number;
  readonly lines: string[];
  readonly stderr: string;
}

/** Runs `relayflow --local <args>` in process, through the state file the runtime wrote, as npx relayflow does. */
const relayflow = async (stateFile: string, ...args: string[]): Promise<Doctor> => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const deps: CliDependencies = {
    connect: (options) => connect({ ...options, localStateFile: stateFile }),
    output: { out: (text) => stdout.push(text), err: (text) => stderr.push(text), interactive: false },
    now: () => new Date(),
    sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
    fetch: globalThis.fetch,
    projectRoot: ROOT,
    loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {} } })),
  };
  const code = await runCli(['--local', ...args], deps);
  return { code, lines: stdout.join('\n').split('\n'), stderr: stderr.join('') };
};

/** A runtime of the end-to-end stack writing its state file where the CLI reads it, with a sink for its routes. */
const startStack = async (env: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'relayflow-doctor-'));
  const stateFile = join(dir, 'local.json');
  // Every alarm the synthesized stack declares: doctor reads them all from the CloudWatch emulator.
  const { assemblyDir } = await e2eAssembly();
  const alarms = resourcesOfType(readAssembly(assemblyDir).template, 'AWS::CloudWatch::Alarm').length;
  const e2e = await startE2eRuntime({
    stateFile,
    env: {
      RELAYFLOW_SECRET_STRIPE: E2E_SECRETS.stripe,
      RELAYFLOW_SECRET_GITHUB: E2E_SECRETS.github,
      RELAYFLOW_SECRET_STANDARD_WEBHOOKS: E2E_SECRETS['standard-webhooks'],
      ...env,
    },
  });
  const sink = new Sink();
  await sink.start(e2e.sinkPort);
  return {
    e2e,
    sink,
    stateFile,
    alarms,
    stop: async () => {
      await e2e.runtime.stop();
      await sink.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

describe('relayflow doctor --local on a healthy stack', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    stack = await startStack();
    // The end-to-end stack sets no alarmEmail: subscribe on-call by e-mail and confirm it, as they would.
    const sns = new SNSClient({ ...client, endpoint: stack.e2e.runtime.endpoints.sns });
    const topicArn = stack.e2e.runtime.outputs.AlarmTopicArn ?? '';
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }),
    );
    const [sent] = stack.e2e.runtime.emulators.sns.confirmationsSent();
    await sns.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: sent?.token ?? '' }));
    sns.destroy();
  });
  afterAll(() => stack?.stop());

  it('passes every check, one line each, and exits 0', async () => {
    const result = await relayflow(stack.stateFile, 'doctor');

    expect(result.lines).toEqual([
      'Stack RelayFlowE2E (local)',
      '✓ secret github: 1 signing secret set',
      '✓ secret postmark: 1 signing secret set',
      '✓ secret standard-webhooks: 1 signing secret set',
      '✓ secret stripe: 1 signing secret set',
      '✓ secret twilio: 1 signing secret set',
      '✓ alarm topic subscription: confirmed: email oncall@example.com',
      '✓ dead-letter queue: empty',
      `✓ alarms: none of ${stack.alarms} alarms is firing`,
      '✓ consumer event source mapping: enabled',
      '✓ replay state machine: ACTIVE',
      "✓ api: an unknown provider's URL is answered 404",
      '',
      'All 11 checks passed.',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('--json gives every check with its name, result, detail and fix', async () => {
    const result = await relayflow(stack.stateFile, '--json', 'doctor');

    const { checks } = JSON.parse(result.lines.join('\n')) as { checks: Record<string, unknown>[] };
    expect(result.code).toBe(0);
    expect(checks).toHaveLength(11);
    expect(checks[0]).toEqual({ name: 'secret github', ok: true, detail: '1 signing secret set', fix: null });
    expect(checks.every((check) => check.ok === true)).toBe(true);
  });

  it('--send-test sends a new signed event each time and shows it PROCESSED with its timeline', async () => {
    // Without a provider: the first by id whose fixture can be made a new event (not github's).
    const runs = [
      { provider: 'standard-webhooks', run: await relayflow(stack.stateFile, 'doctor', '--send-test') },
      { provider: 'stripe', run: await relayflow(stack.stateFile, 'doctor', '--send-test', 'stripe') },
      { provider: 'stripe', run: await relayflow(stack.stateFile, 'doctor', '--send-test', 'stripe') },
    ];

    const eventIds = runs.map(({ provider, run }) => {
      const line = run.lines.find((l) => l.startsWith('✓ test event:')) ?? '';
      expect(line).toMatch(
        new RegExp(`^✓ test event: ${provider} event ev_[0-9a-f]{32} reached PROCESSED in \\d+\\.\\d s$`),
      );
      const eventId = /ev_[0-9a-f]{32}/.exec(line)?.[0] ?? '';
      expect(run.lines.some((l) => l.startsWith(`Event ${eventId}  PROCESSED since `))).toBe(true);
      const timeline = run.lines.slice(run.lines.indexOf('Audit timeline (oldest first):') + 2);
      expect(timeline.some((row) => /\bingest\b.*\bRECEIVED\b/.test(row))).toBe(true);
      expect(timeline.some((row) => /\bconsumer\b.*\bPROCESSED\b/.test(row))).toBe(true);
      expect(run.lines.at(-1)).toBe('All 12 checks passed.');
      expect(run.code).toBe(0);
      return eventId;
    });
    expect(new Set(eventIds).size).toBe(3);
    expect(stack.sink.deliveries.filter((d) => eventIds.includes(d.event.id))).toHaveLength(3);
  });

  it('--send-test says why a provider cannot send one, and exits 1', async () => {
    const result = await relayflow(stack.stateFile, 'doctor', '--send-test', 'github');

    expect(result.lines.at(-1)).toBe(
      "✗ test event: github's fixtures cannot be made into a new event. Fix: test another provider: relayflow doctor --send-test <provider> --local",
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('relayflow: 1 of 12 checks failed; each ✗ line ends with its fix.\n');
  });
});

describe('relayflow doctor --local on a broken stack', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    // "," is a list of no secrets: what a freshly deployed stack's secret holds ({"signingSecrets": []}).
    stack = await startStack({ RELAYFLOW_SECRET_GITHUB: ',' });
  });
  afterAll(() => stack?.stop());

  it('names each problem with its fix, and exits 1', async () => {
    const { runtime } = stack.e2e;
    const outputs = runtime.outputs;
    const sqs = new SQSClient({ ...client, endpoint: runtime.endpoints.sqs });
    const deadLetterDepth = async () =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: outputs.DeadLetterQueueUrl,
              AttributeNames: ['ApproximateNumberOfMessages'],
            }),
          )
        ).Attributes?.ApproximateNumberOfMessages,
      );
    // A target that refuses the event for good: dead-lettered at once (http-400), explained by the store.
    stack.sink.behaviour = () => 400;
    expect((await relayflow(stack.stateFile, 'send', 'stripe')).code).toBe(0);
    expect(await eventually(async () => (await deadLetterDepth()) === 1, 30_000)).toBe(true);
    // A message no event explains.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: outputs.DeadLetterQueueUrl,
        MessageBody: '{"hello":"from someone else"}',
        MessageGroupId: 'stray',
        MessageDeduplicationId: 'stray-1',
      }),
    );
    const cloudwatch = new CloudWatchClient({ ...client, endpoint: runtime.endpoints.cloudwatch });
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'RelayFlowE2E-DeadLetterQueueNotEmpty',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0).',
      }),
    );
    const lambda = new LambdaClient({ ...client, endpoint: runtime.endpoints.lambda });
    const UUID = outputs.ConsumerEventSourceMappingId;
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: false }));
    expect(
      await eventually(
        async () => (await lambda.send(new GetEventSourceMappingCommand({ UUID }))).State === 'Disabled',
        30_000,
      ),
    ).toBe(true);
    for (const used of [sqs, cloudwatch, lambda]) used.destroy();

    const result = await relayflow(stack.stateFile, 'doctor');

    expect(result.lines).toEqual([
      'Stack RelayFlowE2E (local)',
      `✗ secret github: ${outputs.SecretGithub} holds no signing secret: every delivery is answered 503 and retried by the provider. Fix: restart npm start with RELAYFLOW_SECRET_GITHUB=<github's signing secret>`,
      '✓ secret postmark: 1 signing secret set',
      '✓ secret standard-webhooks: 1 signing secret set',
      '✓ secret stripe: 1 signing secret set',
      '✓ secret twilio: 1 signing secret set',
      '✗ alarm topic subscription: the alarm topic has no subscription: alarms reach no one. Fix: set alarmEmail in relayflow.config.ts and restart npm start',
      '✗ dead-letter queue: 2 messages: 1 DEAD_LETTERED event (1 http-400), 1 unexplained (1 not a claim check). Fix: read them with relayflow dlq --local; delete a message that names no stored event by hand once understood (aws sqs delete-message)',
      '✗ alarm DeadLetterQueueNotEmpty: firing (Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0)): An event exhausted its retries and waits in the dead-letter queue for a replay. Fix: follow docs/operations.md#deadletterqueuenotempty',
      '✗ consumer event source mapping: disabled (USER_INITIATED): the consumer reads nothing and the main queue grows. Fix: restart npm start (it enables every event source mapping)',
      '✓ replay state machine: ACTIVE',
      "✓ api: an unknown provider's URL is answered 404",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('relayflow: 5 of 11 checks failed; each ✗ line ends with its fix.\n');
  });
});

describe("the README's Deploy walk, against the local runtime: urls → secrets set → doctor --send-test", () => {
  let stack: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  it('gives the URL to paste, takes the secret without printing it, and proves the stack end to end with it', async () => {
    const urls = await relayflow(stack.stateFile, 'urls');
    expect(urls.code).toBe(0);
    expect(urls.lines.join('\n')).toContain(stack.e2e.runtime.webhookUrls.stripe ?? 'no stripe URL');
    expect(urls.lines.join('\n')).toMatch(/relayflow --local secrets set stripe --from-env/);

    const secret = 'whsec_walkNewSecret0123456789abcdef';
    process.env.RELAYFLOW_WALK_SECRET = secret;
    try {
      const set = await relayflow(
        stack.stateFile,
        'secrets',
        'set',
        'stripe',
        '--from-env',
        'RELAYFLOW_WALK_SECRET',
      );
      expect(set.code).toBe(0);
      expect([...set.lines, set.stderr].join('\n')).not.toContain(secret);
    } finally {
      delete process.env.RELAYFLOW_WALK_SECRET;
    }

    // On-call confirms the alarm e-mail, as the README says; then every check passes.
    const sns = new SNSClient({ ...client, endpoint: stack.e2e.runtime.endpoints.sns });
    const topicArn = stack.e2e.runtime.outputs.AlarmTopicArn ?? '';
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }),
    );
    const [sent] = stack.e2e.runtime.emulators.sns.confirmationsSent();
    await sns.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: sent?.token ?? '' }));
    sns.destroy();

    const doctor = await relayflow(stack.stateFile, 'doctor', '--send-test', 'stripe');
    expect(doctor.stderr).toBe('');
    expect(doctor.code).toBe(0);
    expect(doctor.lines).toContain('✓ secret stripe: 1 signing secret set');
    expect(doctor.lines.join('\n')).toMatch(/PROCESSED/);
    // The verifier accepted the test event with the secret just set.
    await eventually(() => stack.sink.to('/sink').length > 0, 10_000);
  });
});
