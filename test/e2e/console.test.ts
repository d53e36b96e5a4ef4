import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sampleApi, SAMPLE_SESSION, startFakeConsole, type FakeConsole } from '../helpers/console-fake';
import {
  sendStripe,
  startConsoleRuntime,
  startLocalConsole,
  type ConsoleRuntime,
} from '../helpers/console-local';
import { eventually } from '../helpers/sink';

jest.setTimeout(300_000);

const CHROMIUM = process.env.RELAYFLOW_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(
    `The console's browser tests are skipped: no Chromium at ${CHROMIUM}. Install it with \`apt-get install chromium\` (CI does), or point RELAYFLOW_CHROMIUM at one.`,
  );
}
const withBrowser = haveChromium ? describe : describe.skip;

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/** axe-core's serious and critical findings on the page as it stands (WCAG 2.1 A and AA, best practices). */
const seriousViolations = async (page: Page): Promise<Violation[]> => {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    type Axe = {
      run(options: object): Promise<{
        violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
      }>;
    };
    const { axe } = globalThis as unknown as { axe: Axe };
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
};

let browser: Browser;

withBrowser('the operator console in a browser, against the local runtime', () => {
  const DEAD = 'cus_console_dead';
  let local: ConsoleRuntime;
  let consoleUrl: string;
  let stopConsole: () => Promise<void>;
  let page: Page;
  let firstEventId: string;
  const consoleLog: string[] = [];
  const pageProblems: string[] = [];

  const send = (customer: string, seq: number) => sendStripe(local.e2e, customer, seq);

  beforeAll(async () => {
    local = await startConsoleRuntime('console-e2e');
    const started = await startLocalConsole(local.e2e, local.stateFile, (message) =>
      consoleLog.push(message),
    );
    consoleUrl = started.url;
    stopConsole = () => started.close();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    // A context of its own: a second tab shares its cookie, as in the operator's browser.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // A script error or a Content-Security-Policy refusal would break the UI quietly.
    page.on('pageerror', (error) => pageProblems.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 500)
        pageProblems.push(`${response.status()} from ${new URL(response.url()).pathname}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 404/.test(message.text()))
        pageProblems.push(message.text());
    });
    // The printed URL carries the token once; the server answers with a cookie and the page's meta tag.
    await page.goto(consoleUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await stopConsole?.();
    if (consoleLog.length > 0) console.warn(consoleLog.join('\n'));
    await local?.stop();
  });

  const open = async (path: string) => {
    await page.goto(new URL(path, consoleUrl).toString());
    await page.locator('h1').first().waitFor();
  };

  it('finds an event by its correlation id and shows its timeline beside its raw request', async () => {
    const sent = [
      await send('cus_console_a', 1),
      await send('cus_console_b', 2),
      await send('cus_console_c', 3),
    ];
    const wanted = sent[1];
    firstEventId = sent[0]?.eventId ?? '';
    expect(wanted?.correlationId).toBeTruthy();

    await open('/events');
    await page.getByLabel('Correlation id').fill(wanted?.correlationId ?? '');
    await page.getByRole('button', { name: 'Search' }).click();
    const link = page.getByRole('link', { name: wanted?.eventId ?? '' });
    await link.waitFor();
    expect(await page.locator('table.results tbody tr').count()).toBe(1);
    await link.click();

    await page.getByRole('heading', { level: 1, name: `Event ${wanted?.eventId}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/events/${wanted?.eventId}`);
    expect(await page.locator('.timeline li').first().textContent()).toContain('accepted');
    expect(await page.getByLabel('Raw request body', { exact: true }).textContent()).toContain(
      'in_cus_console_b_2',
    );
    expect(await page.getByLabel('Normalized event', { exact: true }).textContent()).toContain(
      'invoice.paid',
    );
    // The address is the state: pasted into another tab of the same browser (its cookie), it shows the same event.
    const pasted = await page.context().newPage();
    await pasted.goto(page.url());
    await pasted.getByRole('heading', { level: 1, name: `Event ${wanted?.eventId}` }).waitFor();
    await pasted.close();
  });

  it('shows non-zero counts on the overview charts', async () => {
    await open('/');
    const received = page.locator('[data-figure="received"]');
    await received.waitFor();

    expect(Number(await received.textContent())).toBeGreaterThanOrEqual(3);
    expect(Number(await page.locator('strong[data-total="Received"]').textContent())).toBeGreaterThanOrEqual(
      3,
    );
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByRole('img', { name: /^Throughput: [1-9]\d* received/ }).count()).toBe(1);
  });

  it('dead-letters an entity, then plans and replays it from the inbox until every event is PROCESSED', async () => {
    local.sink.behaviour = (delivery) => (delivery.event.entity.id === DEAD ? 503 : 200);
    const ids = [(await send(DEAD, 1)).eventId, (await send(DEAD, 2)).eventId];
    const statusOf = async (id: string) => {
      const response = await page.request.get(new URL(`/api/events/${id}`, consoleUrl).toString());
      return ((await response.json()) as { event?: { status: string } }).event?.status;
    };
    const dead = await eventually(
      async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'DEAD_LETTERED'),
      90_000,
      500,
      // Retry backoffs and the open circuit's wait pass on the runtime's clock.
      { clock: local.e2e.runtime.clock, stepMs: 5_000 },
    );
    expect(dead).toBe(true);
    local.sink.behaviour = () => 200;

    await open('/dead-letters');
    // Its events may fall in more than one group (by error class): select every group of the entity.
    const groups = page.locator('li.group').filter({ hasText: DEAD });
    await groups.first().waitFor();
    for (const group of await groups.all()) await group.locator('input[type="checkbox"]').first().check();
    expect(await page.getByText(/^\d+ selected$/).textContent()).toBe(`${ids.length} selected`);
    await page.getByRole('button', { name: 'Plan' }).click();
    await page.getByRole('heading', { name: 'Plan' }).waitFor();
    expect(await page.locator('[data-figure="selected"]').textContent()).toBe(String(ids.length));

    await page.getByLabel(/^Reason/).fill('end-to-end test: the sink is back');
    await page.getByRole('button', { name: `Replay ${ids.length} events` }).click();
    await page.waitForURL(/\/dead-letters\?run=/);
    await page
      .getByText(/SUCCEEDED/)
      .first()
      .waitFor({ timeout: 120_000 });

    const processed = await eventually(
      async () => {
        const refresh = page.getByRole('button', { name: 'Refresh the outcomes' });
        if (await refresh.isVisible()) await refresh.click();
        const rows = page.locator('table.outcomes tbody tr');
        const statuses = await rows.locator('td').allTextContents();
        return statuses.length === ids.length && statuses.every((s) => s === 'PROCESSED');
      },
      90_000,
      1_000,
      { clock: local.e2e.runtime.clock, stepMs: 5_000 },
    );
    expect(processed).toBe(true);
    for (const id of ids) expect(await page.getByRole('link', { name: id }).count()).toBe(1);
  });

  it('works by keyboard: the skip link, then the sections, each page taking focus at its heading', async () => {
    await open('/');
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    await page.keyboard.press('Tab'); // Overview
    await page.keyboard.press('Tab'); // Events
    await page.keyboard.press('Enter');

    await page.waitForURL(/\/events$/);
    expect(await page.locator('h1:focus').textContent()).toBe('Events');
  });

  it('has no serious or critical accessibility violation on any page (axe-core)', async () => {
    const found: Record<string, Violation[]> = {};
    for (const path of ['/', '/events', `/events/${firstEventId}`, '/dead-letters', '/controls']) {
      await open(path);
      await page.waitForLoadState('networkidle');
      found[path] = await seriousViolations(page);
    }

    expect(found).toEqual({
      '/': [],
      '/events': [],
      [`/events/${firstEventId}`]: [],
      '/dead-letters': [],
      '/controls': [],
    });
    expect(pageProblems).toEqual([]);
  });
});

withBrowser('the operator console in a browser, against a stand-in server', () => {
  let fake: FakeConsole | undefined;
  afterEach(async () => {
    await fake?.stop();
    await browser?.close();
  });

  const launch = async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    return browser.newPage();
  };

  it('says the local runtime is not running, and shows the console once it is', async () => {
    let connected = false;
    const samples = sampleApi();
    fake = await startFakeConsole((request) =>
      request.path === '/api/session'
        ? {
            status: 200,
            body: {
              ...SAMPLE_SESSION,
              connected,
              problem: connected ? undefined : 'Nothing answers at http://127.0.0.1:4566.',
            },
          }
        : samples(request),
    );
    const page = await launch();

    await page.goto(`${fake.url}/events`);
    await page.getByRole('heading', { level: 1, name: 'The local runtime is not running' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('npm start');
    connected = true;
    await page.getByRole('button', { name: 'Try again' }).click();

    await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
    expect(fake.calls.every((call) => call.token === fake?.token)).toBe(true);
  });

  it("shows the server's sentence when a call fails, and an empty state when there is nothing", async () => {
    const samples = sampleApi();
    fake = await startFakeConsole((request) =>
      request.path === '/api/events'
        ? { status: 500, body: { error: 'The event table does not answer.' } }
        : samples(request),
    );
    const page = await launch();

    await page.goto(`${fake.url}/events`);
    expect(await page.getByRole('alert').textContent()).toContain('The event table does not answer.');
    await page.goto(`${fake.url}/dead-letters`);
    await page.getByText('Nothing is dead-lettered or quarantined').waitFor();
    await page.goto(`${fake.url}/nowhere`);
    await page.getByRole('heading', { level: 1, name: 'No such page' }).waitFor();
  });
});
