import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, npmStart, projectCopy, type NpmStart } from '../local/start/npm-start';

// The first run synthesizes the stack in its own copy; then the walkthrough waits out real retries.
jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '..', '..');

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

let run: NpmStart | undefined;
afterAll(async () => {
  if (run?.child.pid) process.kill(-run.child.pid, 'SIGTERM');
  await run?.exited;
});

describe("the README's fail-and-recover walkthrough", () => {
  it('sends an event into an outage, dead-letters it, and replays it to PROCESSED with the commands as written', async () => {
    const [start, commands] = walkthrough();
    expect(start).toEqual(['npm start']);
    expect(commands?.length).toBeGreaterThanOrEqual(6);
    const dir = projectCopy('demo-walkthrough');
    // The README's ports are 3000 and 3001; the test takes a free pair of its own.
    const port = await freePort();
    const line = (text: string) => text.replaceAll('127.0.0.1:3001', `127.0.0.1:${port + 1}`);
    run = npmStart(dir, port);
    await run.printed('Demo target:');

    const seen: string[] = [];
    for (const command of commands ?? []) {
      let result = sh(dir, line(command));
      // A reader runs the listing again until the retries are over, as the comment says.
      const deadline = Date.now() + 120_000;
      while (
        /DEAD_LETTERED after/.test(command) &&
        !result.stdout.includes('DEAD_LETTERED') &&
        Date.now() < deadline
      ) {
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
  });
});
