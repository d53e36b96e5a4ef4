import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DIGEST_FILE,
  forgetAssembly,
  recordAssembly,
  reusableAssembly,
  synthInputsDigest,
} from '../../../local/start/digest';

const SYNTH_ARGS = ['synth', '-q'];

const write = (root: string, path: string, content: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
};

/** A project with one file of each kind the synthesis reads, and some it does not. */
const aProject = () => {
  const root = mkdtempSync(join(tmpdir(), 'relayflow-digest-'));
  write(root, 'bin/relayflow.ts', 'app');
  write(root, 'bin/local.ts', 'runtime entry');
  write(root, 'lib/relayflow-stack.ts', 'stack');
  write(root, 'functions/ingest/handler.ts', 'handler');
  write(root, 'relayflow.config.ts', 'config');
  write(root, 'configs/other.json', '{}');
  write(root, 'cdk.json', '{}');
  write(root, 'package.json', '{}');
  write(root, 'package-lock.json', '{}');
  write(root, 'tsconfig.json', '{}');
  write(root, 'local/runtime.ts', 'runtime');
  write(root, 'test/a.test.ts', 'test');
  write(root, 'README.md', 'readme');
  return root;
};

describe('synthInputsDigest', () => {
  let root: string;
  const digest = (env: NodeJS.ProcessEnv = {}, synthArgs = SYNTH_ARGS) =>
    synthInputsDigest({ root, env, synthArgs });

  beforeEach(() => {
    root = aProject();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is the same for the same inputs', () => {
    expect(digest()).toMatch(/^[0-9a-f]{64}$/);
    expect(digest()).toBe(digest());
  });

  it.each([
    'functions/ingest/handler.ts',
    'lib/relayflow-stack.ts',
    'bin/relayflow.ts',
    'relayflow.config.ts',
    'package-lock.json',
    'package.json',
    'cdk.json',
    'tsconfig.json',
  ])('changes when %s changes', (path) => {
    const before = digest();
    write(root, path, 'changed');
    expect(digest()).not.toBe(before);
  });

  it('changes when a source file is added, renamed or removed', () => {
    const before = digest();
    write(root, 'functions/ingest/extra.ts', 'handler');
    const added = digest();
    rmSync(join(root, 'functions/ingest/extra.ts'));
    write(root, 'functions/ingest/renamed.ts', 'handler');
    const renamed = digest();
    rmSync(join(root, 'functions/ingest/renamed.ts'));
    expect(new Set([before, added, renamed]).size).toBe(3);
    expect(digest()).toBe(before);
  });

  it('changes when cdk.context.json appears', () => {
    const before = digest();
    write(root, 'cdk.context.json', '{}');
    expect(digest()).not.toBe(before);
  });

  it.each(['bin/local.ts', 'local/runtime.ts', 'test/a.test.ts', 'README.md'])(
    'ignores %s, which synthesis does not read',
    (path) => {
      const before = digest();
      write(root, path, 'changed');
      expect(digest()).toBe(before);
    },
  );

  it('follows RELAYFLOW_CONFIG: its value, and the content of the file it names', () => {
    const env = { RELAYFLOW_CONFIG: 'configs/other.json' };
    const before = digest(env);
    expect(before).not.toBe(digest());
    write(root, 'relayflow.config.ts', 'not the configuration in use');
    expect(digest(env)).toBe(before);
    write(root, 'configs/other.json', '{"stackName":"Other"}');
    expect(digest(env)).not.toBe(before);
  });

  it('changes with the account and region the CDK CLI hands the app, and with the synth arguments', () => {
    const before = digest();
    expect(digest({ AWS_REGION: 'eu-west-1' })).not.toBe(before);
    expect(digest({ CDK_DEFAULT_ACCOUNT: '123456789012' })).not.toBe(before);
    expect(digest({ AWS_PROFILE: 'dev' })).not.toBe(before);
    expect(digest({ AWS_REGION: '' })).not.toBe(before);
    expect(digest({}, [...SYNTH_ARGS, '-c', 'stage=dev'])).not.toBe(before);
    expect(digest({ PORT: '4000', HOME: '/elsewhere' })).toBe(before);
  });
});

describe('reusableAssembly', () => {
  let assembly: string;

  beforeEach(() => {
    assembly = mkdtempSync(join(tmpdir(), 'relayflow-assembly-'));
    write(assembly, 'manifest.json', '{"artifacts":{}}');
    write(assembly, 'RelayFlow.template.json', '{"Resources":{}}');
  });
  afterEach(() => rmSync(assembly, { recursive: true, force: true }));

  it('is the recorded assembly when the inputs digest matches', () => {
    const synthesizedAt = new Date('2026-01-02T03:04:05Z');
    recordAssembly(assembly, 'a'.repeat(64), synthesizedAt);
    expect(reusableAssembly(assembly, 'a'.repeat(64))).toEqual({ synthesizedAt });
  });

  it('is undefined when the inputs changed', () => {
    recordAssembly(assembly, 'a'.repeat(64));
    expect(reusableAssembly(assembly, 'b'.repeat(64))).toBeUndefined();
  });

  it('is undefined when nothing was recorded, or the record was forgotten before a synthesis', () => {
    expect(reusableAssembly(assembly, 'a'.repeat(64))).toBeUndefined();
    recordAssembly(assembly, 'a'.repeat(64));
    forgetAssembly(assembly);
    expect(reusableAssembly(assembly, 'a'.repeat(64))).toBeUndefined();
  });

  it('is undefined when the assembly was rewritten since (another synth into cdk.out)', () => {
    recordAssembly(assembly, 'a'.repeat(64));
    write(assembly, 'RelayFlow.template.json', '{"Resources":{"Other":{}}}');
    expect(reusableAssembly(assembly, 'a'.repeat(64))).toBeUndefined();
  });

  it('is undefined without a manifest, or with a record that is not ours', () => {
    recordAssembly(assembly, 'a'.repeat(64));
    write(assembly, DIGEST_FILE, 'not json');
    expect(reusableAssembly(assembly, 'a'.repeat(64))).toBeUndefined();
    recordAssembly(assembly, 'a'.repeat(64));
    rmSync(join(assembly, 'manifest.json'));
    expect(reusableAssembly(assembly, 'a'.repeat(64))).toBeUndefined();
    expect(reusableAssembly(join(assembly, 'missing'), 'a'.repeat(64))).toBeUndefined();
  });
});
