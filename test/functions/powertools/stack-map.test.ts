import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleStackMapper, functionStackMapper } from '#shared/powertools/stack-map';

const OWN_SOURCE_MAP = resolve(__dirname, '..', '..', '..', 'lib', 'bundling', 'own-source-map.mjs');

/** Bundles a module as RelayFlowFunction does (minified, names kept, its map rewritten) and returns the stack it throws. */
const bundledStack = async (root: string): Promise<{ bundle: string; stack: string }> => {
  mkdirSync(join(root, 'functions'));
  mkdirSync(join(root, 'node_modules', 'callback-lib'), { recursive: true });
  writeFileSync(
    join(root, 'node_modules', 'callback-lib', 'index.js'),
    'export function callBack(fn) {\n  return fn();\n}\n',
  );
  // Bundled ahead of the library, so that the library's code follows some of ours on its line.
  writeFileSync(join(root, 'functions', 'first.ts'), "export const first = (): string => 'first';\n");
  writeFileSync(
    join(root, 'functions', 'fail.ts'),
    [
      "import { first } from './first';",
      "import { callBack } from 'callback-lib';",
      'export function failDeep(reason: string): never {',
      '  throw new Error(`boom: ${reason}`);',
      '}',
      'export function handler(): void {',
      '  callBack(() => failDeep(first()));',
      '}',
      '',
    ].join('\n'),
  );
  const bundle = join(root, 'out', 'index.mjs');
  await build({
    entryPoints: [join(root, 'functions', 'fail.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'silent',
  });
  execFileSync(process.execPath, [OWN_SOURCE_MAP, `${bundle}.map`, root]);
  const stack = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(`file://${bundle}`)}); try { m.handler(); } catch (e) { process.stdout.write(e.stack); }`,
    ],
    { encoding: 'utf8' },
  );
  return { bundle, stack };
};

describe('stack traces of a bundled function', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stack-map-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('name our frames by function and source line once mapped, and leave the other frames as they are', async () => {
    const { bundle, stack } = await bundledStack(root);
    expect(stack).toContain(`at failDeep (file://${bundle}:`);

    const mapped = bundleStackMapper(bundle)(stack).split('\n');

    expect(mapped[0]).toBe('Error: boom: first');
    expect(mapped[1]).toMatch(/^\s+at failDeep \(functions\/fail\.ts:4:9\)$/);
    expect(mapped[2]).toMatch(/^\s+at functions\/fail\.ts:7:18$/);
    // The library's frame keeps its place in the bundle: no source line of ours is made up for it.
    expect(mapped[3]).toMatch(new RegExp(`^\\s+at callBack \\(file://${bundle}:\\d+:\\d+\\)$`));
    expect(mapped[4]).toMatch(/^\s+at (Module\.)?handler \(functions\/fail\.ts:7:3\)$/);
    const outside = stack.split('\n').filter((line) => !line.includes(bundle));
    expect(mapped.slice(5)).toEqual(outside.slice(1));
  });

  it('stay as they are without a map, or for another bundle than the function’s', async () => {
    const { bundle, stack } = await bundledStack(root);

    expect(bundleStackMapper(join(root, 'elsewhere', 'index.mjs'))(stack)).toBe(stack);
    rmSync(`${bundle}.map`);
    expect(bundleStackMapper(bundle)(stack)).toBe(stack);
  });

  it('are mapped from the bundle in Lambda’s task root, and not at all outside Lambda', () => {
    const stack = 'Error: x\n    at readEnvironment (file:///var/task/index.mjs:61:31239)';

    expect(functionStackMapper({})(stack)).toBe(stack);
    expect(functionStackMapper({ LAMBDA_TASK_ROOT: '/var/task' })(stack)).toBe(stack);
  });
});
