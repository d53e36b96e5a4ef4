import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build, type BuildOptions, type BuildResult } from 'esbuild';
import { z } from 'zod';

/**
 * Bundles the operator CLI into cli/dist/relayflow.cjs, the file package.json `bin` names, so that
 * `npx relayflow` runs on plain Node after `npm ci --omit=dev` (tsx and esbuild are dev
 * dependencies). The bundle is committed; test/cli/bundle.test.ts fails when it is stale.
 * Run: npm run build:cli
 */

export const ROOT = resolve(__dirname, '..');
export const ENTRY = 'bin/relayflow-cli.ts';
export const BUNDLE = 'cli/dist/relayflow.cjs';

const PackageJsonSchema = z.object({
  dependencies: z.record(z.string(), z.string()).default({}),
  devDependencies: z.record(z.string(), z.string()).default({}),
});

export const packageJson = PackageJsonSchema.parse(
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')),
);

const packageTypeOf = (file: string): string | undefined => {
  for (let folder = dirname(file); dirname(folder) !== folder; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest))
      return z.object({ type: z.string().optional() }).parse(JSON.parse(readFileSync(manifest, 'utf8'))).type;
  }
  return undefined;
};

/**
 * Whether `require(name)` loads CommonJS. An ESM-only package loads through require
 * only from Node 20.19 on, and one whose exports offer only `import` not at all: those are bundled.
 */
export const loadsWithRequire = (name: string): boolean => {
  let file: string;
  try {
    file = createRequire(join(ROOT, 'package.json')).resolve(name);
  } catch {
    return false;
  }
  if (file.endsWith('.cjs')) return true;
  if (file.endsWith('.mjs')) return false;
  return packageTypeOf(file) !== 'module';
};

/**
 * Our code (cli/, the functions/ and lib/ modules it imports) is bundled; dependencies stay
 * `require`s of node_modules, so the committed file stays small and readable. Not minified, no
 * source map: each module keeps its path in a comment, and the CLI prints sentences, not stacks.
 */
export const committedBundleOptions = (
  entry: string,
  outfile: string,
  generatedBy: string,
): BuildOptions & { metafile: true } => ({
  absWorkingDir: ROOT,
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: Object.keys(packageJson.dependencies)
    .filter(loadsWithRequire)
    .flatMap((name) => [name, `${name}/*`]),
  banner: { js: `// Generated from ${generatedBy}; do not edit.` },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

export const bundleOptions = (): BuildOptions & { metafile: true } => ({
  ...committedBundleOptions(ENTRY, BUNDLE, `${ENTRY} and cli/ by npm run build:cli`),
  // lib/config requires the configuration file by its path at run time, on purpose.
  logOverride: { 'unsupported-require-call': 'silent' },
});

export const bundleCli = (write: boolean): Promise<BuildResult<BuildOptions & { metafile: true }>> =>
  build({ ...bundleOptions(), write });

if (require.main === module) {
  bundleCli(true).then(
    (result) => {
      chmodSync(join(ROOT, BUNDLE), 0o755);
      const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
      process.stdout.write(`${BUNDLE}: ${(bytes / 1024).toFixed(0)} KiB\n`);
    },
    (error: unknown) => {
      process.stderr.write(`build:cli failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
