import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { portBusyMessage, portFrom, portHolder, portIsFree } from '../../../local/start/port';
import { freePort, killGroups, npmStart, processGroupsUnder, projectCopy } from './npm-start';

const listen = async (port: number, host?: string) => {
  const server = createServer();
  server.listen(port, host);
  await once(server, 'listening');
  return server;
};

describe('the port check', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('tells a free port from a taken one, whether the holder listens on 127.0.0.1 or on every address', async () => {
    const port = await freePort();
    await expect(portIsFree(port)).resolves.toBe(true);
    server = await listen(port, '127.0.0.1');
    await expect(portIsFree(port)).resolves.toBe(false);
    server.close();
    server = await listen(port);
    await expect(portIsFree(port)).resolves.toBe(false);
  });

  it('names the process that holds the port', async () => {
    const port = await freePort();
    server = await listen(port, '127.0.0.1');
    expect(portHolder(port)).toEqual(
      expect.objectContaining({ pid: process.pid, command: expect.stringContaining('node') }),
    );
  });

  it('knows no holder for a port nobody listens on', async () => {
    expect(portHolder(await freePort())).toBeUndefined();
  });

  it('says who holds the port and how to choose another', () => {
    expect(portBusyMessage(3000, { pid: 42, command: 'node server.js', cwd: '/srv/app' }, 3001)).toBe(
      'port 3000 is already in use by pid 42 (node server.js, in /srv/app).\n' +
        'Stop that process (kill 42), or start on another port: PORT=3001 npm start',
    );
    expect(portBusyMessage(3000, undefined, 3002)).toBe(
      'port 3000 is already in use.\nStop what listens there, or start on another port: PORT=3002 npm start',
    );
  });

  it('names the setting that chose the port, for the demo target', () => {
    expect(portBusyMessage(3001, undefined, 3002, 'DEMO_PORT')).toBe(
      'port 3001 is already in use.\nStop what listens there, or start on another port: DEMO_PORT=3002 npm start',
    );
  });

  it('reads PORT, 3000 when unset', () => {
    expect(portFrom(undefined)).toBe(3000);
    expect(portFrom('4300')).toBe(4300);
    expect(portFrom('0')).toBe(0);
    for (const wrong of ['', 'abc', '3000.5', '-1', '65536']) {
      expect(() => portFrom(wrong)).toThrow(
        `PORT must be a port number (0-65535; 0 picks a free one), not "${wrong}"`,
      );
    }
  });
});

describe('npm start on a busy port', () => {
  let holder: ChildProcess | undefined;
  let groups = new Set<number>();
  afterEach(() => {
    holder?.kill();
    killGroups(groups);
  });

  it('fails at once, before synthesizing, naming the process that holds the port and another port to use', async () => {
    const dir = projectCopy('busy-port');
    const port = await freePort();
    holder = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening'))`,
    ]);
    await once(holder.stdout!, 'data');

    const started = Date.now();
    const run = npmStart(dir, port);
    groups = processGroupsUnder(run.child.pid!);
    const code = await run.exited;

    expect(Date.now() - started).toBeLessThan(3000);
    expect(code).toBe(1);
    const { stdout, stderr } = run.output();
    expect(stderr).toContain(
      `relayflow: port ${port} is already in use by pid ${holder.pid} (${process.execPath} -e`,
    );
    expect(stderr).toMatch(/or start on another port: PORT=\d+ npm start/);
    expect(stdout).not.toContain('Synthesizing');
  });
});
