import type * as S3 from '@aws-sdk/client-s3';
import { tracer } from '#shared/powertools/index';

/**
 * The S3 client, made when a body first needs it: this module is imported dynamically
 * (functions/store/raw-bodies.ts). The SDK is `require`d, not imported, because the function
 * bundles leave it out and deploy it beside them (decision 0064): an `import` of a package left
 * out of an ES module bundle would be hoisted to its top and loaded at every cold start.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { S3Client } = require('@aws-sdk/client-s3') as typeof S3;

export const s3Client = tracer.captureAWSv3Client(new S3Client({}));
