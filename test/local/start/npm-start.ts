import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

/** What `npm start` and the CLI need from the repository; cdk.out is not copied, so that a copy keeps its own. */
const COPIED = [
  'bin',
  'cli',
  'lib',
  'functions',
  'local',
  'relayflow.config.ts',
  'cdk.json',
  'cdk.context.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];

/**
 * A copy of the project in `.relayflow/start-test/<name>` with the current sources, to run
 * `npm start` in without touching the repository's cdk.out and state file (a developer may be
 * running it). The copy's cdk.out stays between runs, so its synthesis is reused while the
 * sources are unchanged, as a developer's would be.
 */
export const projectCopy = (name: string): string => {
  const dir = join(ROOT, '.relayflow', 'start-test', name);
  mkdirSync(dir, { recursive: true });
  for (const entry of COPIED) {
    rmSync(join(dir, entry), { recursive: true, force: true });
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  if (!existsSync(join(dir, 'node_modules')))
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
};

export { freePort } from '../../helpers/local-runtime';

export interface NpmStart {
  readonly child: ChildProcess;
  /** What was printed so far. */
  readonly output: () => { readonly stdout: string; readonly stderr: string };
  /** Resolves once `text` was printed; rejects when the process exits first. */
  readonly printed: (text: string) => Promise<void>;
  /** The exit code, or the signal that ended npm. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

/**
 * `npm start` in `dir` in a process group of its own, as a terminal runs a foreground job, so
 * that a test can signal the group as Ctrl+C does.
 */
export const npmStart = (dir: string, port: number, extraEnv: NodeJS.ProcessEnv = {}): NpmStart => {
  const { RELAYFLOW_CONFIG: _config, ...env } = process.env;
  const child = spawn('npm', ['start'], {
    cwd: dir,
    env: { ...env, PORT: String(port), ...extraEnv },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), changed()));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), changed()));
  const exited = new Promise<number | NodeJS.Signals>((done) =>
    child.once('close', (code, signal) => done(code ?? signal ?? -1)),
  );
  const printed = (text: string) =>
    new Promise<void>((done, fail) => {
      const check = () => {
        if (stdout.includes(text)) {
          listeners.delete(check);
          done();
        }
      };
      listeners.add(check);
      check();
      void exited.then((code) => {
        listeners.delete(check);
        fail(new Error(`npm start ended (${code}) before printing "${text}":\n${stdout}\n${stderr}`));
      });
    });
  return { child, output: () => ({ stdout, stderr }), printed, exited };
};

export interface TreeProcess {
  readonly pid: number;
  readonly group: number;
  readonly command: string;
}

/** `pid` and every process under it, from `ps` (Linux and macOS). */
export const processTree = (pid: number): TreeProcess[] => {
  const rows = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((line) => {
      const [child, parent, group, ...command] = line.trim().split(/\s+/);
      return { pid: Number(child), parent: Number(parent), group: Number(group), command: command.join(' ') };
    });
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows) {
      if (tree.has(row.parent) && !tree.has(row.pid)) {
        tree.add(row.pid);
        grew = true;
      }
    }
  }
  return rows.filter((row) => tree.has(row.pid)).map(({ pid, group, command }) => ({ pid, group, command }));
};

/** The process groups of `pid` and of every process under it. */
export const processGroupsUnder = (pid: number): Set<number> =>
  new Set(processTree(pid).map((process) => process.group));

const groupExists = (group: number) => {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
};

/** The groups that still have a process after `withinMs` (exited children take a moment to be reaped). */
export const liveGroups = async (groups: Iterable<number>, withinMs = 5000): Promise<number[]> => {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const live = [...groups].filter(groupExists);
    if (live.length === 0 || Date.now() > deadline) return live;
    await new Promise((done) => setTimeout(done, 100));
  }
};

/** Ends whatever a failed test left running in these groups. */
export const killGroups = (groups: Iterable<number>): void => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
};
