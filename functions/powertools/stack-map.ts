import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TraceMapping from '@jridgewell/trace-mapping';

/** Maps a stack trace's places in the function's bundle to our sources where it can. */
export type StackMapper = (stack: string) => string;

/** A frame's place in a bundle: `file:///var/task/index.mjs:61:31239`, or the path alone. */
const BUNDLE_PLACE = /(?:file:\/\/)?(\/[^\s()]+\.mjs):(\d+):(\d+)/g;

/**
 * A stack mapper for the bundle `bundleFile`, through the source map beside it (`<bundle>.map`),
 * read and parsed when the first error is logged, not at init. Node.js's `--enable-source-maps`
 * did this for every trace, but cost every cold start ~8 ms even with an empty map (decision
 * 0061). A place in our own code becomes its source line (`functions/env.ts:66:11`); a library's
 * place stays where it is in the bundle, as does every place when there is no map to read.
 */
export const bundleStackMapper = (bundleFile: string): StackMapper => {
  let mapping:
    { readonly trace: typeof TraceMapping; readonly map: TraceMapping.TraceMap } | null | undefined;
  const mapped = () => {
    if (mapping !== undefined) return mapping;
    try {
      // Loaded with the map, on the first error: neither is needed to run.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const trace = require('@jridgewell/trace-mapping') as typeof TraceMapping;
      mapping = { trace, map: new trace.TraceMap(readFileSync(`${bundleFile}.map`, 'utf8')) };
    } catch {
      mapping = null;
    }
    return mapping;
  };
  return (stack) =>
    stack.replace(BUNDLE_PLACE, (place, file: string, line: string, column: string) => {
      if (file !== bundleFile) return place;
      const found = mapped();
      if (!found) return place;
      // V8 counts columns from 1, source maps from 0.
      const original = found.trace.originalPositionFor(found.map, {
        line: Number(line),
        column: Number(column) - 1,
      });
      return original.source === null ? place : `${original.source}:${original.line}:${original.column + 1}`;
    });
};

/** The mapper of the running function: Lambda's task root holds its `index.mjs`. No map, no change. */
export const functionStackMapper = (env: NodeJS.ProcessEnv): StackMapper =>
  env.LAMBDA_TASK_ROOT ? bundleStackMapper(join(env.LAMBDA_TASK_ROOT, 'index.mjs')) : (stack) => stack;
