import { createHash, type Hash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/**
 * What the CDK app reads, relative to the project root; a directory counts with everything in it.
 * package.json and tsconfig.json are here because esbuild reads them while bundling (the
 * `#shared/*` imports, compiler options); cdk.context.json because the CDK CLI does.
 */
export const SYNTH_SOURCES = [
  'bin/relayflow.ts',
  'lib',
  'functions',
  'cdk.json',
  'cdk.context.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
] as const;

/**
 * Variables that change what is synthesized: the configuration's path, and the account and region
 * the CDK CLI hands the app (as CDK_DEFAULT_*, derived from the AWS ones).
 */
export const SYNTH_ENV = [
  'RELAYFLOW_CONFIG',
  'CDK_DEFAULT_ACCOUNT',
  'CDK_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
] as const;

/** The file beside the assembly that records what it was synthesized from. */
export const DIGEST_FILE = '.relayflow-digest';

export interface SynthInputs {
  /** The project root, where `cdk synth` runs. */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** The arguments of `cdk synth`, context (`-c`) included. */
  readonly synthArgs: readonly string[];
}

/** Each value is framed by its length, so that no two different input sets hash alike. */
const field = (hash: Hash, name: string, value: string | Buffer) => {
  hash.update(`${name}\0${Buffer.byteLength(value)}\0`).update(value);
};

const addPath = (hash: Hash, root: string, path: string) => {
  const name = relative(root, path).split(sep).join('/');
  if (!existsSync(path)) {
    field(hash, 'absent', name);
    return;
  }
  if (!statSync(path).isDirectory()) {
    field(hash, 'path', name);
    field(hash, 'content', readFileSync(path));
    return;
  }
  for (const entry of readdirSync(path).sort()) addPath(hash, root, join(path, entry));
};

/**
 * Digest of everything `cdk synth` reads (see {@link SYNTH_SOURCES}, {@link SYNTH_ENV}) plus the
 * configuration file and the synth arguments. Equal digests mean an equal assembly.
 */
export const synthInputsDigest = ({ root, env, synthArgs }: SynthInputs): string => {
  const hash = createHash('sha256');
  for (const source of SYNTH_SOURCES) addPath(hash, root, join(root, source));
  // lib/config.ts resolves it against the working directory, which is the root when synthesizing.
  addPath(hash, root, resolve(root, env.RELAYFLOW_CONFIG ?? 'relayflow.config.ts'));
  for (const name of SYNTH_ENV)
    field(hash, 'env', `${name}${env[name] === undefined ? '' : `=${env[name]}`}`);
  field(hash, 'args', JSON.stringify(synthArgs));
  return hash.digest('hex');
};

/**
 * Digest of the assembly's own files (manifest, template, asset list). An assembly rewritten
 * since ours (`npm run synth` with another configuration) no longer matches its record.
 */
const assemblyDigest = (assemblyDir: string): string => {
  const hash = createHash('sha256');
  for (const name of readdirSync(assemblyDir).sort()) {
    const path = join(assemblyDir, name);
    if (name !== DIGEST_FILE && statSync(path).isFile()) {
      field(hash, 'path', name);
      field(hash, 'content', readFileSync(path));
    }
  }
  return hash.digest('hex');
};

interface DigestRecord {
  readonly inputs: string;
  readonly assembly: string;
  readonly synthesizedAt: string;
}

const readRecord = (assemblyDir: string): DigestRecord | undefined => {
  try {
    const record = JSON.parse(readFileSync(join(assemblyDir, DIGEST_FILE), 'utf8')) as Partial<DigestRecord>;
    return typeof record.inputs === 'string' &&
      typeof record.assembly === 'string' &&
      typeof record.synthesizedAt === 'string'
      ? (record as DigestRecord)
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The record of `assemblyDir` when it was synthesized from inputs with this digest and has not
 * been rewritten since; otherwise undefined, and the assembly must be synthesized again.
 */
export const reusableAssembly = (
  assemblyDir: string,
  inputsDigest: string,
): { readonly synthesizedAt: Date } | undefined => {
  if (!existsSync(join(assemblyDir, 'manifest.json'))) return undefined;
  const record = readRecord(assemblyDir);
  if (record?.inputs !== inputsDigest || record.assembly !== assemblyDigest(assemblyDir)) return undefined;
  return { synthesizedAt: new Date(record.synthesizedAt) };
};

/** Called before synthesizing: an interrupted synth must not leave a record that matches. */
export const forgetAssembly = (assemblyDir: string): void => {
  rmSync(join(assemblyDir, DIGEST_FILE), { force: true });
};

/** Called after a successful synth from inputs with this digest. */
export const recordAssembly = (assemblyDir: string, inputsDigest: string, now = new Date()): void => {
  const record: DigestRecord = {
    inputs: inputsDigest,
    assembly: assemblyDigest(assemblyDir),
    synthesizedAt: now.toISOString(),
  };
  writeFileSync(join(assemblyDir, DIGEST_FILE), `${JSON.stringify(record, null, 2)}\n`);
};
