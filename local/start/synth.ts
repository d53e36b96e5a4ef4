import { spawn } from 'node:child_process';

export interface Synthesis {
  /** Resolves once `cdk synth` succeeded; rejects with its output when it failed or was stopped. */
  readonly done: Promise<void>;
  /** Ends the synthesis and everything it started. */
  stop(): void;
}

/**
 * Runs `cdk synth` in a process group of its own. Its process tree (npx, sh, the CDK CLI, the
 * app under tsx, esbuild) is deep and the shells in it relay no signals, so stopping signals the
 * whole group; only that reaches every process.
 */
export const startSynthesis = (root: string, synthArgs: readonly string[]): Synthesis => {
  const child = spawn('npx', ['cdk', ...synthArgs], {
    cwd: root,
    env: process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let stopped = false;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  // Also when this process exits on an error: a synthesis outliving it would keep writing cdk.out.
  const onExit = () => signalGroup('SIGTERM');
  process.once('exit', onExit);
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      process.removeListener('exit', onExit);
      if (code === 0) resolve();
      else if (stopped) reject(new Error('cdk synth stopped'));
      else reject(new Error(`cdk synth failed (${signal ?? `exit code ${code}`}):\n${output}`));
    });
  });
  return {
    done,
    stop: () => {
      stopped = true;
      signalGroup('SIGTERM');
    },
  };
};
