import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DIGEST_FILE } from '../../../local/start/digest';
import { portIsFree } from '../../../local/start/port';
import {
  freePort,
  killGroups,
  liveGroups,
  npmStart,
  processGroupsUnder,
  processTree,
  projectCopy,
  type NpmStart,
} from './npm-start';

/** The first start in a fresh copy synthesizes (about half a minute on 2 cores); later ones reuse it. */
const FIRST_START_TIMEOUT_MS = 240_000;
const READY = 'Stop with Ctrl+C.';
/** A stop that does not happen fails here rather than at the test's deadline. */
const STOP_WITHIN_MS = 15_000;

/** Process groups the tests started, killed at the end whatever happened. */
const started = new Set<number>();
afterAll(() => killGroups(started));

const exitCode = (run: NpmStart) =>
  Promise.race([
    run.exited,
    new Promise<never>((_, fail) =>
      setTimeout(
        () => fail(new Error(`npm start did not exit within ${STOP_WITHIN_MS / 1000} s of the signal`)),
        STOP_WITHIN_MS,
      ).unref(),
    ),
  ]);

/** The process groups of the run's tree now, kept for {@link killGroups} as well. */
const groupsOf = (run: NpmStart) => {
  const groups = processGroupsUnder(run.child.pid!);
  for (const group of groups) started.add(group);
  return groups;
};

/**
 * The demo target's port, the same for every start of the file: its URL is synthesized into the
 * stack, so a new one would make each start synthesize again.
 */
let demoPort: number;
beforeAll(async () => {
  demoPort = await freePort();
});

/** npm start in the copy, up to the printed summary (the runtime is listening by then). */
const startRunning = async (dir: string) => {
  const port = await freePort();
  const run = npmStart(dir, port, { DEMO_PORT: String(demoPort) });
  started.add(run.child.pid!);
  await run.printed(READY);
  return { run, port, groups: groupsOf(run) };
};

/** What a clean stop leaves: exit code 0, no process of the tree, the port free, no state file. */
const assertStopped = async (dir: string, run: NpmStart, port: number, groups: Set<number>) => {
  await expect(exitCode(run)).resolves.toBe(0);
  expect(await liveGroups(groups)).toEqual([]);
  await expect(portIsFree(port)).resolves.toBe(true);
  expect(existsSync(join(dir, '.relayflow', 'local.json'))).toBe(false);
  expect(run.output().stderr).not.toMatch(/error/i);
};

describe('npm start, stopped by a signal', () => {
  let dir: string;

  beforeAll(() => {
    dir = projectCopy('lifecycle');
  });

  it(
    'stops cleanly on SIGINT to the npm process (the first start synthesizes unless the sources are unchanged)',
    async () => {
      const { run, port, groups } = await startRunning(dir);
      expect(existsSync(join(dir, 'cdk.out', DIGEST_FILE))).toBe(true);
      await expect(portIsFree(port)).resolves.toBe(false);

      run.child.kill('SIGINT');

      await assertStopped(dir, run, port, groups);
      expect(run.output().stdout).toContain('SIGINT: stopping…');
    },
    FIRST_START_TIMEOUT_MS,
  );

  it('reuses the synthesized stack and stops cleanly on SIGTERM to the npm process', async () => {
    const { run, port, groups } = await startRunning(dir);

    run.child.kill('SIGTERM');

    await assertStopped(dir, run, port, groups);
    expect(run.output().stdout).toContain('Stack unchanged since the last start; reusing cdk.out');
    expect(run.output().stdout).not.toContain('Synthesizing');
  });

  it('stops cleanly on SIGTERM to the node process itself', async () => {
    const { run, port, groups } = await startRunning(dir);
    const state = JSON.parse(readFileSync(join(dir, '.relayflow', 'local.json'), 'utf8')) as { pid: number };
    expect(state.pid).not.toBe(run.child.pid);

    process.kill(state.pid, 'SIGTERM');

    await assertStopped(dir, run, port, groups);
  });

  it('stops cleanly on Ctrl+C, which signals the whole process group', async () => {
    const { run, port, groups } = await startRunning(dir);

    process.kill(-run.child.pid!, 'SIGINT');

    await assertStopped(dir, run, port, groups);
  });
});

const ROOT = resolve(__dirname, '..', '..', '..');

/** The shell blocks of the README's "See it fail and recover" section, as written. */
const walkthrough = (): string[][] => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## See it fail and recover\n')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) =>
    (block[1] ?? '').split('\n').filter((line) => line.trim() !== ''),
  );
};

/** Runs one README line in the project copy, as a user's shell would. */
const sh = (dir: string, line: string) => {
  const result = spawnSync('bash', ['-c', line], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe("the README's fail-and-recover walkthrough", () => {
  it(
    'sends an event into an outage, dead-letters it, and replays it to PROCESSED with the commands as written',
    async () => {
      const [start, commands] = walkthrough();
      expect(start).toEqual(['npm start']);
      expect(commands?.length).toBeGreaterThanOrEqual(6);
      // The same copy and demo port as the starts above, so that its synthesis is reused; the README's
      // ports are 3000 and 3001, the test's are free ones.
      const dir = projectCopy('lifecycle');
      const line = (text: string) => text.replaceAll('127.0.0.1:3001', `127.0.0.1:${demoPort}`);
      const { run } = await startRunning(dir);

      const seen: string[] = [];
      for (const command of commands ?? []) {
        let result = sh(dir, line(command));
        // A reader runs a listing again until it shows the status its comment promises.
        const awaited = /run it again: ([A-Z_]+)/.exec(command)?.[1];
        const deadline = Date.now() + 120_000;
        while (awaited && !result.stdout.includes(awaited) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 2_000));
          result = sh(dir, line(command));
        }
        // curl writes its progress meter to stderr when its output is not a terminal: only a failure shows it.
        const failure = result.status === 0 ? {} : { stderr: result.stderr };
        expect({ command, status: result.status, ...failure }).toEqual({ command, status: 0 });
        seen.push(result.stdout);
      }

      expect(seen[1]).toContain('→ 202');
      expect(seen[2]).toContain('DEAD_LETTERED');
      expect(seen[4]).toContain('Replayed 1, skipped 0, failed 0');
      expect(seen[5]).toMatch(/PROCESSED/);
      await run.printed('[demo-target] 200 ');
      expect(run.output().stdout).toMatch(
        /\[demo-target\] 503 [\s\S]*\[demo-target\] outage ended[\s\S]*\[demo-target\] 200 /,
      );
      run.child.kill('SIGTERM');
      await expect(exitCode(run)).resolves.toBe(0);
    },
    FIRST_START_TIMEOUT_MS,
  );
});

describe('npm start, stopped while synthesizing', () => {
  // A copy whose synthesis is always stopped, so it never has an assembly to reuse.
  let dir: string;

  beforeAll(() => {
    dir = projectCopy('interrupted');
  });

  it('ends the synthesis and every process it started, and leaves no digest to reuse', async () => {
    const port = await freePort();
    // The demo target's port too: the one above PORT may belong to another test's runtime.
    const run = npmStart(dir, port, { DEMO_PORT: String(await freePort()) });
    started.add(run.child.pid!);
    await run.printed('Synthesizing');
    // Until the CDK CLI runs the app under tsx, whose processes are the ones a plain kill of the
    // direct child would leave behind.
    const deadline = Date.now() + 20_000;
    while (!processTree(run.child.pid!).some((p) => p.command.includes('bin/relayflow.ts'))) {
      if (Date.now() > deadline) throw new Error('the CDK app did not start within 20 s');
      await new Promise((done) => setTimeout(done, 100));
    }
    const groups = groupsOf(run);
    expect(groups.size).toBeGreaterThanOrEqual(2);

    run.child.kill('SIGTERM');

    await expect(exitCode(run)).resolves.toBe(0);
    expect(await liveGroups(groups)).toEqual([]);
    expect(existsSync(join(dir, 'cdk.out', DIGEST_FILE))).toBe(false);
    expect(run.output().stderr).toBe('');
  });
});
