import { existsSync } from 'node:fs';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3Emulator, operationOf, type RunningS3 } from '../../../../local/emulators/s3';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const BUCKET = 'relayflow-payloads';

describe('S3 emulator (s3rver) through the AWS SDK v3 client', () => {
  let emulator: S3Emulator;
  let running: RunningS3;

  beforeEach(async () => {
    emulator = new S3Emulator();
    await emulator.createBuckets([BUCKET]);
    running = await emulator.start();
  });

  afterEach(async () => {
    await running.stop();
  });

  function aClient(overrides: { forcePathStyle?: boolean; maxAttempts?: number } = {}): S3Client {
    return new S3Client({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      ...overrides,
    });
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html and API_GetObject.html
  it('stores and returns an object with a path-style client', async () => {
    const client = aClient({ forcePathStyle: true });

    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'raw/evt_1.json.gz',
        Body: Buffer.from([1, 2, 3, 250]),
        ContentType: 'application/gzip',
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'raw/evt_1.json.gz' }));

    expect(Array.from(await got.Body!.transformToByteArray())).toEqual([1, 2, 3, 250]);
    expect(got.ContentType).toBe('application/gzip');
    client.destroy();
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
  // The SDK's endpoint rules fall back to path-style addressing when the endpoint host is an IP address,
  // which is how the Lambdas reach the emulator: AWS_ENDPOINT_URL_S3 and a default client.
  it('serves a default client configured only by AWS_ENDPOINT_URL_S3', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_S3;
    process.env.AWS_ENDPOINT_URL_S3 = running.endpoint;
    const client = new S3Client({ region: 'us-east-1', credentials, maxAttempts: 1 });
    const hosts: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        hosts.push((args.request as { hostname: string }).hostname);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );

    try {
      await client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'claim/evt_2.json', Body: '{"big":true}' }),
      );
      const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'claim/evt_2.json' }));

      expect(await got.Body!.transformToString()).toBe('{"big":true}');
      expect(hosts).toEqual(['127.0.0.1', '127.0.0.1']);
    } finally {
      client.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
      else process.env.AWS_ENDPOINT_URL_S3 = saved;
    }
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_Errors (NoSuchKey)
  it('answers NoSuchKey for a missing object', async () => {
    const client = aClient();

    await expect(
      client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' })),
    ).rejects.toBeInstanceOf(NoSuchKey);
    client.destroy();
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (NotImplemented, 501)
  it('refuses every operation but PutObject, GetObject and ListObjectsV2, leaving the objects as they are', async () => {
    const client = aClient();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
    const notImplemented = { name: 'NotImplemented', $metadata: { httpStatusCode: 501 } };

    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'k' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['k']);
    await expect(client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k' }))).rejects.toMatchObject(
      notImplemented,
    );
    await expect(
      client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/k` })),
    ).rejects.toMatchObject(notImplemented);
    await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 501 },
    });

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('v');
    client.destroy();
  });

  it('counts requests by S3 operation', async () => {
    const client = aClient();

    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
    await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));

    expect(emulator.counters()).toEqual({ PutObject: 1, GetObject: 2 });
    client.destroy();
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (SlowDown, 503)
  it('throttles with 503 SlowDown, which the SDK retries', async () => {
    emulator.injectFault('PutObject', { kind: 'throttle', times: 1 });
    const client = aClient({ maxAttempts: 2 });

    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'retried', Body: 'v' }));

    expect(emulator.counters().PutObject).toBe(2);
    client.destroy();
  });

  it('fails the next call with an injected S3 error', async () => {
    emulator.injectFault('GetObject', {
      kind: 'error',
      code: 'AccessDenied',
      message: 'Access Denied',
      status: 403,
      times: 1,
    });
    const client = aClient();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));

    await expect(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    client.destroy();
  });

  it('stores an object whose PutObject response is dropped', async () => {
    emulator.injectFault('PutObject', { kind: 'dropResponse', times: 1 });
    const client = aClient();

    await expect(
      client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dropped', Body: 'kept' })),
    ).rejects.toThrow();

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dropped' }));
    expect(await got.Body!.transformToString()).toBe('kept');
    client.destroy();
  });

  it('removes its temporary folder on stop and starts again with the same buckets, empty', async () => {
    const client = aClient();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'before-restart', Body: 'v' }));
    client.destroy();
    const firstDirectory = running.directory;

    await running.stop();
    running = await emulator.start();

    const after = aClient();
    const missing = after.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'before-restart' }));
    await expect(missing).rejects.toBeInstanceOf(NoSuchKey);
    after.destroy();
    expect(existsSync(firstDirectory)).toBe(false);
  });
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
describe('S3 operations let through, from path-style requests', () => {
  it.each([
    ['PUT', '/b/k/with/slashes?x-id=PutObject', 'PutObject', {}],
    ['GET', '/b/k?x-id=GetObject', 'GetObject', {}],
    ['GET', '/', undefined, {}],
    ['PUT', '/b', undefined, {}],
    ['GET', '/b?list-type=2&prefix=x', 'ListObjectsV2', {}],
    ['GET', '/b/?list-type=2&prefix=x&continuation-token=t', 'ListObjectsV2', {}],
    ['GET', '/b?prefix=x', undefined, {}],
    ['PUT', '/b/k', undefined, { 'x-amz-copy-source': '/b/other' }],
    ['POST', '/b/k?uploads', undefined, {}],
    ['PUT', '/b/k?partNumber=1&uploadId=u', undefined, {}],
    ['PUT', '/b/k?tagging', undefined, {}],
    ['HEAD', '/b/k', undefined, {}],
    ['DELETE', '/b/k', undefined, {}],
  ])('names %s %s as %s', (method, url, expected, headers) => {
    expect(operationOf(method, url, headers)).toBe(expected);
  });
});
