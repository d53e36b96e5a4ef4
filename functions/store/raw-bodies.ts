import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InfrastructureError } from '#shared/errors';

/** The claim-check bucket for bodies too large to sit in a table item. Stored gzip-compressed. */
export class RawBodies {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Writes the body under a key derived from its digest, so a redelivery overwrites nothing new. */
  async put(key: string, body: Buffer, contentType: string | undefined): Promise<{ bucket: string; key: string }> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: gzipSync(body),
          ContentEncoding: 'gzip',
          ContentType: contentType ?? 'application/octet-stream',
        }),
      );
      return { bucket: this.bucket, key };
    } catch (error) {
      throw new InfrastructureError('raw-bodies', 'raw body upload failed', { cause: error });
    }
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = await result.Body?.transformToByteArray();
      if (!bytes) throw new Error('empty object');
      return gunzipSync(bytes);
    } catch (error) {
      throw new InfrastructureError('raw-bodies', 'raw body download failed', { cause: error });
    }
  }
}

/** Bucket key for a raw body: partitioned by tenant, provider and day for lifecycle and browsing. */
export const rawBodyKey = (tenant: string, provider: string, receivedAt: Date, sha256: string) =>
  `raw/${tenant}/${provider}/${receivedAt.toISOString().slice(0, 10)}/${sha256}.gz`;
