import { resolve } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CliError, type Environment } from '../../cli/environment';
import { runCli, type CliDependencies } from '../../cli/program';
import { parseConfig, type RelayFlowConfigInput } from '../../lib/config';

const ROOT = resolve(__dirname, '..', '..');
const REGION = 'us-east-1';

/** What one in-process run of the CLI printed and did. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** How many times the command reached for the stack (0: refused before any AWS call). */
  readonly connects: number;
}

export interface CliStack {
  readonly stackName?: string;
  readonly local?: boolean;
  readonly outputs: Readonly<Record<string, string>>;
  /** The configuration `loadConfig` gives. @default stripe alone */
  readonly config?: RelayFlowConfigInput;
  /** Where `--from-env` reads. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What `--stdin` reads. @default refused, as a terminal is */
  readonly stdin?: string;
}

/**
 * A stack as `connect` would return it, its outputs given. `urls` and `secrets` reach Secrets
 * Manager only: that client points nowhere, so that a test mocks it (aws-sdk-client-mock), and
 * the stack's other clients are left out.
 */
export const fakeEnvironment = (stack: CliStack): Environment => {
  const outputs = stack.outputs;
  const stackName = stack.stackName ?? 'RelayFlow';
  const environment: Pick<Environment, 'stackName' | 'region' | 'local' | 'outputs' | 'secrets' | 'output'> =
    {
      stackName,
      region: REGION,
      local: stack.local ?? false,
      outputs,
      secrets: new SecretsManagerClient({ region: REGION }),
      output: (key) => {
        const value = outputs[key];
        if (value === undefined) throw new CliError(`Stack ${stackName} has no output ${key}.`);
        return value;
      },
    };
  return environment as Environment;
};

/** Runs the commander program in process against `stack`, or against what `connect` returns. */
export const runAgainst = async (
  stack: CliStack,
  argv: readonly string[],
  connect?: CliDependencies['connect'],
): Promise<CliRun> => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let connects = 0;
  const deps: CliDependencies = {
    connect: (options) => {
      connects += 1;
      return connect ? connect(options) : Promise.resolve(fakeEnvironment(stack));
    },
    output: { out: (text) => stdout.push(text), err: (text) => stderr.push(text), interactive: false },
    now: () => new Date('2025-06-01T12:00:00Z'),
    sleep: () => Promise.resolve(),
    fetch: () => Promise.reject(new Error('no HTTP in these tests')),
    projectRoot: ROOT,
    loadConfig: () => Promise.resolve(parseConfig(stack.config ?? { providers: { stripe: {} } })),
    env: stack.env ?? {},
    readStdin: () =>
      stack.stdin === undefined
        ? Promise.reject(new CliError('--stdin reads a pipe.'))
        : Promise.resolve(stack.stdin),
  };
  const code = await runCli(argv, deps);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), connects };
};

/** stderr as its non-empty lines: a refusal is exactly one sentence. */
export const linesOf = (text: string) => text.trim().split('\n').filter(Boolean);
