import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { RelayFlowConfig } from '../../lib/config';
import { targetIdOf } from '../../functions/routing/routes';
import { overview } from '../console/api/overview';
import { startConsole, type ConsoleDependencies } from '../console/server';
import { sentenceOf } from '../environment';
import type { CliDependencies, GlobalOptions } from '../program';
import { operator } from './pause';

const portOf = (value: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('must be a port number from 0 (any free port) to 65535');
  return port;
};

/** What the filters offer and what payloads hide, from the configuration the stack was deployed with. */
const fromConfig = (config: RelayFlowConfig) => ({
  redactPaths: config.observability.piiPaths,
  catalog: {
    tenants: config.tenants.map((t) => t.id),
    channels: Object.keys(config.channels),
    targets: [...new Set(config.routes.flatMap((route) => route.targets.map(targetIdOf)))],
  },
});

/** Opens the URL in the operator's browser; where none can be opened, the printed URL is enough. */
const openInBrowser = (url: string) => {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener on this machine: the URL is printed.
  }
};

/** Resolves on Ctrl-C (or a polite kill). */
const interrupted = () =>
  new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

export const registerConsole = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('console')
    .description(
      'Open the operator console: a web UI on 127.0.0.1, run with your own credentials (or --local), until Ctrl-C',
    )
    .option(
      '--port <port>',
      'port on 127.0.0.1 (default 4800, else any free port; 0 for any free port)',
      portOf,
    )
    .option('--no-open', 'print the URL without opening a browser')
    .action(async (options: { port?: number; open: boolean }) => {
      const connectOptions = globals();
      let configured: ReturnType<typeof fromConfig>;
      try {
        configured = fromConfig(await deps.loadConfig());
      } catch (error) {
        // The console works without it: no PII paths beyond the built-in rules, no channels or targets to filter by.
        deps.output.err(
          `relayflow console: the configuration could not be read (${sentenceOf(error, connectOptions.local).replace(/\.$/, '')}); payloads are redacted by the built-in rules only.`,
        );
        configured = { redactPaths: [], catalog: { tenants: [], channels: [], targets: [] } };
      }
      const consoleDeps: ConsoleDependencies = {
        connect: () => deps.connect(connectOptions),
        target: connectOptions,
        now: () => deps.now(),
        sleep: (ms) => deps.sleep(ms),
        assetsDir: join(deps.projectRoot, 'cli', 'dist', 'console'),
        overview,
        ...configured,
        operator: operator(),
        log: (message) => deps.output.err(message),
      };
      const stop = interrupted();
      const running = await startConsole(
        consoleDeps,
        options.port === undefined ? {} : { port: options.port },
      );
      deps.output.out(
        [
          `RelayFlow console for ${connectOptions.local ? 'the local runtime' : `stack ${connectOptions.stack}`}:`,
          `  ${running.url}`,
          'The link carries this session’s token: keep it to yourself. Ctrl-C stops the console.',
        ].join('\n'),
      );
      if (options.open) openInBrowser(running.url);
      await stop;
      await running.close();
    });
};
