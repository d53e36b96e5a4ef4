import type * as S3 from '@aws-sdk/client-s3';

/**
 * The S3 commands the raw bodies send, in a module of their own that raw-bodies.ts imports
 * dynamically, `require`d for the reason functions/clients/s3.ts gives. The function bundles keep
 * only these of S3's commands (lib/constructs/relayflow-function.ts names them).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3') as typeof S3;
