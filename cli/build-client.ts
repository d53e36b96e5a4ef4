import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type BuildResult } from 'esbuild';
import ts from 'typescript';
import { committedBundleOptions, ROOT } from './build';

/**
 * Builds publishEvents(), the package's export for application code, beside the CLI's bundle:
 * cli/dist/publish-events.cjs and its declarations, cli/dist/publish-events.d.ts (package.json
 * `exports`). Like the CLI, it must run on plain Node without tsx or a TypeScript build of the
 * caller's: CommonJS loads through `require` and `import` alike (esbuild marks its named exports
 * for Node's ESM loader), and dependencies stay `require`s of the packages RelayFlow declares.
 * Both files are committed; test/cli/publish-events-bundle.test.ts fails when they are stale.
 * Run: npm run build:client
 */

export const CLIENT_ENTRY = 'functions/producer/client.ts';
export const CLIENT_BUNDLE = 'cli/dist/publish-events.cjs';
export const CLIENT_DECLARATIONS = 'cli/dist/publish-events.d.ts';

export const clientBundleOptions = (): BuildOptions & { metafile: true } =>
  committedBundleOptions(CLIENT_ENTRY, CLIENT_BUNDLE, `${CLIENT_ENTRY} by npm run build:client`);

export const bundleClient = (write: boolean): Promise<BuildResult<BuildOptions & { metafile: true }>> =>
  build({ ...clientBundleOptions(), write });

/**
 * The entry's declarations, made from that file alone (TypeScript's isolated declarations): its
 * public types are written out in it, so nothing it imports is needed to read them.
 * @throws when the entry's exports need inference from another file to be declared
 */
export const clientDeclarations = (): string => {
  const source = readFileSync(join(ROOT, CLIENT_ENTRY), 'utf8');
  const { outputText, diagnostics = [] } = ts.transpileDeclaration(source, {
    fileName: CLIENT_ENTRY,
    compilerOptions: { isolatedDeclarations: true, strict: true, target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: true,
  });
  if (diagnostics.length > 0)
    throw new Error(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  return `// Generated from ${CLIENT_ENTRY} by npm run build:client; do not edit.\n${outputText}`;
};

if (require.main === module) {
  bundleClient(true).then(
    (result) => {
      writeFileSync(join(ROOT, CLIENT_DECLARATIONS), clientDeclarations());
      const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
      process.stdout.write(`${CLIENT_BUNDLE}: ${(bytes / 1024).toFixed(0)} KiB, ${CLIENT_DECLARATIONS}\n`);
    },
    (error: unknown) => {
      process.stderr.write(
        `build:client failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
