import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './build';

/**
 * Builds the operator console's web UI (cli/console/ui, Preact + uPlot; decision 0055) into static
 * files the console server (`relayflow console`) serves: cli/dist/console/index.html and
 * assets/app.<hash>.js and .css, minified. The same sources give the same bytes, so the output is
 * committed like the CLI's bundle and test/cli/console-bundle.test.ts fails when it is stale.
 * Run: npm run build:console
 */

export const CONSOLE_ENTRY = 'cli/console/ui/main.tsx';
export const CONSOLE_DIST = 'cli/dist/console';

/** One file of the built console, its path relative to {@link CONSOLE_DIST}. */
export interface ConsoleFile {
  readonly path: string;
  readonly contents: string;
}

/**
 * The page the server answers for every UI path (the router reads the address). The server adds
 * the session token as `<meta name="relayflow-token">` after `<head>`; the UI sends it back as a
 * header on every call. No inline script or style: the server's Content-Security-Policy forbids both.
 */
const indexHtml = (script: string, stylesheet: string) =>
  [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>RelayFlow console</title>',
    `<link rel="stylesheet" href="/${stylesheet}">`,
    `<script type="module" src="/${script}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');

export const buildConsole = async (): Promise<ConsoleFile[]> => {
  const outdir = join(ROOT, CONSOLE_DIST);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [CONSOLE_ENTRY],
    tsconfig: 'cli/console/ui/tsconfig.json',
    outdir,
    entryNames: 'assets/app.[hash]',
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    // Browsers an operator runs today; the CSS keeps modern syntax (nesting is not used).
    target: ['chrome115', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    charset: 'utf8',
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const assets = result.outputFiles.map((file) => ({
    path: relative(outdir, file.path).split('\\').join('/'),
    contents: file.text,
  }));
  const script = assets.find((a) => a.path.endsWith('.js'))?.path;
  const stylesheet = assets.find((a) => a.path.endsWith('.css'))?.path;
  if (!script || !stylesheet)
    throw new Error(`esbuild wrote no script or no stylesheet: ${assets.map((a) => a.path).join(', ')}`);
  return [...assets, { path: 'index.html', contents: indexHtml(script, stylesheet) }].sort((a, b) =>
    a.path.localeCompare(b.path),
  );
};

/** Replaces cli/dist/console with `files`, so that no asset of an earlier build stays behind. */
export const writeConsole = (files: readonly ConsoleFile[]): void => {
  const outdir = join(ROOT, CONSOLE_DIST);
  rmSync(outdir, { recursive: true, force: true });
  for (const file of files) {
    mkdirSync(dirname(join(outdir, file.path)), { recursive: true });
    writeFileSync(join(outdir, file.path), file.contents);
  }
};

if (require.main === module) {
  buildConsole().then(
    (files) => {
      writeConsole(files);
      for (const file of files) {
        process.stdout.write(
          `${CONSOLE_DIST}/${file.path}: ${(Buffer.byteLength(file.contents) / 1024).toFixed(1)} KiB\n`,
        );
      }
    },
    (error: unknown) => {
      process.stderr.write(
        `build:console failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
