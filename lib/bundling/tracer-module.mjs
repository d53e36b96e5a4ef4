// @ts-check
/**
 * Writes Powertools' Tracer, with the X-Ray SDK it imports, as a module of its own beside a
 * function's bundle: `node_modules/@aws-lambda-powertools/tracer/index.cjs` in the asset.
 *
 * The function bundle leaves that package out (an external module), and requires it only on a
 * container's first sampled invocation (functions/powertools/index.ts). Inside the bundle, V8
 * still had to read the ~100 KB it never ran at every cold start; beside it, a container that is
 * never sampled never reads it (decision 0064). The bundle's `require` (its banner's
 * `createRequire(import.meta.url)`) finds the module by Node.js's own resolution, from
 * `index.mjs` to the asset's `node_modules`.
 *
 * Run by `RelayFlowFunction` after esbuild (`node tracer-module.mjs <output dir> <project root>`):
 * a plain module, for the reason own-source-map.mjs gives. The same built module is copied into
 * every function's asset from a cache keyed by what it is built from (the lock file, esbuild's
 * version and this script), so a synthesis of many functions builds it once.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TRACER_PACKAGE = '@aws-lambda-powertools/tracer';
const MODULE_FILE = 'index.cjs';

/**
 * Builds (or finds in the cache) the Tracer's module and writes it into the asset.
 * @param {string} outputDir the function's bundle directory
 * @param {string} projectRoot where the Tracer's package is installed
 * @returns {string} the module's path in the asset
 */
export const writeTracerModule = async (outputDir, projectRoot) => {
  const require = createRequire(join(projectRoot, 'package.json'));
  /** @type {typeof import('esbuild')} */
  const esbuild = require('esbuild');
  const lock = readFileSync(join(projectRoot, 'package-lock.json'));
  // This script's own text is in the key too: a change to how the module is built is a new module.
  const key = createHash('sha256')
    .update(lock)
    .update(esbuild.version)
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 16);
  const cached = join(tmpdir(), `relayflow-tracer-${key}.cjs`);
  if (!existsSync(cached)) {
    const result = await esbuild.build({
      stdin: {
        contents: `module.exports = require(${JSON.stringify(TRACER_PACKAGE)});`,
        resolveDir: projectRoot,
        loader: 'js',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      minify: true,
      keepNames: true,
      write: false,
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    if (!output) throw new Error(`esbuild wrote nothing for ${TRACER_PACKAGE}`);
    // Written whole, then renamed: two syntheses at once never read half a file.
    const partial = `${cached}.${process.pid}`;
    writeFileSync(partial, output.contents);
    renameSync(partial, cached);
  }
  const packageDir = join(outputDir, 'node_modules', ...TRACER_PACKAGE.split('/'));
  mkdirSync(packageDir, { recursive: true });
  copyFileSync(cached, join(packageDir, MODULE_FILE));
  writeFileSync(
    join(packageDir, 'package.json'),
    `${JSON.stringify({ name: TRACER_PACKAGE, main: MODULE_FILE, private: true })}\n`,
  );
  return join(packageDir, MODULE_FILE);
};

const [outputDir, projectRoot] = process.argv.slice(2);
if (outputDir && projectRoot) await writeTracerModule(outputDir, projectRoot);
