import { Agent, request as httpRequest, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { AwsResponse } from '../aws-json';

const INTERNAL_AUTH =
  'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';

/**
 * dynalite (DynamoDB in memory) on a socket file: it checks no Host header, so only this
 * process's proxy may reach it.
 */
export class DynaliteBackend {
  private constructor(
    private readonly database: Server,
    private readonly socketDir: string,
    private readonly socketPath: string,
    private readonly agent: Agent,
  ) {}

  static async start(): Promise<DynaliteBackend> {
    const database = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const socketDir = mkdtempSync(join(tmpdir(), 'relayflow-dynamodb-'));
    const socketPath = join(socketDir, 'dynalite.sock');
    await new Promise<void>((resolve, reject) => {
      database.once('error', reject);
      database.listen(socketPath, () => resolve());
    });
    return new DynaliteBackend(database, socketDir, socketPath, new Agent({ keepAlive: true }));
  }

  /** One request, answered as dynalite answers it (errors included). */
  call(action: string, body: unknown): Promise<AwsResponse> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath: this.socketPath,
          method: 'POST',
          path: '/',
          agent: this.agent,
          headers: {
            'Content-Type': 'application/x-amz-json-1.0',
            'Content-Length': Buffer.byteLength(payload),
            'X-Amz-Target': `DynamoDB_20120810.${action}`,
            'X-Amz-Date': '20260101T000000Z',
            Authorization: INTERNAL_AUTH,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const parsed: unknown = text === '' ? {} : JSON.parse(text);
            resolve(new AwsResponse(res.statusCode ?? 500, isRecord(parsed) ? parsed : {}));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve, reject) =>
      this.database.close((error?: Error) => (error ? reject(error) : resolve())),
    );
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
