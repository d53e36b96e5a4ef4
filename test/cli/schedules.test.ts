import { linesOf, runAgainst } from '../helpers/cli-run';

describe('relayflow schedules, on a stack without schedules', () => {
  const stack = { stackName: 'RelayFlow', outputs: { EventTableName: 'events' } };

  it('list says the stack has none, without asking Scheduler', async () => {
    const run = await runAgainst(stack, ['schedules', 'list']);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(linesOf(run.stdout)).toEqual([
      'Stack RelayFlow has no schedules (none configured, or deployed before schedules existed).',
    ]);
  });

  it('list --json gives an empty list', async () => {
    const run = await runAgainst(stack, ['--json', 'schedules', 'list']);

    expect(JSON.parse(run.stdout)).toEqual({ stack: 'RelayFlow', schedules: [] });
  });

  it('replay has nothing to read', async () => {
    const run = await runAgainst(stack, ['schedules', 'replay', '--execute']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('has no schedules');
  });

  it('replay refuses a limit out of range in one sentence, before reaching the stack', async () => {
    const run = await runAgainst(stack, ['schedules', 'replay', '--limit', '0']);

    expect(run.code).toBe(1);
    expect(linesOf(run.stderr)).toEqual([
      'relayflow: --limit must be a whole number from 1 to 1000, not "0".',
    ]);
    expect(run.connects).toBe(0);
  });
});
