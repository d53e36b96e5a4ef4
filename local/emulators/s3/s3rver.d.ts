declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { EventEmitter } from 'node:events';

  /** The options and members the S3 emulator uses. */
  interface S3rverOptions {
    readonly directory: string;
    readonly silent?: boolean;
    readonly vhostBuckets?: boolean;
  }

  /** A Koa application; `callback()` is its request listener. Objects live in `directory`. */
  export default class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    readonly store: { putBucket(name: string): Promise<unknown> };
    readonly logger: { close(): void };
  }
}

declare module 's3rver/lib/models/account' {
  interface AwsAccount {
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  }
  /** The account every request is checked against; s3rver knows only the key pairs registered on it. */
  export const DUMMY_ACCOUNT: AwsAccount;
}
