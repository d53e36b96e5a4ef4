import { Command, CommanderError } from 'commander';
import type { RelayFlowConfig } from '../lib/config';
import { registerAudit } from './commands/audit';
import { registerChannels } from './commands/channels';
import { registerConsole } from './commands/console';
import { registerDlq } from './commands/dlq';
import { registerDoctor } from './commands/doctor';
import { registerEmit } from './commands/emit';
import { registerEvents } from './commands/events';
import { registerMessages } from './commands/messages';
import { registerPause } from './commands/pause';
import { registerReconcile } from './commands/reconcile';
import { registerReplay } from './commands/replay';
import { registerRoute } from './commands/route';
import { registerSchedules } from './commands/schedules';
import { registerSecrets } from './commands/secrets';
import { registerSend } from './commands/send';
import { registerStatus } from './commands/status';
import { registerUrls } from './commands/urls';
import { sentenceOf, type ConnectOptions, type Environment } from './environment';
import type { Output } from './format';

/** What the commands use from outside: real in bin/relayflow-cli.ts (and its bundle, cli/dist/relayflow.cjs), fakes in tests. */
export interface CliDependencies {
  connect(options: ConnectOptions): Promise<Environment>;
  readonly output: Output;
  now(): Date;
  sleep(ms: number): Promise<void>;
  readonly fetch: typeof fetch;
  /** Where functions/providers/<id>/fixtures live. */
  readonly projectRoot: string;
  /** relayflow.config.ts, for generic HMAC senders' options. */
  loadConfig(): Promise<RelayFlowConfig>;
  /** Where `secrets --from-env` reads a value. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** All of standard input, for `secrets --stdin`. @default process.stdin, refused when it is a terminal */
  readStdin?(): Promise<string>;
}

export interface GlobalOptions extends ConnectOptions {
  readonly json: boolean;
}

export const buildProgram = (deps: CliDependencies): Command => {
  const program = new Command('relayflow')
    .description(
      "Operate a RelayFlow stack: replay, inspect events, the dead-letter queue and the pipeline's health",
    )
    .option('--stack <name>', 'CloudFormation stack name', 'RelayFlow')
    .option('--region <region>', 'AWS region (default: AWS_REGION)')
    .option('--local', 'use the local runtime started by npm start (only the endpoints change)', false)
    .option('--json', 'print JSON instead of tables', false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.output.out(text.replace(/\n$/, '')),
      writeErr: (text) => deps.output.err(text),
    })
    .showHelpAfterError('(run relayflow --help for usage)');
  const globals = (): GlobalOptions => {
    const options = program.opts<{ stack: string; region?: string; local: boolean; json: boolean }>();
    return {
      stack: options.stack,
      ...(options.region ? { region: options.region } : {}),
      local: options.local,
      json: options.json,
    };
  };
  registerReplay(program, deps, globals);
  registerEvents(program, deps, globals);
  registerDlq(program, deps, globals);
  registerStatus(program, deps, globals);
  registerPause(program, deps, globals);
  registerAudit(program, deps, globals);
  registerDoctor(program, deps, globals);
  registerSend(program, deps, globals);
  registerEmit(program, deps, globals);
  registerUrls(program, deps, globals);
  registerSecrets(program, deps, globals);
  registerChannels(program, deps, globals);
  registerRoute(program, deps, globals);
  registerSchedules(program, deps, globals);
  registerReconcile(program, deps, globals);
  registerMessages(program, deps, globals);
  registerConsole(program, deps, globals);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
};

/**
 * Runs the CLI and returns the exit code: 0 done, 1 for any error, which is printed as one
 * sentence on stderr (never a stack trace).
 */
export const runCli = async (argv: readonly string[], deps: CliDependencies): Promise<number> => {
  const program = buildProgram(deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help/version it was asked for).
      return error.exitCode === 0 ? 0 : 1;
    }
    deps.output.err(`relayflow: ${sentenceOf(error, program.opts<{ local: boolean }>().local)}\n`);
    return 1;
  }
};
