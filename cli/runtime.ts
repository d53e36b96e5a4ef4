import { existsSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
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

/** `./lib/config`, `../lib/config.ts`, `relayflow/lib/config`: how a configuration names RelayFlow's. */
const CONFIG_MODULE = /(?:^|[\\/])lib[\\/]config(?:\.[cm]?[jt]s)?$/;

type ResolveFilename = (
  request: string,
  parent: { filename?: string | null } | undefined,
  ...rest: unknown[]
) => string;

/**
 * Runs `load` with the configuration's import of RelayFlow's lib/config (for defineConfig)
 * answered by the copy this CLI carries. Resolved from the configuration's folder, that import
 * fails wherever lib/ is not beside it: a configuration kept elsewhere, or an install of the
 * bundle alone (package.json `files`). Imports from node_modules are left alone.
 */
const withOwnConfigModule = <T>(exports: object, load: () => T): T => {
  const loader = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = loader._resolveFilename;
  // A cache key that no file on disk can have.
  const id = '\0relayflow:lib/config';
  const own = new Module(id);
  Object.assign(own, { filename: id, loaded: true, exports });
  require.cache[id] = own;
  loader._resolveFilename = function (this: unknown, request, parent, ...rest) {
    const fromDependency = parent?.filename?.includes(`${sep}node_modules${sep}`) ?? false;
    return CONFIG_MODULE.test(request) && !fromDependency
      ? id
      : original.call(this, request, parent, ...rest);
  };
  try {
    return load();
  } finally {
    loader._resolveFilename = original;
    delete require.cache[id];
  }
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
  const configModule = await import('../lib/config');
  const { ConfigError, loadConfig } = configModule;
  try {
    return withOwnConfigModule(configModule, () => loadConfig(process.env, cwd));
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
