// @ts-check
/**
 * Writes packages that a function rarely needs as modules of their own beside its bundle:
 * `node_modules/<package>/index.cjs` in the asset (decision 0064).
 *
 * The function bundle leaves each of them out (an external module) and `require`s it only where
 * it is needed: Powertools' Tracer with the X-Ray SDK on a container's first sampled invocation,
 * the S3 client on the first body too large for a table item, and so on. Inside the bundle, V8
 * still had to read code it never ran at every cold start; beside it, a container that never
 * needs it never reads it. The bundle's `require` (its banner's `createRequire(import.meta.url)`)
 * finds each module by Node.js's own resolution, from `index.mjs` to the asset's `node_modules`.
 *
 * Run by `RelayFlowFunction` after esbuild:
 *   node beside-modules.mjs <output dir> <project root> <package>=<export>,<export> ...
 * Only the packages the bundle imports (its metafile says which) are written, each with only the
 * exports named (`*`: the package's exports as `require` gives them). A plain module, for the
 * reason own-source-map.mjs gives. Each module is built once into a cache keyed by what it is
 * built from (the lock file, esbuild's version, this script and the exports), so a synthesis of
 * many functions builds it once and copies it.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODULE_FILE = 'index.cjs';

/**
 * The external packages the bundle imports, from esbuild's metafile beside it.
 * @param {string} outputDir
 * @returns {Set<string>}
 */
const importedPackages = (outputDir) => {
  /** @type {{ outputs: Record<string, { imports?: { path: string; external?: boolean }[] }> }} */
  const meta = JSON.parse(readFileSync(join(outputDir, 'index.meta.json'), 'utf8'));
  const imported = new Set();
  for (const output of Object.values(meta.outputs))
    for (const entry of output.imports ?? []) if (entry.external) imported.add(entry.path);
  return imported;
};

/**
 * Builds (or finds in the cache) one package's module with the exports named.
 * @param {string} projectRoot
 * @param {string} name
 * @param {readonly string[]} exports
 * @returns {Promise<string>} the cached module's path
 */
const builtModule = async (projectRoot, name, exports) => {
  const require = createRequire(join(projectRoot, 'package.json'));
  /** @type {typeof import('esbuild')} */
  const esbuild = require('esbuild');
  const entry =
    exports.length === 1 && exports[0] === '*'
      ? `module.exports = require(${JSON.stringify(name)});`
      : `export { ${exports.join(', ')} } from ${JSON.stringify(name)};`;
  const key = createHash('sha256')
    .update(readFileSync(join(projectRoot, 'package-lock.json')))
    .update(esbuild.version)
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(entry)
    .digest('hex')
    .slice(0, 16);
  const cached = join(tmpdir(), `relayflow-beside-${key}.cjs`);
  if (existsSync(cached)) return cached;
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: projectRoot, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    // As the function bundles do: ES modules where a package has them, so that only the exports
    // named are kept.
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild wrote nothing for ${name}`);
  // Written whole, then renamed: two syntheses at once never read half a file.
  const partial = `${cached}.${process.pid}`;
  writeFileSync(partial, output.contents);
  renameSync(partial, cached);
  return cached;
};

/**
 * Writes each package the bundle imports into the asset's `node_modules`.
 * @param {string} outputDir the function's bundle directory
 * @param {string} projectRoot where the packages are installed
 * @param {Readonly<Record<string, readonly string[]>>} modules exports to keep, by package
 */
const writeBesideModules = async (outputDir, projectRoot, modules) => {
  const imported = importedPackages(outputDir);
  for (const [name, exports] of Object.entries(modules)) {
    if (!imported.has(name)) continue;
    const cached = await builtModule(projectRoot, name, exports);
    const packageDir = join(outputDir, 'node_modules', ...name.split('/'));
    mkdirSync(packageDir, { recursive: true });
    copyFileSync(cached, join(packageDir, MODULE_FILE));
    writeFileSync(
      join(packageDir, 'package.json'),
      `${JSON.stringify({ name, main: MODULE_FILE, private: true })}\n`,
    );
  }
};

const [outputDir, projectRoot, ...specs] = process.argv.slice(2);
if (outputDir && projectRoot) {
  /** @type {Record<string, string[]>} */
  const modules = {};
  for (const spec of specs) {
    const [name = '', exports = ''] = spec.split('=');
    modules[name] = exports.split(',').filter(Boolean);
  }
  await writeBesideModules(outputDir, projectRoot, modules);
}
