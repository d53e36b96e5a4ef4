import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  bundleDirOf,
  readAssembly,
  resolveValue,
  resourcesOfType,
  type LocalResource,
  type SynthesizedStack,
} from '../local/template';

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  /**
   * The modules written beside the bundle (decision 0064: the Tracer, the S3 and SES clients,
   * jsonata, the source map's reader), loaded only by an invocation that needs them, so not part
   * of init; 0 without.
   */
  readonly besideBytes: number;
  /** Median module init (import) wall time in a fresh Node.js process, in ms. */
  readonly initMs: number;
  /** Median CPU time (user + system) of that import, in ms: steadier than wall time on a busy machine. */
  readonly initCpuMs: number;
  /** Largest packages in the bundle by bytes in the output. */
  readonly largest: readonly { readonly name: string; readonly bytes: number }[];
  /** The reference's median init CPU in the runs alternated with this bundle's, where it was measured so. */
  readonly referenceCpuMs?: number;
}

/** This bundle's init CPU over the reference's: from their alternated runs where there are some. */
export const initRatio = (figures: BundleFigures, reference: BundleFigures): number =>
  figures.initCpuMs / (figures.referenceCpuMs ?? reference.initCpuMs);

const ROOT = resolve(__dirname, '..');
/**
 * Imports per bundle: the machines this runs on vary by ±10% from one import to the next. With 25,
 * one verifier's ratio moved by 0.15× between runs of unchanged code; 81 rounds of three bundles
 * alternated agreed within 0.01×.
 */
export const INIT_RUNS = 41;

/** Package (or our own folder) a metafile input belongs to. */
const ownerOf = (input: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match?.[1]) return match[1];
  return input.split('/').slice(0, 2).join('/');
};

const largestContributors = (metafilePath: string, top = 4) => {
  if (!existsSync(metafilePath)) return [];
  const meta = JSON.parse(readFileSync(metafilePath, 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const totals = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      totals.set(ownerOf(input), (totals.get(ownerOf(input)) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => ({ name, bytes }));
};

const median = (values: number[]) =>
  values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** One import of a bundle in a fresh Node.js process with the function's environment: its wall and CPU time. */
const sampleInit = (bundleFile: string, env: Record<string, string>): { wall: number; cpu: number } => {
  const script = [
    'const c=process.cpuUsage();const t=performance.now();',
    `await import(${JSON.stringify(`file://${bundleFile}`)});`,
    'const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wall:performance.now()-t,cpu:(u.user+u.system)/1000}));',
  ].join('');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { wall: number; cpu: number };
};

/** Median wall and CPU time to import a bundle, each run in a fresh process with the function's environment. */
export const measureInit = (
  bundleFile: string,
  env: Record<string, string>,
): { wallMs: number; cpuMs: number } => {
  const samples = Array.from({ length: INIT_RUNS }, () => sampleInit(bundleFile, env));
  return { wallMs: median(samples.map((s) => s.wall)), cpuMs: median(samples.map((s) => s.cpu)) };
};

/** Bytes of the modules beside a bundle: `node_modules/<package>/index.cjs` in its asset. */
const besideBytesOf = (dir: string): number => {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return 0;
  return readdirSync(modules, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('index.cjs'))
    .reduce((sum, path) => sum + statSync(join(modules, path)).size, 0);
};

/** A bundle to import, with the environment it imports in. */
export interface InitSubject {
  readonly file: string;
  readonly env: Record<string, string>;
}

/**
 * A bundle's init beside the reference's, sampled in alternation (the reference first in even
 * rounds, the bundle first in odd ones), so that a machine whose speed drifts during the run
 * slows both alike. Measured one after the other, the verifiers' ratios spread from 1.52× to
 * 2.34× over two runs of unchanged code (docs/benchmarks.md).
 */
const measurePaired = (
  subject: InitSubject,
  reference: InitSubject,
): { wallMs: number; cpuMs: number; referenceCpuMs: number } => {
  const own: { wall: number; cpu: number }[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < INIT_RUNS; round += 1) {
    if (round % 2 === 0) theirs.push(sampleInit(reference.file, reference.env).cpu);
    own.push(sampleInit(subject.file, subject.env));
    if (round % 2 === 1) theirs.push(sampleInit(reference.file, reference.env).cpu);
  }
  return {
    wallMs: median(own.map((s) => s.wall)),
    cpuMs: median(own.map((s) => s.cpu)),
    referenceCpuMs: median(theirs),
  };
};

/**
 * Environment of a function with every reference replaced by a placeholder: init reads, never
 * calls. Its own tracing setting stays; with tracing on, the X-Ray SDK is loaded by the first
 * sampled invocation (no trace header is set during init), so it is not part of init either way.
 */
const benchEnvironment = (stack: SynthesizedStack, properties: Record<string, unknown> | undefined) => {
  const resources = new Proxy(new Map<string, LocalResource>(), {
    get: (target, key) =>
      key === 'get'
        ? (id: string): LocalResource => ({
            ref: `arn:aws:bench:us-east-1:000000000000:${id}`,
            attributes: new Proxy(
              {},
              { get: (_t, attr) => `arn:aws:bench:us-east-1:000000000000:${id}/${String(attr)}` },
            ),
          })
        : (Reflect.get(target, key) as unknown),
  });
  const variables = ((properties?.Environment as { Variables?: unknown } | undefined)?.Variables ??
    {}) as Record<string, unknown>;
  const resolved = resolveValue(variables, {
    resources,
    accountId: '000000000000',
    region: 'us-east-1',
    stackName: stack.stackName,
  });
  return {
    ...(resolved as Record<string, string>),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  };
};

/**
 * Sizes and init times of every function in the synthesized stack; with a reference, each
 * function's init is sampled in alternation with it ({@link BundleFigures.referenceCpuMs}).
 */
export const measureBundles = (stack: SynthesizedStack, reference?: InitSubject): BundleFigures[] =>
  resourcesOfType(stack.template, 'AWS::Lambda::Function')
    .filter(([, fn]) => typeof (fn.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key === 'string')
    .map(([logicalId, fn]) => {
      const dir = bundleDirOf(stack, fn);
      const file = join(dir, 'index.mjs');
      const service = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables?.POWERTOOLS_SERVICE_NAME;
      const env = benchEnvironment(stack, fn.Properties);
      const init: { wallMs: number; cpuMs: number; referenceCpuMs?: number } = reference
        ? measurePaired({ file, env }, reference)
        : measureInit(file, env);
      return {
        name: typeof service === 'string' ? service : logicalId,
        bytes: statSync(file).size,
        besideBytes: besideBytesOf(dir),
        initMs: init.wallMs,
        initCpuMs: init.cpuMs,
        ...(init.referenceCpuMs === undefined ? {} : { referenceCpuMs: init.referenceCpuMs }),
        largest: largestContributors(join(dir, 'index.meta.json')),
      };
    });

/**
 * A bundle that imports only the AWS SDK clients the functions use, built with the same options:
 * the baseline our own code's cold-start cost is measured against.
 */
export const measureReferenceBundle = async (outDir: string): Promise<BundleFigures & InitSubject> => {
  mkdirSync(outDir, { recursive: true });
  const entry = join(outDir, 'reference-entry.mjs');
  writeFileSync(
    entry,
    [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      "import { SQSClient } from '@aws-sdk/client-sqs';",
      "import { S3Client } from '@aws-sdk/client-s3';",
      "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
      'export const clients = [DynamoDBDocumentClient.from(new DynamoDBClient({})), new SQSClient({}), new S3Client({}), new SecretsManagerClient({})];',
      'export const handler = async () => clients.length;',
    ].join('\n'),
  );
  const outfile = join(outDir, 'reference.mjs');
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    keepNames: true,
    mainFields: ['module', 'main'],
    metafile: true,
    nodePaths: [join(ROOT, 'node_modules')],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  writeFileSync(join(outDir, 'reference.meta.json'), JSON.stringify(result.metafile));
  const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
  const init = measureInit(outfile, env);
  return {
    file: outfile,
    env,
    name: 'reference (SDK clients only)',
    bytes: statSync(outfile).size,
    besideBytes: 0,
    initMs: init.wallMs,
    initCpuMs: init.cpuMs,
    largest: largestContributors(join(outDir, 'reference.meta.json')),
  };
};

/**
 * `npx tsx bench/bundles.ts [cdk.out]`: the bundle table alone, without rewriting
 * docs/benchmarks.md. Synthesizes into bench/.out/bundles unless given an assembly.
 */
if (require.main === module) {
  const given = process.argv[2];
  const outDir = join(ROOT, 'bench', '.out', 'bundles');
  const assemblyDir = given ? resolve(given) : join(outDir, 'cdk.out');
  if (!given) execFileSync('npx', ['cdk', 'synth', '-q', '-o', assemblyDir], { cwd: ROOT, stdio: 'inherit' });
  measureReferenceBundle(outDir)
    .then((reference) => {
      for (const figures of [reference, ...measureBundles(readAssembly(assemblyDir), reference)]) {
        console.log(
          `${figures.name.padEnd(28)} ${(figures.bytes / 1024).toFixed(1).padStart(7)} KB  init CPU ${figures.initCpuMs.toFixed(1).padStart(6)} ms  ${initRatio(figures, reference).toFixed(2)}× reference`,
        );
      }
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
