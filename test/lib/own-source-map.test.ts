import { decode, encode } from '@jridgewell/sourcemap-codec';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '..', '..', 'lib', 'bundling', 'own-source-map.mjs');

describe('the bundle source map rewrite', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'own-map-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps only the mappings into our own sources, named from the project root, without names', () => {
    // esbuild names sources relative to the map, wherever the build put it.
    const out = join(root, 'cdk.out', 'bundling-temp');
    mkdirSync(out, { recursive: true });
    const sources = [
      '../../node_modules/@smithy/core/dist-es/index.js',
      '../../functions/env.ts',
      '../../node_modules/zod/v4/core/core.js',
      '../../functions/ingest/handler.ts',
      '../../../elsewhere/outside.ts',
    ];
    const mappings = encode([
      [
        [0, 0, 0, 0, 0],
        [10, 3, 65, 10, 0],
        [20, 2, 3, 4],
        [30, 4, 1, 1],
      ],
      [[0], [5, 1, 22, 4, 1], [40, 0, 9, 9]],
    ]);
    const file = join(out, 'index.mjs.map');
    writeFileSync(
      file,
      JSON.stringify({ version: 3, sources, names: ['send', 'readEnvironment'], mappings }),
    );

    execFileSync(process.execPath, [SCRIPT, file, root]);

    const rewritten = JSON.parse(readFileSync(file, 'utf8')) as {
      sources: string[];
      names: string[];
      mappings: string;
    };
    expect(rewritten.sources).toEqual(['functions/ingest/handler.ts', 'functions/env.ts']);
    expect(rewritten.names).toEqual([]);
    // Each run of a library's segments leaves one that maps to nothing, where that code starts.
    expect(decode(rewritten.mappings)).toEqual([
      [[0], [10, 0, 65, 10], [20]],
      [[0], [5, 1, 22, 4], [40]],
    ]);
  });
});
