import { decode, encode } from '@jridgewell/sourcemap-codec';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '..', '..', 'lib', 'bundling', 'own-source-map.mjs');

describe('the bundle source map rewrite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'own-map-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the mappings into our own sources, drops the packages’ and every name', () => {
    const sources = [
      '../../node_modules/@smithy/core/dist-es/index.js',
      '../../functions/env.ts',
      '../../node_modules/zod/v4/core/core.js',
      '../../functions/ingest/handler.ts',
    ];
    const mappings = encode([
      [
        [0, 0, 0, 0, 0],
        [10, 1, 65, 10, 0],
        [20, 2, 3, 4],
      ],
      [[0], [5, 3, 22, 4, 1], [40, 0, 9, 9]],
    ]);
    const file = join(dir, 'index.mjs.map');
    writeFileSync(
      file,
      JSON.stringify({ version: 3, sources, names: ['send', 'readEnvironment'], mappings, sourceRoot: '' }),
    );

    execFileSync(process.execPath, [SCRIPT, file]);

    const rewritten = JSON.parse(readFileSync(file, 'utf8')) as {
      sources: string[];
      names: string[];
      mappings: string;
    };
    expect(rewritten.sources).toEqual(sources);
    expect(rewritten.names).toEqual([]);
    expect(decode(rewritten.mappings)).toEqual([[[10, 1, 65, 10]], [[5, 3, 22, 4]]]);
  });
});
