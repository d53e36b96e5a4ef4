import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** The host the local API listens on (local/apigateway/server.ts). */
const HOST = '127.0.0.1';

export interface PortHolder {
  readonly pid: number;
  /** Its command line, shortened. */
  readonly command: string;
  /** Its working directory, when it can be read. */
  readonly cwd?: string;
}

/** Resolves whether `port` can be listened on at 127.0.0.1 the way the API will. */
export const portIsFree = (port: number): Promise<boolean> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? done(false) : fail(error),
    );
    server.listen(port, HOST, () => server.close(() => done(true)));
  });

const shorten = (command: string) => (command.length > 100 ? `${command.slice(0, 99)}…` : command);

/** Listening sockets that keep 127.0.0.1:port from being bound: that address or any address. */
const BLOCKING_ADDRESSES = new Set([
  '00000000',
  '0100007F',
  '00000000000000000000000000000000',
  '0000000000000000FFFF00000100007F',
]);
const LISTEN = '0A';

/** Inodes of the listening sockets on `port`, from /proc/net/tcp{,6}. */
const listeningInodes = (port: number): Set<string> => {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      const [address, hexPort] = local?.split(':') ?? [];
      if (
        state === LISTEN &&
        address &&
        BLOCKING_ADDRESSES.has(address) &&
        parseInt(hexPort ?? '', 16) === port
      )
        inodes.add(inode ?? '');
    }
  }
  return inodes;
};

const readOr = <T>(read: () => T): T | undefined => {
  try {
    return read();
  } catch {
    return undefined;
  }
};

/** Linux: the process with a descriptor on one of those sockets. Others' are visible to root only. */
const holderFromProc = (port: number): PortHolder | undefined => {
  const sockets = new Set([...listeningInodes(port)].map((inode) => `socket:[${inode}]`));
  if (sockets.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = readOr(() => readdirSync(`/proc/${entry}/fd`)) ?? [];
    if (!fds.some((fd) => sockets.has(readOr(() => readlinkSync(`/proc/${entry}/fd/${fd}`)) ?? ''))) continue;
    const command = readOr(() => readFileSync(`/proc/${entry}/cmdline`, 'utf8'))
      ?.split('\0')
      .filter(Boolean)
      .join(' ');
    const cwd = readOr(() => readlinkSync(`/proc/${entry}/cwd`));
    return { pid: Number(entry), command: shorten(command ?? '?'), ...(cwd ? { cwd } : {}) };
  }
  return undefined;
};

/** Elsewhere (macOS): lsof, when installed. */
const holderFromLsof = (port: number): PortHolder | undefined => {
  const lsof = spawnSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], {
    encoding: 'utf8',
    timeout: 2000,
  });
  if (lsof.status !== 0) return undefined;
  const pid = /^p(\d+)$/m.exec(lsof.stdout)?.[1];
  const command = /^c(.+)$/m.exec(lsof.stdout)?.[1];
  return pid ? { pid: Number(pid), command: shorten(command ?? '?') } : undefined;
};

/** The process listening on `port`, when this user may know it. */
export const portHolder = (port: number): PortHolder | undefined =>
  existsSync('/proc/net/tcp') ? holderFromProc(port) : holderFromLsof(port);

/** The first free port after `port`, to suggest. */
const nextFreePort = async (port: number): Promise<number | undefined> => {
  for (let candidate = port + 1; candidate <= Math.min(port + 20, 65535); candidate++) {
    if (await portIsFree(candidate)) return candidate;
  }
  return undefined;
};

/** What `npm start` says when its port is taken: who holds it, and how to choose another. */
export const portBusyMessage = (
  port: number,
  holder: PortHolder | undefined,
  suggestion: number | undefined,
  variable = 'PORT',
) => {
  const who = holder
    ? ` by pid ${holder.pid} (${holder.command}${holder.cwd ? `, in ${holder.cwd}` : ''})`
    : '';
  return [
    `port ${port} is already in use${who}.`,
    holder
      ? `Stop that process (kill ${holder.pid}), or start on another port: ${variable}=${suggestion ?? port + 1} npm start`
      : `Stop what listens there, or start on another port: ${variable}=${suggestion ?? port + 1} npm start`,
  ].join('\n');
};

/**
 * Throws, naming the holder, when `port` cannot be listened on. 0 is any port. `variable` is the
 * setting that chooses it, for the suggestion.
 */
export const assertPortFree = async (port: number, variable = 'PORT'): Promise<void> => {
  if (port === 0 || (await portIsFree(port))) return;
  throw new Error(portBusyMessage(port, portHolder(port), await nextFreePort(port), variable));
};

/** The PORT variable as a port number, or an error that says what is wrong with it. */
export const portFrom = (value: string | undefined): number => {
  const port = Number(value ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || value?.trim() === '')
    throw new Error(`PORT must be a port number (0-65535; 0 picks a free one), not "${value}"`);
  return port;
};
