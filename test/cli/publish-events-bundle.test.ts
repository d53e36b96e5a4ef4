import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { packageJson, ROOT } from '../../cli/build';
import { bundleClient, CLIENT_BUNDLE, CLIENT_DECLARATIONS, clientDeclarations } from '../../cli/build-client';

/** Runs `source` in a plain Node process in the project (no tsx, no Jest): as an application would. */
const node = (args: readonly string[], source: string) =>
  spawnSync(process.execPath, [...args, source], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

describe('publishEvents, as the package exports it (cli/dist/publish-events.*)', () => {
  it('is what npm run build:client builds from the sources today', async () => {
    const rebuilt = (await bundleClient(false)).outputFiles?.[0]?.text;

    expect({
      bundle: rebuilt === readFileSync(join(ROOT, CLIENT_BUNDLE), 'utf8'),
      declarations: clientDeclarations() === readFileSync(join(ROOT, CLIENT_DECLARATIONS), 'utf8'),
      fix: 'npm run build:client',
    }).toEqual({ bundle: true, declarations: true, fix: 'npm run build:client' });
  });

  it('requires only packages RelayFlow declares, and bundles none', async () => {
    const { metafile } = await bundleClient(false);
    const inputs = Object.entries(metafile.inputs);
    const required = inputs.flatMap(([, input]) =>
      input.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path),
    );

    expect(inputs.filter(([file]) => file.startsWith('node_modules/'))).toEqual([]);
    expect(required.filter((name) => !(name in packageJson.dependencies))).toEqual([]);
  });

  it('loads on plain Node through require and import, by the package name', () => {
    const required = node(
      ['-e'],
      "const m = require('relayflow'); console.log(typeof m.publishEvents, typeof m.PublishError);",
    );
    const imported = node(
      ['--input-type=module', '-e'],
      "import { publishEvents, PublishError } from 'relayflow'; console.log(typeof publishEvents, typeof PublishError);",
    );

    expect([required.stderr, required.stdout]).toEqual(['', 'function function\n']);
    expect([imported.stderr, imported.stdout]).toEqual(['', 'function function\n']);
  });
});
