/**
 * The operator console's weight and first paint (issue 20; decision 0055): the size of the built
 * UI (cli/dist/console, as npm run build:console writes it) raw and gzipped, and the paint timings
 * headless Chromium reports for its first screen, served from those files over loopback.
 *
 * The API answers come from a stand-in (test/helpers/console-fake.ts) answering at once, so the
 * timings are the UI's own: download, parse, first render, the overview's first data render.
 *
 * Alone: `npx tsx bench/console.ts`. Prints the figures as JSON, then the markdown section.
 */
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildConsole } from '../cli/build-console';
import { sampleApi, startFakeConsole } from '../test/helpers/console-fake';

const CHROMIUM = process.env.RELAYFLOW_CHROMIUM ?? '/usr/bin/chromium';
const RUNS = 15;

export interface ConsoleFigures {
  readonly measuredAt: string;
  readonly browser: string;
  readonly js: { readonly bytes: number; readonly gzipBytes: number };
  readonly css: { readonly bytes: number; readonly gzipBytes: number };
  readonly runs: number;
  /** Medians over the runs, ms from navigation start. */
  readonly firstPaintMs: number;
  readonly firstContentfulPaintMs: number;
  /** The overview's figures on screen (its API answered at once), as Playwright first sees them: an upper bound. */
  readonly overviewRenderedMs: number;
}

const PAINTS = `(() => {
  const paints = performance.getEntriesByType('paint');
  const at = (name) => paints.find((p) => p.name === name)?.startTime ?? NaN;
  return { fp: at('first-paint'), fcp: at('first-contentful-paint'), now: performance.now() };
})()`;

const median = (values: number[]) =>
  values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const sizeOf = (contents: string) => ({
  bytes: Buffer.byteLength(contents),
  gzipBytes: gzipSync(contents, { level: 9 }).length,
});

export const measureConsole = async (): Promise<ConsoleFigures> => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const files = await buildConsole();
  const js = files.find((f) => f.path.endsWith('.js'))?.contents ?? '';
  const css = files.find((f) => f.path.endsWith('.css'))?.contents ?? '';

  const fake = await startFakeConsole(sampleApi());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const firstPaint: number[] = [];
  const firstContentfulPaint: number[] = [];
  const overviewRendered: number[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      // A fresh context each run: an empty cache, as the first open after `relayflow console`.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(fake.url, { waitUntil: 'load' });
      await page.locator('[data-figure="received"]').waitFor();
      // A string, not a function: tsx would wrap a function's inner arrows in a helper the page lacks.
      const timings = await page.evaluate<{ fp: number; fcp: number; now: number }>(PAINTS);
      firstPaint.push(timings.fp);
      firstContentfulPaint.push(timings.fcp);
      overviewRendered.push(timings.now);
      await context.close();
    }
    return {
      measuredAt: new Date().toISOString(),
      browser: `Chromium ${browser.version()} (headless)`,
      js: sizeOf(js),
      css: sizeOf(css),
      runs: RUNS,
      firstPaintMs: median(firstPaint),
      firstContentfulPaintMs: median(firstContentfulPaint),
      overviewRenderedMs: median(overviewRendered),
    };
  } finally {
    await browser.close();
    await fake.stop();
  }
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

export const consoleSection = (f: ConsoleFigures): string[] => [
  'The operator console (`relayflow console`; docs/console.md, decision 0055): the UI as `npm run build:console` builds it',
  '(Preact + uPlot, bundled and minified by esbuild), and the paint timings of its first screen in headless Chromium,',
  `served over loopback from those files; the API answers come from a stand-in at once. Median of ${f.runs} loads, each in`,
  `a fresh browser context (empty cache). Measured ${f.measuredAt} with ${f.browser}.`,
  '',
  '| asset | raw | gzip -9 |',
  '|---|---|---|',
  `| app.js | ${kb(f.js.bytes)} | ${kb(f.js.gzipBytes)} |`,
  `| app.css | ${kb(f.css.bytes)} | ${kb(f.css.gzipBytes)} |`,
  `| total | ${kb(f.js.bytes + f.css.bytes)} | ${kb(f.js.gzipBytes + f.css.gzipBytes)} |`,
  '',
  '| first paint | first contentful paint | overview figures on screen |',
  '|---|---|---|',
  `| ${ms(f.firstPaintMs)} | ${ms(f.firstContentfulPaintMs)} | ${ms(f.overviewRenderedMs)} |`,
  '',
  'Paints are what `performance.getEntriesByType("paint")` reports; the last column is when Playwright first saw the',
  "overview's figures (after the session and overview calls and the charts' first draw), an upper bound.",
];

if (require.main === module) {
  measureConsole().then(
    (figures) => {
      console.log(JSON.stringify(figures, null, 2));
      console.log(consoleSection(figures).join('\n'));
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
