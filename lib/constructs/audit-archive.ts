import { Aws, Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, LogStream, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
  type CfnBucket,
  type LifecycleRule,
} from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RelayFlowFunction, type FunctionLogLevel, type PlatformLogLevel } from './relayflow-function';

/** Where Firehose writes rows, and where the Glue table reads them. */
export const ARCHIVE_PREFIX = 'audit/';

/** Columns of the archive table: the rows functions/audit/archive-rows.ts writes, minus the partitions. */
const COLUMNS: readonly [string, string][] = [
  ['id', 'string'],
  ['v', 'int'],
  ['kind', 'string'],
  ['at', 'string'],
  ['eventid', 'string'],
  ['correlationid', 'string'],
  ['eventcorrelationid', 'string'],
  ['provider', 'string'],
  ['type', 'string'],
  ['providertype', 'string'],
  ['externalid', 'string'],
  ['entitykind', 'string'],
  ['entityid', 'string'],
  ['receivedat', 'string'],
  ['action', 'string'],
  ['by', 'string'],
  ['status', 'string'],
  ['detail', 'string'],
  ['reason', 'string'],
  ['sourceip', 'string'],
  ['count', 'bigint'],
  ['pause', 'string'],
];

export interface AuditArchiveProps {
  /** The event table; its stream is switched on by EventStore. */
  readonly table: ITable;
  /** Tenants that can appear in a row: `default`, the configured ones, and `unknown` (refused paths). */
  readonly tenants: readonly string[];
  /** Days an entry is kept; undefined keeps every entry. */
  readonly retentionDays?: number;
  readonly objectLock?: { readonly mode: 'governance' | 'compliance'; readonly days: number };
  readonly logLevel: FunctionLogLevel;
  /** Lambda's own lines (START, END, REPORT). @default 'WARN' */
  readonly platformLogLevel?: PlatformLogLevel;
  readonly tracing: boolean;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The audit trail that outlives the events (docs/audit.md, decision 0046): the event table's
 * stream → an archiver Lambda (new audit entries and rejection counts only) → Firehose →
 * S3, partitioned by day and tenant, gzipped JSON lines; a Glue table over it for Athena, and a
 * workgroup whose query results expire after a week.
 */
export class AuditArchive extends Construct {
  public readonly bucket: Bucket;
  public readonly resultsBucket: Bucket;
  public readonly deliveryStream: CfnDeliveryStream;
  public readonly archiver: RelayFlowFunction;
  /** Stream batches the archiver gave up on (their shard positions, not their rows). */
  public readonly failures: Queue;
  public readonly database: CfnDatabase;
  public readonly glueTable: CfnTable;
  public readonly workGroup: CfnWorkGroup;

  constructor(scope: Construct, id: string, props: AuditArchiveProps) {
    super(scope, id);
    if (!props.table.tableStreamArn) throw new Error('AuditArchive: the event table has no stream');
    const stackName = Stack.of(this).stackName;

    const expiry: LifecycleRule[] = props.retentionDays
      ? [{ id: 'archive-retention', expiration: Duration.days(props.retentionDays) }]
      : [];
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // Object Lock needs versioning; without it, rows are written once and never replaced.
      versioned: props.objectLock !== undefined,
      ...(props.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              props.objectLock.mode === 'compliance'
                ? ObjectLockRetention.compliance(Duration.days(props.objectLock.days))
                : ObjectLockRetention.governance(Duration.days(props.objectLock.days)),
          }
        : {}),
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        ...expiry,
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'delivery-errors', prefix: 'audit-errors/', expiration: Duration.days(30) },
      ],
    });
    this.resultsBucket = new Bucket(this, 'QueryResults', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [{ id: 'expire-results', expiration: Duration.days(7) }],
    });
    for (const bucket of [this.bucket, this.resultsBucket]) {
      Validations.of(bucket).acknowledge({
        id: 'AwsSolutions::AwsSolutions-S1',
        reason:
          'Only Firehose writes the archive and only Athena writes query results; the archive is itself the access record. Server access logs would add objects without information.',
      });
    }

    const deliveryLogs = new LogGroup(this, 'DeliveryLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const deliveryLogStream = new LogStream(this, 'DeliveryLogStream', {
      logGroup: deliveryLogs,
      removalPolicy: props.removalPolicy,
    });
    const deliveryRole = new Role(this, 'DeliveryRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Firehose writes audit rows to the archive bucket',
    });
    deliveryRole.addToPolicy(
      new PolicyStatement({
        actions: [
          's3:AbortMultipartUpload',
          's3:GetBucketLocation',
          's3:ListBucket',
          's3:ListBucketMultipartUploads',
          's3:PutObject',
        ],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('audit*')],
      }),
    );
    deliveryRole.addToPolicy(
      new PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [deliveryLogs.logGroupArn] }),
    );
    Validations.of(deliveryRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/audit*]`,
      reason: 'Firehose names each object by day, tenant and time under the audit prefixes.',
    });

    this.deliveryStream = new CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: deliveryRole.roleArn,
        prefix: `${ARCHIVE_PREFIX}day=!{partitionKeyFromQuery:day}/tenant=!{partitionKeyFromQuery:tenant}/`,
        errorOutputPrefix: 'audit-errors/!{firehose:error-output-type}/day=!{timestamp:yyyy-MM-dd}/',
        // Dynamic partitioning needs at least 64 MB; five minutes bounds how late a row lands.
        bufferingHints: { intervalInSeconds: 300, sizeInMBs: 64 },
        compressionFormat: 'GZIP',
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 3600 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            // The archiver packs many rows into one record (Firehose bills records by 5 KB).
            {
              type: 'RecordDeAggregation',
              parameters: [{ parameterName: 'SubRecordType', parameterValue: 'JSON' }],
            },
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: '{day: .day, tenant: .tenant}' },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
            {
              type: 'AppendDelimiterToRecord',
              parameters: [{ parameterName: 'Delimiter', parameterValue: '\\n' }],
            },
          ],
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: deliveryLogs.logGroupName,
          logStreamName: deliveryLogStream.logStreamName,
        },
      },
    });
    this.deliveryStream.node.addDependency(deliveryRole);

    this.archiver = new RelayFlowFunction(this, 'Archiver', {
      entry: 'functions/handlers/audit-archiver.ts',
      description:
        'Copies new audit entries and rejection counts from the event table stream to the audit archive',
      serviceName: 'relayflow-audit-archiver',
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: { DELIVERY_STREAM: this.deliveryStream.ref },
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      platformLogLevel: props.platformLogLevel,
      tracing: props.tracing,
      removalPolicy: props.removalPolicy,
    });
    this.archiver.addToRolePolicy(
      new PolicyStatement({
        actions: ['firehose:PutRecordBatch'],
        resources: [this.deliveryStream.attrArn],
      }),
    );
    this.failures = new Queue(this, 'Failures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.failures).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter destination of the archive stream mapping.',
      },
      {
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason: 'This queue is itself the dead-letter destination of the archive stream mapping.',
      },
    );
    Validations.of(this.archiver).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Invoked only by its stream mapping, whose on-failure destination is the Failures queue; a function DLQ applies to asynchronous invocations, which it never gets.',
    });
    this.archiver.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(10),
        reportBatchItemFailures: true,
        // Firehose refusing rows is the one failure: retry for as long as the stream keeps them.
        retryAttempts: -1,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(this.failures),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { Keys: { SK: { S: FilterRule.isEqual('STATE') as unknown } } },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { Keys: { PK: { S: FilterRule.beginsWith('REJECTS#') } } },
          }),
        ],
      }),
    );

    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: `${stackName.toLowerCase().replace(/[^a-z0-9]/g, '_')}_audit`,
        description: 'RelayFlow audit archive',
      },
    });
    const firstDay = '2026-01-01';
    this.glueTable = new CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database.ref,
      tableInput: {
        name: 'audit',
        description: 'Every audit entry and rejection count (docs/audit.md)',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [
          { name: 'day', type: 'string' },
          { name: 'tenant', type: 'string' },
        ],
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          'projection.day.type': 'date',
          'projection.day.format': 'yyyy-MM-dd',
          'projection.day.range': `${firstDay},NOW`,
          'projection.day.interval': '1',
          'projection.day.interval.unit': 'DAYS',
          'projection.tenant.type': 'enum',
          'projection.tenant.values': props.tenants.join(','),
          'storage.location.template': `s3://${this.bucket.bucketName}/${ARCHIVE_PREFIX}day=\${day}/tenant=\${tenant}/`,
        },
        storageDescriptor: {
          location: `s3://${this.bucket.bucketName}/${ARCHIVE_PREFIX}`,
          columns: COLUMNS.map(([name, type]) => ({ name, type })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' },
          },
        },
      },
    });
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: `${stackName}-audit`,
      description: 'Queries of the RelayFlow audit archive (relayflow audit query)',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }
}
