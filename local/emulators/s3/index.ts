import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import { FaultSchedule, type EmulatorFault } from '../fault-schedule';
import { listenOnLoopback, type RunningEmulator } from '../loopback';

/**
 * S3 for the local runtime: s3rver (objects in a temporary folder) behind a thin request
 * listener that counts operations and injects faults.
 *
 * Addressing: the SDK's S3 endpoint rules use path-style requests when the endpoint host is an
 * IP address, so `AWS_ENDPOINT_URL_S3=http://127.0.0.1:<port>` works with a default client.
 * A host name endpoint (`http://localhost:<port>`) makes the SDK address `<bucket>.localhost`,
 * which this machine's resolver does not answer; hence the endpoint is always the IP.
 */

export interface RunningS3 extends RunningEmulator {
  /** The temporary folder holding the objects; stop() removes it. */
  readonly directory: string;
}

export interface S3EmulatorOptions {
  /**
   * Access key ids the server accepts (s3rver refuses unknown ones; it does not check SigV4 signatures).
   * @default ['local']
   */
  readonly accessKeyIds?: readonly string[];
}

/** The S3 API operation a path-style request performs, named as in the API reference. */
export function operationOf(method: string, url: string, headers: IncomingMessage['headers']): string {
  const parsed = new URL(url, 'http://s3.local');
  const [, bucket = '', ...keyParts] = parsed.pathname.split('/');
  const hasKey = keyParts.join('/') !== '';
  const query = parsed.searchParams;
  if (bucket === '') return method === 'GET' ? 'ListBuckets' : `${method} /`;
  if (!hasKey) {
    for (const [subresource, name] of [
      ['cors', 'BucketCors'],
      ['website', 'BucketWebsite'],
      ['acl', 'BucketAcl'],
      ['location', 'BucketLocation'],
      ['tagging', 'BucketTagging'],
      ['policy', 'BucketPolicy'],
      ['versioning', 'BucketVersioning'],
    ] as const) {
      if (query.has(subresource))
        return `${{ GET: 'Get', PUT: 'Put', DELETE: 'Delete' }[method as 'GET'] ?? method}${name}`;
    }
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
    if (method === 'GET') return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    return { PUT: 'CreateBucket', DELETE: 'DeleteBucket', HEAD: 'HeadBucket' }[method] ?? `${method} bucket`;
  }
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('uploadId'))
    return headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart';
  if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
  if (query.has('acl')) return method === 'GET' ? 'GetObjectAcl' : 'PutObjectAcl';
  if (query.has('tagging')) return method === 'GET' ? 'GetObjectTagging' : 'PutObjectTagging';
  if (method === 'PUT') return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  if (method === 'POST') return 'PostObject';
  return { GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' }[method] ?? `${method} object`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  res.end(body);
}

/** Lets the request take effect, then destroys the connection instead of answering. */
function dropResponse(res: ServerResponse): void {
  const drop = () => {
    res.socket?.destroy();
    return res;
  };
  res.writeHead = drop;
  res.write = () => (drop(), true);
  res.end = drop;
  res.flushHeaders = () => undefined;
}

export class S3Emulator {
  private readonly faults = new FaultSchedule();
  private readonly buckets = new Set<string>();
  private server: S3rver | undefined;

  constructor(options: S3EmulatorOptions = {}) {
    for (const accessKeyId of options.accessKeyIds ?? ['local'])
      DUMMY_ACCOUNT.createKeyPair(accessKeyId, accessKeyId);
  }

  /** Creates the buckets now if running, and on every later start. */
  async createBuckets(names: readonly string[]): Promise<void> {
    for (const name of names) {
      this.buckets.add(name);
      await this.server?.store.putBucket(name);
    }
  }

  /** Requests served over HTTP, by S3 operation (faulted requests included). */
  counters(): Record<string, number> {
    return this.faults.counters();
  }

  /**
   * Test hook: the next `times` requests for `operation` (e.g. `PutObject`) fail (`error`,
   * `throttle` as 503 SlowDown), are held for `ms` (`delay`), or take effect and then lose
   * their response (`dropResponse`).
   */
  injectFault(operation: string, fault: EmulatorFault): void {
    this.faults.add(operation, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  async start(options: { port?: number } = {}): Promise<RunningS3> {
    if (this.server) throw new Error('S3 emulator is already running');
    const directory = await mkdtemp(join(tmpdir(), 'relayflow-s3-'));
    const s3 = new S3rver({ directory, silent: true, vhostBuckets: false });
    this.server = s3;
    await this.createBuckets([...this.buckets]);
    const handler = s3.callback();

    const http = await listenOnLoopback('S3', options.port ?? 0, (req, res) =>
      this.handle(req, res, handler),
    );
    return {
      endpoint: http.endpoint,
      directory,
      stop: async () => {
        await http.stop();
        s3.logger.close();
        this.server = undefined;
        await rm(directory, { recursive: true, force: true });
      },
    };
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<void> {
    const operation = operationOf(req.method ?? 'GET', req.url ?? '/', req.headers);
    const fault = this.faults.take(operation);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'throttle' || fault?.kind === 'error') {
      // The request body must be read before answering, or the client sees a reset instead of the error.
      req.resume();
      await new Promise((resolve) => req.once('end', resolve));
      if (fault.kind === 'throttle')
        return sendError(res, 503, 'SlowDown', 'Please reduce your request rate.');
      return sendError(res, fault.status ?? 400, fault.code, fault.message ?? `Injected ${fault.code}`);
    }
    if (fault?.kind === 'dropResponse') dropResponse(res);
    handler(req, res);
  }
}
