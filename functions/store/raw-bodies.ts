import { gunzipSync, gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { InfrastructureError } from '#shared/errors';
import type { EventPayload, EventStore } from '#shared/store/event-store';

/**
 * The S3 client, or how to load it when a body first needs it: most requests never touch the
 * bucket, and the S3 SDK is a large part of a cold start (the functions deploy it beside their
 * bundles, decision 0064).
 */
export type S3ClientSource = S3Client | (() => Promise<S3Client>);

/**
 * The claim-check bucket for bodies too large to sit in a table item. Stored gzip-compressed.
 * The S3 SDK is imported when a body is first written or read, not with this module.
 */
export class RawBodies {
  constructor(
    private readonly client: S3ClientSource,
    private readonly bucket: string,
  ) {}

  private async s3(): Promise<S3Client> {
    return typeof this.client === 'function' ? this.client() : this.client;
  }

  /** Writes the body under a key derived from its digest, so a redelivery overwrites nothing new. */
  async put(
    key: string,
    body: Buffer,
    contentType: string | undefined,
  ): Promise<{ bucket: string; key: string }> {
    try {
      const [client, { PutObjectCommand }] = await Promise.all([
        this.s3(),
        import('#shared/clients/s3-commands'),
      ]);
      await client.send(
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
      const [client, { GetObjectCommand }] = await Promise.all([
        this.s3(),
        import('#shared/clients/s3-commands'),
      ]);
      const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
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

/** The payload names a raw body that is not where it says: the event can never be read again. */
export class RawBodyMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RawBodyMissingError';
  }
}

/**
 * The exact bytes an event was received as, wherever its payload says they are: inline, in the
 * shared raw item of its batch request (which may itself point to S3), or in S3.
 * @throws RawBodyMissingError when the body is not where the payload says.
 */
export const readRawBody = async (
  from: { readonly store: Pick<EventStore, 'getRawItem'>; readonly rawBodies: Pick<RawBodies, 'get'> },
  payload: EventPayload,
): Promise<Buffer> => {
  const raw = payload.raw;
  if (raw.kind === 's3') return from.rawBodies.get(raw.bucket, raw.key);
  if (raw.kind === 'item') {
    const item = await from.store.getRawItem(raw.pk);
    if (item?.body) return item.body;
    if (item?.raw.kind === 's3') return from.rawBodies.get(item.raw.bucket, item.raw.key);
    throw new RawBodyMissingError(`raw body item ${raw.pk} is missing`);
  }
  if (payload.rawBody) return payload.rawBody;
  throw new RawBodyMissingError('the raw body is missing from the payload item');
};
