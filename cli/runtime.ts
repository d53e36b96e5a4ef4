import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { RelayFlowConfig } from '../lib/config';
import { CliError } from './environment';

/**
 * The folder holding RelayFlow's package.json, found upward from `from` (else `from` itself): the
 * entry point runs as bin/relayflow-cli.ts (npm run relayflow) and as its bundle
 * cli/dist/relayflow.cjs (npx relayflow).
 */
export const findPackageRoot = (from: string): string => {
  for (let folder = resolve(from); ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) return resolve(from);
  }
};

/**
 * Makes `require` read TypeScript, with tsx found in the working directory's project or in
 * RelayFlow's own. tsx is a dev dependency: without it the answer is false, and only a .json
 * configuration (RELAYFLOW_CONFIG) can be read. True at once under tsx (npm run relayflow).
 */
const canRequireTypeScript = (searchFrom: readonly string[]): boolean => {
  if ('.ts' in require.extensions) return true;
  for (const folder of searchFrom) {
    const load = createRequire(join(folder, 'package.json'));
    let api: string;
    try {
      api = load.resolve('tsx/cjs/api');
    } catch {
      continue;
    }
    (load(api) as { register(): () => void }).register();
    return true;
  }
  return false;
};

/**
 * relayflow.config.ts (or RELAYFLOW_CONFIG), for the senders declared there. lib/config reads a
 * .ts configuration with `require`, which Node 20 can do only through tsx.
 */
export const loadProjectConfig = async (
  projectRoot: string,
  cwd = process.cwd(),
): Promise<RelayFlowConfig> => {
  const typeScript = canRequireTypeScript([cwd, projectRoot]);
  const { ConfigError, loadConfig } = await import('../lib/config');
  try {
    return loadConfig(process.env, cwd);
  } catch (error) {
    if (
      !typeScript &&
      error instanceof ConfigError &&
      /\.[cm]?ts$/.test(error.source) &&
      error.problems.some((p) => p.startsWith('cannot be read'))
    ) {
      throw new CliError(
        `${error.source} is TypeScript, which relayflow reads only with tsx (a dev dependency): run npm ci, or point RELAYFLOW_CONFIG at a .json configuration.`,
      );
    }
    throw error;
  }
};
