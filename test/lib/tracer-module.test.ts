import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RelayFlowFunction } from '../../lib/constructs/relayflow-function';

const TRACE_ROOT = '1-67a0b1c2-0123456789abcdef01234567';

/** Synthesizes one function as the stack does (bundled by the local esbuild) and returns its asset's directory. */
const bundledFunction = (outdir: string, tracing: boolean): string => {
  const app = new App({ outdir });
  const stack = new Stack(app, 'TracerModule');
  const fn = new RelayFlowFunction(stack, 'Traced', {
    entry: 'test/lib/fixtures/sampled-segment.ts',
    description: 'answers with its trace',
    serviceName: 'tracer-module-test',
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
const invoke = (assetDir: string, env: Record<string, string>): string =>
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(`file://${join(assetDir, 'index.mjs')}`)}); process.stdout.write(String(await m.handler()));`,
    ],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_LAMBDA_FUNCTION_NAME: 'traced',
        LAMBDA_TASK_ROOT: assetDir,
        // No X-Ray daemon here: the SDK would otherwise log that it cannot send the segment.
        AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
        ...env,
      },
    },
  );

const bundledPackages = (assetDir: string): string[] => {
  const meta = JSON.parse(readFileSync(join(assetDir, 'index.meta.json'), 'utf8')) as {
    inputs: Record<string, unknown>;
  };
  return Object.keys(meta.inputs);
};

describe('the Tracer beside the bundle (decision 0064)', () => {
  let outdir: string;
  let traced: string;
  let untraced: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'tracer-module-'));
    traced = bundledFunction(join(outdir, 'traced'), true);
    untraced = bundledFunction(join(outdir, 'untraced'), false);
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('leaves the Tracer and the X-Ray SDK out of the bundle', () => {
    const inputs = bundledPackages(traced);
    expect(inputs.some((input) => input.includes('functions/powertools/index.ts'))).toBe(true);
    expect(inputs.filter((input) => /aws-xray-sdk|powertools\/tracer/.test(input))).toEqual([]);
    expect(readFileSync(join(traced, 'index.mjs'), 'utf8')).not.toContain('cls-hooked');
  });

  it("loads them from beside the bundle on a sampled invocation, and reads that invocation's trace", () => {
    const module = join(traced, 'node_modules', '@aws-lambda-powertools', 'tracer', 'index.cjs');
    expect(readFileSync(module, 'utf8')).toContain('cls-hooked');

    const sampled = invoke(traced, {
      _X_AMZN_TRACE_ID: `Root=${TRACE_ROOT};Parent=0123456789abcdef;Sampled=1`,
    });

    expect(sampled).toBe(TRACE_ROOT);
  });

  it('answers an invocation that is not sampled without the Tracer', () => {
    const unsampled = invoke(traced, {
      _X_AMZN_TRACE_ID: `Root=${TRACE_ROOT};Parent=0123456789abcdef;Sampled=0`,
    });

    expect(unsampled).toBe('undefined');
  });

  it('writes no Tracer module where tracing is switched off', () => {
    expect(existsSync(join(untraced, 'index.mjs'))).toBe(true);
    expect(existsSync(join(untraced, 'node_modules'))).toBe(false);
    expect(
      invoke(untraced, {
        POWERTOOLS_TRACE_ENABLED: 'false',
        _X_AMZN_TRACE_ID: `Root=${TRACE_ROOT};Sampled=1`,
      }),
    ).toBe('undefined');
  });
});
