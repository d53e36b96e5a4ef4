import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');

const OWN_SOURCE_MAP = resolve(PROJECT_ROOT, 'lib', 'bundling', 'own-source-map.mjs');
const BESIDE_MODULES = resolve(PROJECT_ROOT, 'lib', 'bundling', 'beside-modules.mjs');

/**
 * Packages a function needs rarely, left out of its bundle and written beside it, with the exports
 * the functions take from them: read only by a container that needs them (decision 0064).
 * Powertools' Tracer (with the X-Ray SDK) on the first sampled invocation, where tracing is on;
 * the S3 client on the first body too large for a table item; jsonata on a target's first
 * transform; the SES client on the first email; the source map's reader on the first logged error.
 */
const TRACER_PACKAGE = '@aws-lambda-powertools/tracer';
export const BESIDE_MODULE_EXPORTS: Readonly<Record<string, readonly string[]>> = {
  [TRACER_PACKAGE]: ['Tracer'],
  '@aws-sdk/client-s3': ['S3Client', 'GetObjectCommand', 'PutObjectCommand'],
  // `*`: the package's own exports, as `require` gives them (jsonata's is its compile function).
  jsonata: ['*'],
  '@aws-sdk/client-sesv2': ['SESv2Client', 'SendEmailCommand'],
  '@jridgewell/trace-mapping': ['TraceMap', 'originalPositionFor'],
};

export type FunctionLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type PlatformLogLevel = 'DEBUG' | 'INFO' | 'WARN';

export interface RelayFlowFunctionProps {
  /** Handler entry file, relative to the project root (`functions/handlers/…`). */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Powertools service name: every log line, trace and metric of the function carries it. */
  readonly serviceName: string;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** @default 512 (arm64: more memory is more CPU for signature checks) */
  readonly memorySize?: number;
  /** Merged over the house defaults, never replacing them. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  /** The functions' own lines: Powertools' level and Lambda's application log filter. */
  readonly logLevel: FunctionLogLevel;
  /**
   * Lambda's own lines: START, END and REPORT are INFO, so WARN keeps only its failures (a
   * timeout, a crash) and bills no bytes for every successful invocation. @default 'WARN'
   */
  readonly platformLogLevel?: PlatformLogLevel;
  readonly removalPolicy: RemovalPolicy;
  /** @default undefined (unreserved) */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Active X-Ray tracing. Off, the function records no trace and never loads the X-Ray SDK
   * (functions/powertools reads `POWERTOOLS_TRACE_ENABLED`). @default true
   */
  readonly tracing?: boolean;
}

/**
 * The house Lambda: Node.js 22 on arm64, ESM bundle built by the local esbuild (minified, names
 * kept, a source map of our own sources that the Logger reads to map an error's stack), active
 * tracing unless switched off, an explicit log group with retention, JSON logs filtered by level
 * (Lambda's own lines at WARN), and the Powertools environment. Every RelayFlow function is one
 * of these.
 */
export class RelayFlowFunction extends NodejsFunction {
  /** The function's own role (log group access only, plus what grants add). */
  public readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: RelayFlowFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: it may write to its log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const tracing = props.tracing ?? true;
    const functionProps: NodejsFunctionProps = {
      entry: resolve(PROJECT_ROOT, props.entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      // JSON is what lets Lambda filter by level. With it, Lambda's application level (set to the
      // same as Powertools') is the one Powertools' Logger obeys (decision 0058).
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[props.logLevel],
      systemLogLevelV2: SystemLogLevel[props.platformLogLevel ?? 'WARN'],
      role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'RelayFlow',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...(tracing ? {} : { POWERTOOLS_TRACE_ENABLED: 'false' }),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        keepNames: true,
        mainFields: ['module', 'main'],
        metafile: true,
        forceDockerBundling: false,
        // Some dependencies still call require() for Node built-ins; ESM bundles need a shim.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        // The runtime's SDK is not pinned; ours is bundled so that what we test is what runs (the
        // packages written beside the bundle included).
        externalModules: Object.keys(BESIDE_MODULE_EXPORTS),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The map is read to log an error's stack: only our own sources stay in it (decision 0061).
          afterBundling: (_inputDir, outputDir) => [
            `node "${OWN_SOURCE_MAP}" "${outputDir}/index.mjs.map" "${PROJECT_ROOT}"`,
            `node "${BESIDE_MODULES}" "${outputDir}" "${PROJECT_ROOT}" ${Object.entries(BESIDE_MODULE_EXPORTS)
              .filter(([name]) => tracing || name !== TRACER_PACKAGE)
              .map(([name, exports]) => `${name}=${exports.join(',')}`)
              .join(' ')}`,
          ],
        },
      },
    };
    super(scope, id, functionProps);
    this.executionRole = role;
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime RelayFlow is built and tested for (ARCHITECTURE.md); upgrades are deliberate.',
      },
      {
        id: 'Serverless::Serverless-LambdaLatestVersion',
        reason:
          'Node.js 22 is the runtime RelayFlow is built and tested for (ARCHITECTURE.md); upgrades are deliberate.',
      },
    );
    if (tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions.',
      });
    } else {
      Validations.of(this).acknowledge({
        id: 'Serverless::Serverless-LambdaTracing',
        reason: 'Tracing is switched off in the configuration (`tracing.enabled: false`).',
      });
    }
  }
}
