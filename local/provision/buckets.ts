import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, stringProperty, type Provisioner } from './context';

/** AWS::S3::Bucket in the S3 emulator. */
export const provisionBuckets: Provisioner = async (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const names = resourcesOfType(template, 'AWS::S3::Bucket').map(([id, bucket]) => {
    const name = stringProperty(bucket, 'BucketName') ?? physicalName(ctx.stackName, id, 63).toLowerCase();
    resources.set(id, {
      ref: name,
      attributes: {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${ctx.region}.amazonaws.com`,
      },
    });
    return name;
  });
  await ctx.services.s3.createBuckets(names);
  return { resources };
};
