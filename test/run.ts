/**
 * `npm test`: the unit files and the end-to-end files as two Jest runs side by side, each one
 * file at a time (decision 0042). Two end-to-end files at once, each with its emulators and
 * Lambda workers, fought over the two cores: they ran two to four times slower than alone, and
 * verifiers met their timeouts. With arguments other than `--ci` (a path, a pattern, `--watch`),
 * this is plain `jest` with those arguments.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const JEST = require.resolve('jest/bin/jest');

const args = process.argv.slice(2);
const runs = [
  { label: 'unit', args: ['--selectProjects', 'unit', '--maxWorkers=1'] },
  { label: 'e2e', args: ['--selectProjects', 'integration', '--runInBand'] },
] as const;

/** Runs Jest and resolves with its exit code; with a label, each line of its output is prefixed. */
const jest = (jestArgs: readonly string[], label?: string): Promise<number> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [JEST, ...jestArgs], {
      stdio: label === undefined ? 'inherit' : ['inherit', 'pipe', 'pipe'],
      // Piped output is not a terminal: keep the colours a terminal would have shown.
      env: process.stdout.isTTY && label !== undefined ? { ...process.env, FORCE_COLOR: '1' } : process.env,
    });
    if (label !== undefined) {
      for (const [from, to] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ] as const) {
        if (from) createInterface({ input: from }).on('line', (line) => to.write(`[${label}] ${line}\n`));
      }
    }
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const main = async (): Promise<number> => {
  if (args.some((arg) => arg !== '--ci')) return jest(args);
  const codes = await Promise.all(runs.map((run) => jest([...run.args, ...args], run.label)));
  for (const [index, run] of runs.entries())
    process.stderr.write(
      `${run.label}: ${codes[index] === 0 ? 'passed' : `failed (exit ${codes[index]})`}\n`,
    );
  return codes.every((code) => code === 0) ? 0 : 1;
};

void main().then((code) => {
  process.exitCode = code;
});
