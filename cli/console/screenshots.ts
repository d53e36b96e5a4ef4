/**
 * `npm run console:screenshots`: regenerates docs/console-screenshots/*.png, which docs/console.md
 * shows. Starts the end-to-end stack on the local runtime (test/helpers/local-runtime.ts, its
 * routes pointed at a sink this script runs) and the console against it, sends sample traffic
 * (one customer's events dead-lettered by a failing sink), then photographs each page in
 * Debian's Chromium, replaying the dead letters on the way.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { sendStripe, startLocalConsole } from '../../test/helpers/console-local';
import { startE2eRuntime } from '../../test/helpers/local-runtime';
import { eventually, Sink } from '../../test/helpers/sink';

const CHROMIUM = process.env.RELAYFLOW_CHROMIUM ?? '/usr/bin/chromium';
const OUT = resolve(__dirname, '..', '..', 'docs', 'console-screenshots');
const DEAD = 'cus_9dRq2LxT';
const CUSTOMERS = ['cus_4hKp8WmN', 'cus_7tYc3ZbQ', 'cus_2nFv6JsE', 'cus_8aLd1RxU'];
const TYPES = [
  'invoice.paid',
  'payment_intent.succeeded',
  'customer.subscription.updated',
  'charge.refunded',
];

const main = async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'relayflow-screenshots-'));
  const stateFile = join(workDir, '.relayflow', 'local.json');
  const sink = new Sink();
  console.log('starting the local runtime (the first start synthesizes the stack)…');
  const e2e = await startE2eRuntime({ stateFile, logSink: () => undefined });
  await sink.start(e2e.sinkPort);
  const consoleServer = await startLocalConsole(e2e, stateFile, (message) => console.error(message));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    console.log('sending sample traffic…');
    sink.behaviour = (delivery) => (delivery.event.entity.id === DEAD ? 503 : 200);
    const sent = [];
    for (let seq = 0; seq < 24; seq += 1) {
      const customer = CUSTOMERS[seq % CUSTOMERS.length] ?? 'cus_demo';
      sent.push(await sendStripe(e2e, customer, seq, TYPES[seq % TYPES.length]));
    }
    const dead = [await sendStripe(e2e, DEAD, 100), await sendStripe(e2e, DEAD, 101)];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(consoleServer.url);
    const statusOf = async (id: string) => {
      const response = await page.request.get(new URL(`/api/events/${id}`, consoleServer.url).toString());
      return ((await response.json()) as { event?: { status: string } }).event?.status;
    };
    console.log('waiting for the failing customer’s events to dead-letter…');
    const deadLettered = await eventually(
      async () =>
        (await Promise.all(dead.map((d) => statusOf(d.eventId)))).every((s) => s === 'DEAD_LETTERED'),
      120_000,
      500,
      { clock: e2e.runtime.clock, stepMs: 5_000 },
    );
    if (!deadLettered) throw new Error('the sample events did not dead-letter within 2 minutes');
    sink.behaviour = () => 200;

    const shoot = async (name: string, target: Page = page) => {
      await target.waitForLoadState('networkidle');
      await target.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
      console.log(`docs/console-screenshots/${name}.png`);
    };
    const open = async (path: string, ready: string) => {
      await page.goto(new URL(path, consoleServer.url).toString());
      await page.locator(ready).first().waitFor();
    };
    mkdirSync(OUT, { recursive: true });

    await open('/', '[data-figure="received"]');
    await shoot('overview');
    await open('/events', 'table.results');
    await shoot('events');
    await open(`/events/${dead[0]?.eventId}`, '.timeline li');
    await shoot('event');

    await open('/dead-letters', 'li.group');
    await page
      .locator('li.group')
      .filter({ hasText: DEAD })
      .locator('input[type="checkbox"]')
      .first()
      .check();
    await page.getByRole('button', { name: 'Plan' }).click();
    await page.getByRole('heading', { name: 'Plan' }).waitFor();
    await page.getByLabel(/^Reason/).fill('The sink is back after the 503s');
    await shoot('dead-letters');
    await page.getByRole('button', { name: /^Replay \d+ events?$/ }).click();
    await page.waitForURL(/\/dead-letters\?run=/);
    await page
      .getByText(/SUCCEEDED/)
      .first()
      .waitFor({ timeout: 120_000 });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh the outcomes' }).click();
        const statuses = await page.locator('table.outcomes tbody td').allTextContents();
        return statuses.length > 0 && statuses.every((s) => s === 'PROCESSED');
      },
      60_000,
      1_000,
      { clock: e2e.runtime.clock, stepMs: 5_000 },
    );
    await shoot('replay');

    await open('/controls', 'form');
    await page.getByLabel('Scope').selectOption('target');
    await page.getByLabel('Id', { exact: true }).fill('second');
    await page.getByLabel(/^Reason/).fill('Partner API maintenance window until 14:00 UTC');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('table.pauses').waitFor();
    await shoot('controls');
  } finally {
    await browser.close();
    await consoleServer.close();
    await e2e.runtime.stop();
    await sink.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
