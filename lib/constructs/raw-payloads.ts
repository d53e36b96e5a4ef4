import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface RawPayloadsProps {
  /** Raw bodies expire with the events that reference them. */
  readonly retentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** The claim-check bucket for bodies too large to sit inline in the event table. */
export class RawPayloads extends Construct {
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: RawPayloadsProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: false,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: false,
      lifecycleRules: [
        {
          id: 'expire-with-events',
          expiration: Duration.days(props.retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'Only RelayFlow functions write and read this bucket, by digest-derived keys; every access is already audited per event in the event table. Server access logs would double the object count for no new information.',
    });
  }
}
