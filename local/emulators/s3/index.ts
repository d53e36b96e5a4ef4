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
 * S3 for the local runtime: s3rver (objects in a temporary folder) behind a thin request listener
 * that lets through what the Lambdas do with raw bodies, PutObject and GetObject, counts them and
 * injects faults. Every other request is refused (501 NotImplemented) rather than left to the rest
 * of s3rver, which nothing here calls or tests.
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

/** `PutObject` or `GetObject` for a path-style request that is one of them, else undefined. */
export function operationOf(
  method: string,
  url: string,
  headers: IncomingMessage['headers'],
): 'PutObject' | 'GetObject' | 'ListObjectsV2' | undefined {
  const { pathname, searchParams } = new URL(url, 'http://s3.local');
  // `/<bucket>/?list-type=2`: how the audit archive's local reader finds its objects.
  if (method === 'GET' && /^\/[^/]+\/?$/.test(pathname) && searchParams.get('list-type') === '2')
    return 'ListObjectsV2';
  // `/<bucket>/<key>` without a subresource (`?acl`, `?uploadId`, …); the SDK adds `?x-id=<operation>`.
  const onObject = /^\/[^/]+\/./.test(pathname) && [...searchParams.keys()].every((key) => key === 'x-id');
  if (onObject && method === 'PUT' && headers['x-amz-copy-source'] === undefined) return 'PutObject';
  if (onObject && method === 'GET') return 'GetObject';
  return undefined;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

async function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): Promise<void> {
  // The request body must be read before answering, or the client sees a reset instead of the error.
  req.resume();
  await new Promise((resolve) => req.once('end', resolve));
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

  constructor() {
    // The key id the runtime gives the Lambdas and the CLI; s3rver refuses unknown ones (it does
    // not check SigV4 signatures).
    DUMMY_ACCOUNT.createKeyPair('local', 'local');
  }

  /** Creates the buckets now if running, and on every later start. */
  async createBuckets(names: readonly string[]): Promise<void> {
    for (const name of names) {
      this.buckets.add(name);
      await this.server?.store.putBucket(name);
    }
  }

  /** PutObject and GetObject requests served over HTTP (faulted requests included). */
  counters(): Record<string, number> {
    return this.faults.counters();
  }

  /**
   * Test hook: the next `times` requests for `operation` (`PutObject`, `GetObject`) fail
   * (`error`, `throttle` as 503 SlowDown), are held for `ms` (`delay`), or take effect and then
   * lose their response (`dropResponse`).
   */
  injectFault(operation: 'PutObject' | 'GetObject', fault: EmulatorFault): void {
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
    if (operation === undefined) {
      const message = `The local S3 emulator serves PutObject, GetObject and ListObjectsV2 only, not ${req.method} ${req.url}.`;
      return sendError(req, res, 501, 'NotImplemented', message);
    }
    const fault = this.faults.take(operation);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'throttle')
      return sendError(req, res, 503, 'SlowDown', 'Please reduce your request rate.');
    if (fault?.kind === 'error') {
      return sendError(req, res, fault.status ?? 400, fault.code, fault.message ?? `Injected ${fault.code}`);
    }
    if (fault?.kind === 'dropResponse') dropResponse(res);
    handler(req, res);
  }
}
