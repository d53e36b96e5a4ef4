import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lib/config';
import { ARCHIVE_PREFIX } from '../../lib/constructs/audit-archive';
import { aConfig, synthStack } from '../helpers/stack';

// One template for the defaults, shared by the tests that read it.
const { template, stack } = synthStack();

const archiveBucket = () => {
  const [id, bucket] = Object.entries(template.findResources('AWS::S3::Bucket')).find(([logicalId]) =>
    logicalId.startsWith('AuditArchiveBucket'),
  ) ?? ['', {}];
  return { id, bucket: bucket as { Properties: Record<string, unknown> } };
};

describe('the audit archive (issue 19)', () => {
  it('turns on the event table stream with both images, which the archiver reads', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStoreTable'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: -1,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT', 'MODIFY'],
              dynamodb: { Keys: { SK: { S: ['STATE'] } } },
            }),
          },
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT', 'MODIFY'],
              dynamodb: { Keys: { PK: { S: [{ prefix: 'REJECTS#' }] } } },
            }),
          },
        ],
      },
    });
  });

  it('encrypts the archive bucket, blocks public access, refuses plain HTTP and keeps every entry by default', () => {
    const { id, bucket } = archiveBucket();
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const rules = (
      bucket.Properties.LifecycleConfiguration as { Rules: { Id: string; ExpirationInDays?: number }[] }
    ).Rules;
    expect(rules.find((rule) => rule.Id === 'archive-retention')).toBeUndefined();
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('retains the archive with a prod stack', () => {
    expect(template.findResources('AWS::S3::Bucket')[archiveBucket().id]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('expires entries after audit.archiveRetentionDays, and locks them with audit.objectLock', () => {
    const locked = synthStack({
      audit: { archiveRetentionDays: 2555, objectLock: { mode: 'compliance', days: 2555 } },
    }).template;
    const [, bucket] = Object.entries(locked.findResources('AWS::S3::Bucket')).find(([id]) =>
      id.startsWith('AuditArchiveBucket'),
    ) ?? ['', { Properties: {} }];
    expect(bucket.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ Id: 'archive-retention', ExpirationInDays: 2555, Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('refuses an object lock longer than the archive keeps its entries, naming both settings', () => {
    expect(() =>
      parseConfig(
        aConfig({ audit: { archiveRetentionDays: 30, objectLock: { mode: 'governance', days: 365 } } }),
      ),
    ).toThrow(/audit\.objectLock\.days.*must be at most audit\.archiveRetentionDays \(30\)/s);
  });

  it('delivers gzipped JSON lines through Firehose, partitioned by the rows’ day and tenant, encrypted', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: `${ARCHIVE_PREFIX}day=!{partitionKeyFromQuery:day}/tenant=!{partitionKeyFromQuery:tenant}/`,
        CompressionFormat: 'GZIP',
        DynamicPartitioningConfiguration: Match.objectLike({ Enabled: true }),
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            Match.objectLike({ Type: 'RecordDeAggregation' }),
            Match.objectLike({
              Type: 'MetadataExtraction',
              Parameters: Match.arrayWith([
                { ParameterName: 'MetadataExtractionQuery', ParameterValue: '{day: .day, tenant: .tenant}' },
              ]),
            }),
            Match.objectLike({ Type: 'AppendDelimiterToRecord' }),
          ],
        },
      }),
    });
  });

  it('catalogs the archive for Athena with every tenant a row can name projected', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'audit',
        PartitionKeys: [
          { Name: 'day', Type: 'string' },
          { Name: 'tenant', Type: 'string' },
        ],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.tenant.values': 'default,acme,beta,unknown',
        }),
      }),
    });
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ EnforceWorkGroupConfiguration: true }),
    });
  });

  it('lets the archiver put records into its own delivery stream only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'firehose:PutRecordBatch',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditArchiveDeliveryStream'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('alarms when the archive falls an hour behind or gives up on a batch, with a runbook section', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${stack.stackName}-AuditArchiveBehind`,
      AlarmDescription: Match.stringLikeRegexp('Runbook: docs/operations.md#auditarchivebehind'),
    });
  });

  it('names the bucket, database and workgroup in the outputs the CLI reads', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['AuditBucketName', 'AuditDatabaseName', 'AuditWorkGroupName']),
    );
  });
});
