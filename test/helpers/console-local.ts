import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../cli/build';
import { CONSOLE_DIST } from '../../cli/build-console';
import { overview } from '../../cli/console/api/overview';
import { startConsole, type RunningConsole } from '../../cli/console/server';
import { connect } from '../../cli/environment';
import { postStripe, startE2eRuntime, type RunningE2e } from './local-runtime';
import { Sink } from './sink';

export interface ConsoleRuntime {
  readonly e2e: RunningE2e;
  readonly sink: Sink;
  readonly workDir: string;
  /** Where `relayflow --local` run in the work directory reads the runtime's endpoints. */
  readonly stateFile: string;
  /** Stops the runtime and the sink, and removes the work directory. */
  stop(): Promise<void>;
}

/** The end-to-end stack and its sink, with the local state file in a work directory of its own. */
export const startConsoleRuntime = async (name: string): Promise<ConsoleRuntime> => {
  const workDir = mkdtempSync(join(tmpdir(), `relayflow-${name}-`));
  const stateFile = join(workDir, '.relayflow', 'local.json');
  const e2e = await startE2eRuntime({ stateFile });
  const sink = new Sink();
  await sink.start(e2e.sinkPort);
  return {
    e2e,
    sink,
    workDir,
    stateFile,
    stop: async () => {
      await Promise.all([e2e.runtime.stop(), sink.stop()]);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
};

/**
 * The console server (`relayflow console --local`) against the end-to-end stack, as the command
 * wires it, on any free port. Its clock is the runtime's, which tests move forward: the overview's
 * windows end at that now.
 */
export const startLocalConsole = (
  e2e: RunningE2e,
  stateFile: string,
  log: (message: string) => void,
): Promise<RunningConsole> =>
  startConsole(
    {
      connect: () => connect({ local: true, stack: 'RelayFlowE2E', localStateFile: stateFile }),
      target: { stack: 'RelayFlowE2E', local: true },
      now: () => new Date(e2e.runtime.clock.now()),
      sleep: (ms) => e2e.runtime.clock.sleep(ms),
      assetsDir: join(ROOT, CONSOLE_DIST),
      overview,
      redactPaths: [],
      catalog: {
        tenants: [],
        channels: ['email', 'sms', 'whatsapp', 'push'],
        targets: ['sink', 'first', 'second'],
      },
      operator: 'console-e2e',
      log,
    },
    { port: 0 },
  );

/** Posts a signed Stripe event about `customer`; answers our event id and the correlation id the API gave it. */
export const sendStripe = async (
  e2e: RunningE2e,
  customer: string,
  seq: number,
  type = 'invoice.paid',
): Promise<{ eventId: string; correlationId: string }> => {
  const response = await postStripe(e2e, {
    id: `evt_console_${customer}_${seq}`,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    type,
    data: { object: { id: `in_${customer}_${seq}`, object: 'invoice', customer, amount_paid: 1200 + seq } },
  });
  const { events } = (await response.json()) as { events: { id: string }[] };
  return { eventId: events[0]?.id ?? '', correlationId: response.headers.get('x-correlation-id') ?? '' };
};
