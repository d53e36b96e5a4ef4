import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig, parseConfig } from '../../lib/config';

const ROOT = join(__dirname, '..', '..');

/** Stripe's invoices to the dunning workflow, and what it emits back to it: a loop. */
const LOOPING = {
  providers: { stripe: {} },
  routes: [
    { match: { provider: 'stripe', type: 'invoice.*' }, targets: [{ kind: 'workflow', name: 'dunning' }] },
    { match: { type: 'dunning.restored' }, targets: [{ kind: 'workflow', name: 'dunning' }] },
    { match: { type: '*' }, targets: [{ kind: 'http', url: 'https://sink.example.com/all' }] },
  ],
};

const problemsOf = (input: unknown) => {
  const check = checkConfig(input);
  return check.ok ? [] : check.problems;
};

describe('workflow configuration', () => {
  it('refuses routes whose workflows loop through the types they emit, naming the loop', () => {
    expect(problemsOf(LOOPING)).toEqual([
      "routes[1]: workflow events loop: dunning.restored → route[1] → workflow dunning → dunning.restored; break the loop with a narrower match, or mode: 'dry-run' on the route or target",
    ]);
  });

  it('accepts the same routes once the looping one is a dry run', () => {
    const dry = {
      ...LOOPING,
      routes: LOOPING.routes.map((r, i) => (i === 1 ? { ...r, mode: 'dry-run' } : r)),
    };

    expect(problemsOf(dry)).toEqual([]);
  });

  it('keeps routes as they were unless they ask for a dry run, and defaults maxCausationDepth to 8', () => {
    const config = parseConfig({
      providers: { stripe: {} },
      routes: [{ match: { type: '*' }, targets: [{ kind: 'eventbridge' }] }],
    });

    expect(config.maxCausationDepth).toBe(8);
    expect(config.routes[0]).toEqual({
      match: { type: '*' },
      targets: [{ kind: 'eventbridge', eventBusName: 'default' }],
      onStale: 'apply',
    });
  });

  it('refuses a mode it does not know and a causation depth below 1', () => {
    expect(
      problemsOf({
        providers: { stripe: {} },
        maxCausationDepth: 0,
        routes: [{ match: { type: '*' }, mode: 'shadow', targets: [{ kind: 'eventbridge' }] }],
      }),
    ).toEqual([
      expect.stringMatching(/^routes\[0\]\.mode: /),
      expect.stringMatching(/^maxCausationDepth: Too small/),
    ]);
  });

  describe('at synth', () => {
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'relayflow-cycle-'));
    });

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('fails synthesis with the loop printed', () => {
      const file = join(dir, 'relayflow.config.json');
      writeFileSync(file, JSON.stringify(LOOPING));

      const result = spawnSync('npx', ['tsx', 'bin/relayflow.ts'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, RELAYFLOW_CONFIG: file },
      });

      expect({ status: result.status, stderr: result.stderr }).toEqual({
        status: 1,
        stderr: [
          `Invalid RelayFlow configuration (${file}): 1 problem`,
          "  - routes[1]: workflow events loop: dunning.restored → route[1] → workflow dunning → dunning.restored; break the loop with a narrower match, or mode: 'dry-run' on the route or target",
          '',
        ].join('\n'),
      });
    });
  });
});
