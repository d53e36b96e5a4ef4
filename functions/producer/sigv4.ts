import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** What the signer hashes: text (UTF-8) or bytes. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/**
 * SHA-256, or HMAC-SHA256 when given a secret, as `@smithy/signature-v4` asks for one
 * (`new Sha256(secret?)`, `update`, `digest`, `reset`), over node:crypto: the SDK's own
 * (`@smithy/hash-node`) is not a dependency of ours, and this is all of it that signing needs.
 */
export class Sha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret));
  }
}

/** AWS credentials as the signer takes them. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The signing name of API Gateway's invoke API: what IAM authorization on a route checks. */
export const EXECUTE_API = 'execute-api';

/**
 * A SigV4 signer for API Gateway (`execute-api`) in `region`. `applyChecksum: false` leaves out
 * the `x-amz-content-sha256` header that S3 needs: API Gateway hashes the body itself, and a
 * verifier rebuilding a signature must not add a header the caller did not sign.
 */
export const executeApiSigner = (
  credentials: SigningCredentials | (() => Promise<SigningCredentials>),
  region: string,
): SignatureV4 =>
  new SignatureV4({ service: EXECUTE_API, region, credentials, sha256: Sha256, applyChecksum: false });
