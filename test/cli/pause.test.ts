import { SQSClient } from '@aws-sdk/client-sqs';
import type { Environment } from '../../cli/environment';
import { startEventTable, type LocalEventTable } from '../helpers/event-table';
import { fakeEnvironment, linesOf, runAgainst } from '../helpers/cli-run';

const OUTPUTS = {
  EventTableName: 'events',
  MainQueueUrl: 'http://127.0.0.1:1/main.fifo',
  RetentionDays: '30',
};

let table: LocalEventTable;
beforeAll(async () => {
  table = await startEventTable('events');
});
afterAll(() => table.stop());

/** The CLI against a real (dynalite) event table; SQS is never reached in these tests. */
const connect = () =>
  Promise.resolve({
    ...fakeEnvironment({ outputs: OUTPUTS }),
    outputs: OUTPUTS,
    output: (key: string) => OUTPUTS[key as keyof typeof OUTPUTS],
    dynamodb: table.documentClient,
    sqs: new SQSClient({ region: 'us-east-1' }),
  } as Environment);

const run = (...argv: string[]) => runAgainst({ outputs: OUTPUTS }, argv, connect);

describe('relayflow pause and resume', () => {
  it('refuses an unknown scope and a missing reason before reaching the stack', async () => {
    const scope = await run('pause', 'queue', 'main', '--reason', 'because');
    expect(scope.code).not.toBe(0);
    expect(scope.stderr).toContain('must be one of provider, tenant, route, target');
    expect(scope.connects).toBe(0);

    const reason = await run('pause', 'target', 'ledger');
    expect(reason.code).not.toBe(0);
    expect(reason.stderr).toContain("required option '--reason <text>' not specified");
    expect(reason.connects).toBe(0);
  });

  it('refuses a reason too short to audit', async () => {
    const result = await run('pause', 'target', 'ledger', '--reason', 'x');
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      'relayflow: --reason needs at least 3 characters: it is the audit of the pause.',
    ]);
  });

  it('pauses with who, when and why, and says when it takes effect', async () => {
    const result = await run('--json', 'pause', 'tenant', 'acme', '--reason', 'acme migrates its ERP');
    expect(result.code).toBe(0);
    const pause = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(pause).toMatchObject({
      scope: 'tenant',
      id: 'acme',
      state: 'paused',
      reason: 'acme migrates its ERP',
      at: '2025-06-01T12:00:00.000Z',
      effectiveAt: '2025-06-01T12:00:06.000Z',
      history: [expect.objectContaining({ action: 'paused', reason: 'acme migrates its ERP' })],
    });
  });

  it('says there is nothing to resume when no pause is active', async () => {
    const result = await run('resume', 'target', 'nothing-here');
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      'relayflow: There is no active pause target#nothing-here (relayflow status lists them).',
    ]);
  });

  it('refuses a release rate above 100 a second', async () => {
    const result = await run('resume', 'tenant', 'acme', '--rate', '500');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('must be a number above 0 and at most 100');
    expect(result.connects).toBe(0);
  });

  it('resumes a pause that holds nothing and ends it at once', async () => {
    await run('pause', 'route', 'payments', '--reason', 'bug in the route');
    const result = await run('resume', 'route', 'payments');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'Resumed route#payments: 0 held events released, in order per entity. The pause has ended.',
    );
  });
});
