import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FunctionConfig } from '../../../local/lambda';

/** A scratch directory for test bundles, removed by `cleanup()`. */
export function aBundleRoot(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'relayflow-lambda-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `<root>/<name>/index.mjs` with the given ESM source and returns the bundle directory. */
export function writeBundle(root: string, name: string, source: string, file = 'index.mjs'): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, file), source);
  return dir;
}

/** A function config for a bundle, with Lambda's console defaults and overridable fields. */
export function aFunctionConfig(
  name: string,
  bundleDir: string,
  overrides: Partial<FunctionConfig> = {},
): FunctionConfig {
  return {
    functionName: name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    bundleDir,
    handler: 'index.handler',
    environment: {},
    timeoutSeconds: 3,
    memoryMb: 128,
    ...overrides,
  };
}
