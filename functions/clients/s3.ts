import { S3Client } from '@aws-sdk/client-s3';
import { tracer } from '#shared/powertools/index';

export const s3Client = tracer.captureAWSv3Client(new S3Client({}));
