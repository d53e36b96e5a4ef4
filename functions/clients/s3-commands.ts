/**
 * The S3 commands the raw bodies send, in a module of their own: they are imported dynamically
 * (functions/store/raw-bodies.ts), and esbuild keeps every export of a dynamically imported
 * module, so importing `@aws-sdk/client-s3` itself that way would bundle all of S3's commands.
 */
export { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
