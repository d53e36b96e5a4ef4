import { resolve } from 'node:path';
import { runCli, type CliDependencies } from '../../../cli/program';
import { CliError, type ConnectOptions } from '../../../cli/environment';
import { parseConfig } from '../../../lib/config';
import { fakeEnvironment } from '../../helpers/cli-run';

const ROOT = resolve(__dirname, '..', '..', '..');

/** Runs `relayflow <argv>` in process; answers its output as it comes and its exit code once it ends. */
const run = (argv: readonly string[], connect: CliDependencies['connect']) => {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDependencies = {
    connect,
    output: { out: (text) => out.push(text), err: (text) => err.push(text), interactive: false },
    now: () => new Date('2025-06-01T12:00:00Z'),
    sleep: () => Promise.resolve(),
    fetch,
    projectRoot: ROOT,
    loadConfig: () =>
      Promise.resolve(
        parseConfig({
          providers: { stripe: {} },
          channels: { postmark: {} },
          routes: [
            {
              match: { type: '*' },
              targets: [{ kind: 'http', id: 'sink', url: 'https://example.com/hook' }],
            },
          ],
        }),
      ),
  };
  return { out, err, code: runCli(argv, deps) };
};

const urlIn = async (out: readonly string[]): Promise<URL> => {
  for (let i = 0; i < 200; i += 1) {
    const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out.join('\n'));
    if (match) return new URL(match[0]);
    await new Promise((done) => setTimeout(done, 10));
  }
  throw new Error(`no URL printed: ${out.join('\n')}`);
};

describe('relayflow console', () => {
  it('prints the URL with its token, serves the stack the global options name, and stops on Ctrl-C with code 0', async () => {
    const asked: ConnectOptions[] = [];
    const cli = run(
      ['--stack', 'Prod', '--region', 'eu-west-1', 'console', '--port', '0', '--no-open'],
      (options) => {
        asked.push(options);
        return Promise.resolve(
          fakeEnvironment({
            stackName: 'Prod',
            outputs: { EventTableName: 't', RawBucketName: 'b', MainQueueUrl: 'q' },
          }),
        );
      },
    );
    const url = await urlIn(cli.out);
    expect(cli.out.join('\n')).toContain('RelayFlow console for stack Prod:');
    const token = url.searchParams.get('token') ?? '';
    const session = await fetch(new URL('/api/session', url), { headers: { 'x-relayflow-token': token } });
    expect(await session.json()).toMatchObject({
      stack: 'Prod',
      connected: true,
      channels: ['postmark'],
      targets: ['sink'],
    });
    expect(asked).toEqual([{ stack: 'Prod', region: 'eu-west-1', local: false, json: false }]);

    process.emit('SIGINT');
    expect(await cli.code).toBe(0);
    await expect(fetch(new URL('/api/session', url))).rejects.toThrow();
  });

  it('starts while the local runtime is not running, and the session says so', async () => {
    const cli = run(['--local', 'console', '--port', '0', '--no-open'], () =>
      Promise.reject(
        new CliError('The local runtime is not running (no .relayflow/local.json); start it with npm start.'),
      ),
    );
    const url = await urlIn(cli.out);
    const session = await fetch(new URL('/api/session', url), {
      headers: { 'x-relayflow-token': url.searchParams.get('token') ?? '' },
    });
    expect(await session.json()).toMatchObject({
      local: true,
      connected: false,
      problem: 'The local runtime is not running (no .relayflow/local.json); start it with npm start.',
    });
    process.emit('SIGTERM');
    expect(await cli.code).toBe(0);
  });

  it('refuses a port that is not a port number', async () => {
    const cli = run(['console', '--port', 'http', '--no-open'], () =>
      Promise.reject(new Error('not called')),
    );
    expect(await cli.code).toBe(1);
    expect(cli.err.join('')).toMatch(/--port.*must be a port number/);
  });
});
