import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Environment } from '../../cli/environment';
import type { ReconciliationReport } from '../../functions/reconciliation/report';
import { fakeEnvironment, linesOf, runAgainst, type CliStack } from '../helpers/cli-run';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());

const stack: CliStack = {
  outputs: { EventTableName: 'events', RetentionDays: '30', ReconcileFunctionName: 'RelayFlow-Reconcile' },
};
const connect = () =>
  Promise.resolve({
    ...fakeEnvironment(stack),
    lambda: new LambdaClient({ region: 'us-east-1' }),
  } as Environment);

const aReport = (overrides: Partial<ReconciliationReport> = {}): ReconciliationReport => ({
  runId: 'run-1',
  provider: 'stripe',
  tenant: 'default',
  dryRun: false,
  startedAt: '2025-06-01T12:00:00.000Z',
  finishedAt: '2025-06-01T12:00:03.000Z',
  window: { since: '2025-05-30T12:00:00.000Z', until: '2025-06-01T11:55:00.000Z' },
  complete: true,
  pages: 2,
  checked: 120,
  missing: 1,
  recovered: 1,
  redelivered: 0,
  duplicates: 0,
  drifted: 0,
  receiptsResolved: 0,
  receiptsMissing: 0,
  uncertainResolved: 0,
  missingRecords: [{ id: 'evt_1', at: '2025-06-01T10:00:00.000Z', eventId: 'ev_abc', action: 'recovered' }],
  drifts: [],
  errors: [],
  ...overrides,
});

/** The invocation the CLI sent (it sends the payload as a Buffer). */
const invocationOf = (payload: unknown) => JSON.parse(String(payload)) as unknown;

const answering = (payload: unknown, functionError?: string) =>
  lambda.on(InvokeCommand).resolves({
    StatusCode: 200,
    Payload: Buffer.from(JSON.stringify(payload)) as never,
    ...(functionError ? { FunctionError: functionError } : {}),
  });

describe('relayflow reconcile run', () => {
  it('invokes the reconcile function and prints its report', async () => {
    answering(aReport());

    const run = await runAgainst(
      stack,
      ['reconcile', 'run', '--provider', 'stripe', '--since', '2d'],
      connect,
    );

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [call] = lambda.commandCalls(InvokeCommand);
    expect(call?.args[0].input.FunctionName).toBe('RelayFlow-Reconcile');
    expect(invocationOf(call?.args[0].input.Payload)).toEqual({
      provider: 'stripe',
      since: '2025-05-30T12:00:00.000Z',
    });
    expect(run.stdout).toContain('checked 120  missing 1  recovered 1');
    expect(run.stdout).toContain('evt_1');
  });

  it('asks for a dry run and prints JSON with --json', async () => {
    answering(aReport({ dryRun: true, recovered: 0 }));

    const run = await runAgainst(
      stack,
      ['--json', 'reconcile', 'run', '--provider', 'stripe', '--tenant', 'acme', '--dry-run'],
      connect,
    );

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, checked: 120 });
    const payload = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload;
    expect(invocationOf(payload)).toEqual({
      provider: 'stripe',
      tenant: 'acme',
      dryRun: true,
    });
  });

  it('refuses a provider that cannot be reconciled before reaching the stack', async () => {
    const run = await runAgainst(stack, ['reconcile', 'run', '--provider', 'shopify'], connect);

    expect(run.code).toBe(1);
    expect(linesOf(run.stderr)).toEqual([
      'relayflow: "shopify" cannot be reconciled (reconcilable: stripe, github, twilio, postmark, mailgun; docs/reconciliation.md says why the others cannot).',
    ]);
    expect(run.connects).toBe(0);
  });

  it('says so when the stack reconciles nothing', async () => {
    const run = await runAgainst({ outputs: { EventTableName: 'events' } }, [
      'reconcile',
      'run',
      '--provider',
      'stripe',
    ]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Stack RelayFlow reconciles no provider');
  });

  it('passes on the function’s refusal of an unconfigured provider in one sentence', async () => {
    answering(
      {
        errorType: 'ReconcileRequestError',
        errorMessage: 'github is not reconciled by this stack (reconciled: stripe)',
      },
      'Unhandled',
    );

    const run = await runAgainst(stack, ['reconcile', 'run', '--provider', 'github'], connect);

    expect(run.code).toBe(1);
    expect(linesOf(run.stderr)).toEqual([
      'relayflow: The reconcile function failed: github is not reconciled by this stack (reconciled: stripe).',
    ]);
  });

  it('prints the report and fails when the run reported problems', async () => {
    answering(
      aReport({
        complete: false,
        errors: [
          'stripe: 401 unauthorized — the API key was refused; check the ReconciliationSecretStripe secret',
        ],
      }),
    );

    const run = await runAgainst(stack, ['reconcile', 'run', '--provider', 'stripe'], connect);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('stripe: 401 unauthorized — the API key was refused');
    expect(run.stdout).toContain('not finished; the next run continues from the checkpoint');
    expect(run.stderr).toContain('The run reported 1 problem (above).');
  });
});
