// @ts-check
/**
 * Rewrites a function bundle's source map to map only RelayFlow's own sources, named from the
 * project root, without `names`.
 *
 * esbuild's map covers every bundled package (a verifier's: 178,000 segments, 983 sources and
 * 20,000 names in 1.4 MB); the mappings into our own sources are 6% of it. The function reads the
 * map only when it logs its first error (functions/powertools/stack-map.ts), and all it needs
 * then is our frames' source lines: a library's frames keep their place in the bundle (its code
 * is marked as mapping to nothing), and every frame's function name comes from esbuild's
 * `keepNames`. Sources are named from the project
 * root (`functions/env.ts`), not by the build machine's path, which also kept the asset's hash
 * from depending on where the project was checked out. Decision 0061.
 *
 * Run by `RelayFlowFunction` after esbuild (`node own-source-map.mjs <map file> <project root>`):
 * a plain module, because it runs once per function at every synthesis and TypeScript's loader
 * would cost more than the rewrite.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

const require = createRequire(import.meta.url);
/** @type {typeof import('@jridgewell/sourcemap-codec')} */
const { decode, encode } = require('@jridgewell/sourcemap-codec');

/**
 * @param {{ sources: string[]; names?: string[]; mappings: string; sourceRoot?: string }} map
 * @param {string} mapDir the directory the map's sources are relative to
 * @param {string} projectRoot
 */
export const ownSourceMap = (map, mapDir, projectRoot) => {
  /** @type {(string | undefined)[]} our sources named from the project root; undefined for the others */
  const named = map.sources.map((source) => {
    const path = relative(projectRoot, resolve(mapDir, map.sourceRoot ?? '', source))
      .split(sep)
      .join('/');
    return path.startsWith('../') || path.split('/').includes('node_modules') ? undefined : path;
  });
  /** @type {string[]} */
  const sources = [];
  /** @type {Map<number, number>} */
  const index = new Map();
  const lines = decode(map.mappings).map((segments) => {
    /** @type {([number] | [number, number, number, number])[]} */
    const kept = [];
    for (const segment of segments) {
      const name = segment.length >= 4 ? named[segment[1]] : undefined;
      if (name === undefined) {
        // Where a library's code starts, a segment that maps to nothing: without it, a place in
        // that code would be read as the nearest of our segments before it on the line.
        if (kept.at(-1)?.length !== 1) kept.push([segment[0]]);
        continue;
      }
      const [column, source, line, sourceColumn] = /** @type {[number, number, number, number]} */ (segment);
      let keptSource = index.get(source);
      if (keptSource === undefined) {
        keptSource = sources.push(name) - 1;
        index.set(source, keptSource);
      }
      kept.push([column, keptSource, line, sourceColumn]);
    }
    return kept;
  });
  return { version: 3, sources, names: [], mappings: encode(lines) };
};

const [file, projectRoot] = process.argv.slice(2);
if (file && projectRoot) {
  const map = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify(ownSourceMap(map, dirname(file), resolve(projectRoot))));
}
