// @ts-check
/**
 * Rewrites a function bundle's source map to map only RelayFlow's own sources, without `names`.
 *
 * Node.js (`--enable-source-maps`) reads and parses a bundle's whole map as the module loads. The
 * map esbuild writes covers every bundled package (about 180,000 segments and 20,000 names for a
 * verifier, 1.4 MB), and parsing it was a tenth of a verifier's init CPU; the mappings into our
 * own sources are 6% of it. Stack traces keep what an operator reads: our frames at their source
 * line, every frame's function name (esbuild's `keepNames` sets it on the function, and V8 prints
 * that), a library's frames at their place in the bundle. Decision 0061.
 *
 * Run by `RelayFlowFunction` after esbuild (`node own-source-map.mjs <map file>`): a plain module,
 * because it runs once per function at every synthesis and TypeScript's loader would cost more
 * than the rewrite.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** @type {typeof import('@jridgewell/sourcemap-codec')} */
const { decode, encode } = require('@jridgewell/sourcemap-codec');

/**
 * @param {{ sources: string[]; names?: string[]; mappings: string }} map
 * @returns {typeof map}
 */
export const ownSourceMap = (map) => {
  const own = map.sources.map((source) => !/(^|\/)node_modules\//.test(source));
  const lines = decode(map.mappings).map((segments) =>
    segments.flatMap((segment) =>
      segment.length >= 4 && own[segment[1]]
        ? [/** @type {[number, number, number, number]} */ (segment.slice(0, 4))]
        : [],
    ),
  );
  return { ...map, names: [], mappings: encode(lines) };
};

const file = process.argv[2];
if (file) writeFileSync(file, JSON.stringify(ownSourceMap(JSON.parse(readFileSync(file, 'utf8')))));
