declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    readonly path?: string;
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
    readonly maxItemSizeKb?: number;
  }

  /** An in-memory DynamoDB (LevelDB via memory-level unless `path` is given); listen() it yourself. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
