import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BESIDE_MODULE_EXPORTS,
  PROJECT_ROOT,
  RelayFlowFunction,
} from '../../lib/constructs/relayflow-function';

const TRACE_ROOT = '1-67a0b1c2-0123456789abcdef01234567';
const SAMPLED = `Root=${TRACE_ROOT};Parent=0123456789abcdef;Sampled=1`;
const NOT_SAMPLED = `Root=${TRACE_ROOT};Parent=0123456789abcdef;Sampled=0`;

const RARE = ['@aws-sdk/client-s3', 'jsonata', '@aws-sdk/client-sesv2', '@jridgewell/trace-mapping'];

interface Answer {
  readonly traceId?: string;
  readonly tracerLoaded: boolean;
  readonly loadedBefore: readonly string[];
  readonly loadedAfter: readonly string[];
  readonly rare?: {
    readonly resolvedFrom: readonly string[];
    readonly bucket?: string;
    readonly region: string;
    readonly transformed: unknown;
    readonly sesRegion: string;
    readonly mappedStack: string;
  };
}

/** Synthesizes one function as the stack does (bundled by the local esbuild) and returns its asset's directory. */
const bundledFunction = (outdir: string, tracing: boolean): string => {
  const app = new App({ outdir });
  const stack = new Stack(app, 'BesideModules');
  const fn = new RelayFlowFunction(stack, 'RarelyNeeded', {
    entry: 'test/lib/fixtures/rarely-needed.ts',
    description: 'reads its trace and loads the rarely needed packages when asked',
    serviceName: 'beside-modules-test',
    logRetention: RetentionDays.ONE_DAY,
    logLevel: 'INFO',
    removalPolicy: RemovalPolicy.DESTROY,
    tracing,
  });
  const assembly = app.synth();
  const code = stack.resolve((fn.node.defaultChild as CfnFunction).code) as { s3Key: string };
  return join(assembly.directory, `asset.${code.s3Key.replace(/\.zip$/, '')}`);
};

/** Imports the bundle in a fresh Node.js process, as Lambda would, and runs one invocation. */
const invoke = (assetDir: string, env: Record<string, string>, event: object = {}): Answer =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(`file://${join(assetDir, 'index.mjs')}`)}); process.stdout.write(JSON.stringify(await m.handler(${JSON.stringify(event)})));`,
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
          AWS_LAMBDA_FUNCTION_NAME: 'rarely-needed',
          LAMBDA_TASK_ROOT: assetDir,
          // No X-Ray daemon here: the SDK would otherwise log that it cannot send the segment.
          AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
          ...env,
        },
      },
    ),
  ) as Answer;

const bundledInputs = (assetDir: string): string[] => {
  const meta = JSON.parse(readFileSync(join(assetDir, 'index.meta.json'), 'utf8')) as {
    inputs: Record<string, unknown>;
  };
  return Object.keys(meta.inputs);
};

const besideModule = (assetDir: string, name: string) => join(assetDir, 'node_modules', name, 'index.cjs');

describe('packages written beside the bundle (decision 0064)', () => {
  let outdir: string;
  let traced: string;
  let untraced: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'beside-modules-'));
    traced = bundledFunction(join(outdir, 'traced'), true);
    untraced = bundledFunction(join(outdir, 'untraced'), false);
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('leaves the Tracer, the X-Ray SDK, S3, jsonata, SES and the map reader out of the bundle, and writes them beside it', () => {
    const inputs = bundledInputs(traced);
    expect(inputs.some((input) => input.includes('functions/powertools/index.ts'))).toBe(true);
    expect(inputs.some((input) => input.includes('functions/channels/ses/index.ts'))).toBe(true);
    expect(
      inputs.filter((input) =>
        /aws-xray-sdk|powertools\/tracer|client-s3|client-sesv2|jsonata|trace-mapping/.test(input),
      ),
    ).toEqual([]);
    expect(readFileSync(join(traced, 'index.mjs'), 'utf8')).not.toContain('cls-hooked');
    expect(readFileSync(besideModule(traced, '@aws-lambda-powertools/tracer'), 'utf8')).toContain(
      'cls-hooked',
    );
    expect(readFileSync(besideModule(traced, '@aws-sdk/client-s3'), 'utf8')).toContain('PutObjectCommand');
    expect(readFileSync(besideModule(traced, '@aws-sdk/client-sesv2'), 'utf8')).toContain('SendEmailCommand');
  });

  it("loads the Tracer on a sampled invocation, and reads that invocation's trace", () => {
    const sampled = invoke(traced, { _X_AMZN_TRACE_ID: SAMPLED });

    expect(sampled).toMatchObject({ traceId: TRACE_ROOT, tracerLoaded: true });
  });

  it('answers an invocation that is not sampled without loading the Tracer', () => {
    const unsampled = invoke(traced, { _X_AMZN_TRACE_ID: NOT_SAMPLED });

    expect(unsampled).toEqual({ tracerLoaded: false, loadedBefore: [], loadedAfter: [] });
  });

  it('loads S3, jsonata, SES and the map reader from beside the bundle only when needed, and they work', () => {
    const answer = invoke(traced, { _X_AMZN_TRACE_ID: NOT_SAMPLED }, { loadRare: true });

    expect(answer.loadedBefore).toEqual([]);
    expect(answer.loadedAfter).toEqual(RARE);
    expect(answer.rare).toMatchObject({
      resolvedFrom: RARE.map((name) => besideModule(traced, name)),
      bucket: 'raw-bodies',
      region: 'us-east-1',
      transformed: { kind: 'payment.succeeded' },
      sesRegion: 'us-east-1',
    });
    // The stack names the fixture's source line, read through the map by the module beside the bundle.
    expect(answer.rare?.mappedStack).toMatch(/handler \(test\/lib\/fixtures\/rarely-needed\.ts:\d+:\d+\)/);
  });

  it('writes no Tracer where tracing is switched off, and still the others', () => {
    expect(existsSync(besideModule(untraced, '@aws-lambda-powertools/tracer'))).toBe(false);
    for (const name of RARE) expect(existsSync(besideModule(untraced, name))).toBe(true);
    const answer = invoke(
      untraced,
      { POWERTOOLS_TRACE_ENABLED: 'false', _X_AMZN_TRACE_ID: SAMPLED },
      { loadRare: true },
    );
    expect(answer).toMatchObject({ tracerLoaded: false, loadedAfter: RARE, rare: { bucket: 'raw-bodies' } });
    expect(answer.traceId).toBeUndefined();
  });
});

/**
 * What the functions take from each package written beside the bundles, read off their source:
 * the names destructured from its `require`, or read off the variable it is assigned to (a
 * package used whole, as jsonata is, takes no names).
 */
const namesTakenFromBeside = (): Map<string, Set<string>> => {
  const taken = new Map<string, Set<string>>();
  const dir = join(PROJECT_ROOT, 'functions');
  for (const path of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!path.endsWith('.ts')) continue;
    const source = readFileSync(join(dir, path), 'utf8');
    for (const [, name = ''] of source.matchAll(/require\('([^']+)'\)/g))
      if (name in BESIDE_MODULE_EXPORTS && !taken.has(name)) taken.set(name, new Set());
    for (const match of source.matchAll(/(?:const|let)\s+(\{[^}]*\}|\w+)\s*=\s*require\('([^']+)'\)/g)) {
      const [, binding = '', name = ''] = match;
      if (!(name in BESIDE_MODULE_EXPORTS)) continue;
      const names = taken.get(name) ?? new Set<string>();
      taken.set(name, names);
      if (binding.startsWith('{')) {
        for (const part of binding.slice(1, -1).split(',')) names.add(part.split(':')[0]?.trim() ?? '');
      } else {
        for (const use of source.matchAll(new RegExp(`\\b${binding}\\.(\\w+)`, 'g'))) names.add(use[1] ?? '');
      }
    }
  }
  return taken;
};

describe('the exports kept in each module beside the bundles', () => {
  it('cover every name the functions take from it, so that no call fails only in Lambda', () => {
    const taken = namesTakenFromBeside();

    expect([...taken.keys()].sort()).toEqual(Object.keys(BESIDE_MODULE_EXPORTS).sort());
    for (const [name, names] of taken) {
      const kept = BESIDE_MODULE_EXPORTS[name] ?? [];
      if (kept.includes('*')) continue;
      expect({ name, missing: [...names].filter((taken) => !kept.includes(taken)) }).toEqual({
        name,
        missing: [],
      });
    }
  });
});
