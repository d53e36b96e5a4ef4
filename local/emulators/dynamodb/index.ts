import { randomUUID } from 'node:crypto';
import {
  Agent,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import dynalite from 'dynalite';
import {
  indexWriteUnits,
  itemSize,
  keyOf,
  readUnits,
  writeUnits,
  type TableDefinition,
  type WireItem,
} from './capacity';
import { createTableRequest, type TableResource, type TimeToLive } from './tables';
import { FaultSchedule } from '../fault-schedule';
import { listenOnLoopback } from '../loopback';

export { itemSize, readUnits, writeUnits, type WireItem } from './capacity';
export type { CfnTableProperties, TableResource } from './tables';

/**
 * DynamoDB for the local runtime: dynalite (in memory) behind a small proxy that speaks the
 * same JSON 1.0 protocol and adds what the cost benchmark and the fault tests need: request
 * counters, on-demand capacity accounting, fault injection, the operations dynalite lacks
 * (TransactWriteItems, TransactGetItems, UpdateTimeToLive) and the old item on a failed
 * condition (ReturnValuesOnConditionCheckFailure), which dynalite does not return.
 *
 * Capacity accounting (documented approximations):
 * - every single-item write is bracketed, under a per-item lock, by consistent reads of the
 *   item before and after, so the table's write units are `ceil(max(before, after) / 1 KB)`
 *   (minimum 1), and the secondary-index units follow the GSI page's cases exactly;
 * - a write whose condition fails costs the existing item's units (1 when there is none);
 * - BatchWriteItem items are accounted one by one, as DynamoDB bills them;
 * - transactions cost twice the units of each item they touch, a ConditionCheck included,
 *   also when the transaction is cancelled;
 * - GetItem and BatchGetItem reads are computed from the items returned (a missing item costs
 *   the minimum); Query and Scan from the summed size of the items evaluated (dynalite's own
 *   ReturnConsumedCapacity ignores ConsistentRead on Scan, so it is not used);
 * - item sizes follow "Item sizes and formats" (numbers: one byte per two significant digits
 *   plus one; documents: 3 bytes plus one per element).
 */

const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';
const TARGET_PREFIX = 'DynamoDB_20120810.';
/** How long DynamoDB remembers a TransactWriteItems ClientRequestToken. */
const TRANSACTION_TOKEN_MS = 10 * 60 * 1000;
const INTERNAL_AUTH =
  'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';

export type DynamoDbFault =
  | {
      readonly kind: 'throttle';
      readonly times: number;
      /** @default 'ProvisionedThroughputExceededException' */
      readonly code?:
        'ProvisionedThroughputExceededException' | 'ThrottlingException' | 'RequestLimitExceeded';
    }
  | {
      readonly kind: 'error';
      readonly code: string;
      readonly message?: string;
      readonly status?: number;
      readonly times: number;
    }
  | { readonly kind: 'delay'; readonly ms: number; readonly times: number }
  | { readonly kind: 'dropResponse'; readonly times: number };

export interface RunningEmulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface WriteRecord {
  readonly action: string;
  readonly table: string;
  /** Size of the item before and after the write, in bytes (0 when absent). */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly tableWriteUnits: number;
  readonly indexWriteUnits: number;
  readonly conditionFailed: boolean;
}

export interface CapacityTotals {
  readRequestUnits: number;
  writeRequestUnits: number;
}

export interface CapacityReport extends CapacityTotals {
  readonly byTable: Record<string, CapacityTotals>;
  readonly byAction: Record<string, CapacityTotals>;
}

interface DynamoResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

type WireRecord = Record<string, unknown>;

class DynamoDbError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly extra: WireRecord = {},
  ) {
    super(message);
    this.name = code;
  }
}

function isRecord(value: unknown): value is WireRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorType(body: WireRecord): string {
  const type = typeof body.__type === 'string' ? body.__type : '';
  return type.slice(type.indexOf('#') + 1);
}

/** Serializes the calls that touch the same items, so that a write and its bracketing reads are atomic. */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async lock(keys: readonly string[]): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const key of [...new Set(keys)].sort()) releases.push(await this.acquire(key));
    return () => releases.forEach((release) => release());
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

export class DynamoDbEmulator {
  private readonly requestCounts = new Map<string, number>();
  private readonly faults = new FaultSchedule<DynamoDbFault>();
  private readonly tables = new Map<string, TableDefinition>();
  private readonly timeToLive = new Map<string, TimeToLive>();
  private readonly writeLog: WriteRecord[] = [];
  private readonly totals = {
    byTable: new Map<string, CapacityTotals>(),
    byAction: new Map<string, CapacityTotals>(),
  };
  private readonly mutex = new KeyedMutex();
  private readonly transactionTokens = new Map<
    string,
    { readonly fingerprint: string; readonly expiresAt: number }
  >();
  private backend: { agent: Agent; socketPath: string } | undefined;

  /** Requests served over HTTP, by action (faulted requests included). */
  counters(): Record<string, number> {
    return Object.fromEntries(this.requestCounts);
  }

  /** Read and write request units consumed so far, as on-demand billing would count them. */
  capacity(): CapacityReport {
    const sum = (totals: Iterable<CapacityTotals>): CapacityTotals => {
      const result = { readRequestUnits: 0, writeRequestUnits: 0 };
      for (const total of totals) {
        result.readRequestUnits += total.readRequestUnits;
        result.writeRequestUnits += total.writeRequestUnits;
      }
      return result;
    };
    const copy = (map: Map<string, CapacityTotals>) =>
      Object.fromEntries([...map].map(([name, total]) => [name, { ...total }]));
    return {
      ...sum(this.totals.byTable.values()),
      byTable: copy(this.totals.byTable),
      byAction: copy(this.totals.byAction),
    };
  }

  /** One record per item written (or whose conditional write failed), oldest first. */
  writes(): WriteRecord[] {
    return [...this.writeLog];
  }

  /** Forgets counters, capacity and the write log (tables and items stay). */
  resetCounters(): void {
    this.requestCounts.clear();
    this.writeLog.length = 0;
    this.totals.byTable.clear();
    this.totals.byAction.clear();
  }

  /**
   * Test hook: the next `times` HTTP requests for `action` are throttled (in the exact JSON
   * error shape the SDK retries), fail with an AWS error, are held for `ms`, or take effect
   * and then lose their response (`dropResponse`).
   */
  injectFault(action: string, fault: DynamoDbFault): void {
    this.faults.add(action, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Creates tables from `AWS::DynamoDB::Table` properties and waits until they are ACTIVE. */
  async createTables(resources: readonly TableResource[]): Promise<void> {
    for (const resource of resources) {
      const { request, timeToLive } = createTableRequest(resource);
      const created = await this.call('CreateTable', request);
      if (created.status !== 200) {
        throw new Error(`CreateTable ${resource.tableName} failed: ${JSON.stringify(created.body)}`);
      }
      if (timeToLive) this.timeToLive.set(resource.tableName, timeToLive);
      await this.waitUntilActive(resource.tableName);
    }
  }

  async start(options: { port?: number } = {}): Promise<RunningEmulator> {
    if (this.backend) throw new Error('DynamoDB emulator is already running');
    const database: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    // dynalite checks no Host header: on a socket file, only this process's proxy can reach it.
    const socketDir = mkdtempSync(join(tmpdir(), 'relayflow-dynamodb-'));
    const socketPath = join(socketDir, 'dynalite.sock');
    await listen(database, socketPath);
    const agent = new Agent({ keepAlive: true });
    this.backend = { agent, socketPath };

    const proxy = await listenOnLoopback('DynamoDB', options.port ?? 0, (req, res) => this.handle(req, res));
    return {
      endpoint: proxy.endpoint,
      stop: async () => {
        await proxy.stop();
        agent.destroy();
        this.backend = undefined;
        // The in-memory database goes away with the server; so do the definitions cached from it.
        this.tables.clear();
        this.timeToLive.clear();
        await new Promise<void>((resolve, reject) =>
          database.close((error?: Error) => (error ? reject(error) : resolve())),
        );
        rmSync(socketDir, { recursive: true, force: true });
      },
    };
  }

  private async waitUntilActive(tableName: string): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const described = await this.call('DescribeTable', { TableName: tableName });
      const table = isRecord(described.body.Table) ? described.body.Table : {};
      if (table.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`Table ${tableName} did not become ACTIVE`);
  }

  /** Sends one request to dynalite, bypassing counters, faults and accounting. */
  private call(action: string, body: unknown): Promise<DynamoResponse> {
    const backend = this.backend;
    if (!backend) return Promise.reject(new Error('DynamoDB emulator is not running'));
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath: backend.socketPath,
          method: 'POST',
          path: '/',
          agent: backend.agent,
          headers: {
            'Content-Type': 'application/x-amz-json-1.0',
            'Content-Length': Buffer.byteLength(payload),
            'X-Amz-Target': `${TARGET_PREFIX}${action}`,
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
            resolve({ status: res.statusCode ?? 500, body: isRecord(parsed) ? parsed : {} });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async table(name: unknown): Promise<TableDefinition | undefined> {
    if (typeof name !== 'string') return undefined;
    const known = this.tables.get(name);
    if (known) return known;
    const described = await this.call('DescribeTable', { TableName: name });
    if (described.status !== 200 || !isRecord(described.body.Table)) return undefined;
    const table = described.body.Table as unknown as TableDefinition;
    this.tables.set(name, table);
    return table;
  }

  private async getItem(table: string, key: WireItem): Promise<WireItem | undefined> {
    const response = await this.call('GetItem', { TableName: table, Key: key, ConsistentRead: true });
    return isRecord(response.body.Item) ? (response.body.Item as WireItem) : undefined;
  }

  private async restore(table: string, key: WireItem, item: WireItem | undefined): Promise<void> {
    if (item) await this.call('PutItem', { TableName: table, Item: item });
    else await this.call('DeleteItem', { TableName: table, Key: key });
  }

  private charge(action: string, table: string, units: CapacityTotals): void {
    for (const [map, name] of [
      [this.totals.byTable, table],
      [this.totals.byAction, action],
    ] as const) {
      const total = map.get(name) ?? { readRequestUnits: 0, writeRequestUnits: 0 };
      total.readRequestUnits += units.readRequestUnits;
      total.writeRequestUnits += units.writeRequestUnits;
      map.set(name, total);
    }
  }

  private recordWrite(
    action: string,
    table: TableDefinition,
    before: WireItem | undefined,
    after: WireItem | undefined,
    options: { conditionFailed?: boolean; multiplier?: number } = {},
  ): void {
    const multiplier = options.multiplier ?? 1;
    const bytesBefore = itemSize(before);
    const bytesAfter = itemSize(after);
    const failed = options.conditionFailed ?? false;
    const tableUnits = multiplier * writeUnits(Math.max(bytesBefore, bytesAfter));
    const indexUnits = failed ? 0 : multiplier * indexWriteUnits(table, before, after);
    this.writeLog.push({
      action,
      table: table.TableName,
      bytesBefore,
      bytesAfter,
      tableWriteUnits: tableUnits,
      indexWriteUnits: indexUnits,
      conditionFailed: failed,
    });
    this.charge(action, table.TableName, { readRequestUnits: 0, writeRequestUnits: tableUnits + indexUnits });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    const action =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : String(target);
    this.requestCounts.set(action, (this.requestCounts.get(action) ?? 0) + 1);

    const fault = this.faults.take(action);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'throttle') {
      const code = fault.code ?? 'ProvisionedThroughputExceededException';
      const messages = {
        ProvisionedThroughputExceededException:
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
        ThrottlingException: 'Rate of requests exceeds the allowed throughput.',
        RequestLimitExceeded: 'Throughput exceeds the current throughput limit for your account.',
      };
      const prefix = code === 'ThrottlingException' ? 'com.amazon.coral.availability#' : ERROR_PREFIX;
      return send(res, 400, { __type: `${prefix}${code}`, message: messages[code] });
    }
    if (fault?.kind === 'error') {
      const type = fault.code.includes('#') ? fault.code : `${ERROR_PREFIX}${fault.code}`;
      return send(res, fault.status ?? 400, {
        __type: type,
        message: fault.message ?? `Injected ${fault.code}`,
      });
    }

    let body: WireRecord;
    try {
      const parsed: unknown = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      body = isRecord(parsed) ? parsed : {};
    } catch {
      return send(res, 400, { __type: 'com.amazon.coral.service#SerializationException' });
    }

    let response: DynamoResponse;
    try {
      response = await this.dispatch(action, body);
    } catch (error) {
      response =
        error instanceof DynamoDbError
          ? {
              status: error.status,
              body: { __type: `${ERROR_PREFIX}${error.code}`, message: error.message, ...error.extra },
            }
          : {
              status: 500,
              body: {
                __type: `${ERROR_PREFIX}InternalServerError`,
                message: error instanceof Error ? error.message : 'Internal error',
              },
            };
    }
    if (fault?.kind === 'dropResponse') {
      req.socket.destroy();
      return;
    }
    send(res, response.status, response.body);
  }

  private dispatch(action: string, body: WireRecord): Promise<DynamoResponse> {
    switch (action) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return this.writeItem(action, body);
      case 'BatchWriteItem':
        return this.batchWriteItem(body);
      case 'TransactWriteItems':
        return this.transactWriteItems(body);
      case 'TransactGetItems':
        return this.transactGetItems(body);
      case 'GetItem':
        return this.getItemRead(body);
      case 'BatchGetItem':
        return this.batchGetItem(body);
      case 'Query':
      case 'Scan':
        return this.queryOrScan(action, body);
      case 'UpdateTimeToLive':
        return this.updateTimeToLive(body);
      case 'DescribeTimeToLive':
        return this.describeTimeToLive(body);
      case 'CreateTable':
      case 'UpdateTable':
      case 'DeleteTable':
        if (typeof body.TableName === 'string') this.tables.delete(body.TableName);
        return this.call(action, body);
      default:
        return this.call(action, body);
    }
  }

  private async writeItem(
    action: 'PutItem' | 'UpdateItem' | 'DeleteItem',
    body: WireRecord,
  ): Promise<DynamoResponse> {
    const table = await this.table(body.TableName);
    const source = action === 'PutItem' ? body.Item : body.Key;
    const key = table && isRecord(source) ? keyOf(table, source as WireItem) : undefined;
    if (!table || !key) return this.call(action, body);

    const release = await this.mutex.lock([lockKey(table.TableName, key)]);
    try {
      const before = await this.getItem(table.TableName, key);
      const response = await this.call(action, body);
      if (response.status === 200) {
        const after =
          action === 'PutItem'
            ? (body.Item as WireItem)
            : action === 'DeleteItem'
              ? undefined
              : await this.getItem(table.TableName, key);
        this.recordWrite(action, table, before, after);
      } else if (errorType(response.body) === 'ConditionalCheckFailedException') {
        this.recordWrite(action, table, before, undefined, { conditionFailed: true });
        if (
          body.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' &&
          before &&
          response.body.Item === undefined
        ) {
          return { status: response.status, body: { ...response.body, Item: before } };
        }
      }
      return response;
    } finally {
      release();
    }
  }

  private async batchWriteItem(body: WireRecord): Promise<DynamoResponse> {
    const requests: Array<{ table: TableDefinition; key: WireItem; put?: WireItem }> = [];
    for (const [tableName, items] of Object.entries(isRecord(body.RequestItems) ? body.RequestItems : {})) {
      const table = await this.table(tableName);
      if (!table || !Array.isArray(items)) return this.call('BatchWriteItem', body);
      for (const item of items as unknown[]) {
        const put =
          isRecord(item) && isRecord(item.PutRequest) && isRecord(item.PutRequest.Item)
            ? (item.PutRequest.Item as WireItem)
            : undefined;
        const deleteKey =
          isRecord(item) && isRecord(item.DeleteRequest) && isRecord(item.DeleteRequest.Key)
            ? (item.DeleteRequest.Key as WireItem)
            : undefined;
        const key = put ? keyOf(table, put) : deleteKey && keyOf(table, deleteKey);
        if (!key) return this.call('BatchWriteItem', body);
        requests.push({ table, key, ...(put ? { put } : {}) });
      }
    }
    const release = await this.mutex.lock(
      requests.map((request) => lockKey(request.table.TableName, request.key)),
    );
    try {
      const before = await Promise.all(
        requests.map((request) => this.getItem(request.table.TableName, request.key)),
      );
      const response = await this.call('BatchWriteItem', body);
      if (response.status === 200) {
        requests.forEach((request, index) =>
          this.recordWrite('BatchWriteItem', request.table, before[index], request.put),
        );
      }
      return response;
    } finally {
      release();
    }
  }

  /**
   * Runs the items one by one under locks on every item, each with its own condition
   * evaluated by dynalite, and restores every touched item when any condition fails, so that
   * the transaction is all or nothing for callers that go through this proxy.
   */
  private async transactWriteItems(body: WireRecord): Promise<DynamoResponse> {
    const items = Array.isArray(body.TransactItems) ? (body.TransactItems as unknown[]) : [];
    if (items.length < 1 || items.length > 100) {
      throw new DynamoDbError(
        'ValidationException',
        'Member must have length less than or equal to 100 and greater than or equal to 1: TransactItems',
      );
    }
    const operations: Array<{
      kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
      request: WireRecord;
      table: TableDefinition;
      key: WireItem;
    }> = [];
    for (const item of items) {
      const kind = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).find(
        (candidate) => isRecord(item) && isRecord(item[candidate]),
      );
      const request = kind && isRecord(item) ? (item[kind] as WireRecord) : undefined;
      if (!kind || !request)
        throw new DynamoDbError(
          'ValidationException',
          'TransactItems must each have exactly one of Put, Update, Delete, ConditionCheck',
        );
      const table = await this.table(request.TableName);
      if (!table) throw new DynamoDbError('ResourceNotFoundException', 'Requested resource not found');
      const source = kind === 'Put' ? request.Item : request.Key;
      const key = isRecord(source) ? keyOf(table, source as WireItem) : undefined;
      if (!key)
        throw new DynamoDbError('ValidationException', 'The provided key element does not match the schema');
      operations.push({ kind, request, table, key });
    }
    const lockKeys = operations.map((operation) => lockKey(operation.table.TableName, operation.key));
    if (new Set(lockKeys).size !== lockKeys.length) {
      throw new DynamoDbError(
        'ValidationException',
        'Transaction request cannot include multiple operations on one item',
      );
    }

    // A ClientRequestToken makes a retried transaction (the SDK fills one in) succeed without applying twice.
    const token = typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : undefined;
    const fingerprint = JSON.stringify(items);
    const earlier = token === undefined ? undefined : this.transactionTokens.get(token);
    if (earlier && earlier.expiresAt > Date.now()) {
      if (earlier.fingerprint !== fingerprint) {
        throw new DynamoDbError(
          'IdempotentParameterMismatchException',
          'The request uses the same client token as a previous, but non-identical request.',
        );
      }
      return { status: 200, body: {} };
    }

    const release = await this.mutex.lock(lockKeys);
    try {
      const before = await Promise.all(
        operations.map((operation) => this.getItem(operation.table.TableName, operation.key)),
      );
      const reasons: WireRecord[] = [];
      let failure: DynamoResponse | undefined;
      for (const [index, operation] of operations.entries()) {
        const response = await this.call(...transactionCall(operation.kind, operation.request));
        if (operation.kind === 'ConditionCheck' && response.status === 200) {
          await this.restore(operation.table.TableName, operation.key, before[index]);
        }
        if (response.status === 200) {
          reasons.push({ Code: 'None' });
        } else if (errorType(response.body) === 'ConditionalCheckFailedException') {
          const old = before[index];
          const withItem = operation.request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old;
          reasons.push({
            Code: 'ConditionalCheckFailed',
            Message: 'The conditional request failed',
            ...(withItem ? { Item: old } : {}),
          });
        } else {
          failure = response;
          break;
        }
      }
      const cancelled = failure !== undefined || reasons.some((reason) => reason.Code !== 'None');
      const after = cancelled
        ? before
        : await Promise.all(
            operations.map((operation) => this.getItem(operation.table.TableName, operation.key)),
          );
      if (cancelled) {
        for (const [index, operation] of operations.entries())
          await this.restore(operation.table.TableName, operation.key, before[index]);
      }
      operations.forEach((operation, index) => {
        const next = operation.kind === 'ConditionCheck' ? before[index] : after[index];
        this.recordWrite('TransactWriteItems', operation.table, before[index], next, {
          multiplier: 2,
          conditionFailed: reasons[index]?.Code === 'ConditionalCheckFailed',
        });
      });
      if (failure) return failure;
      if (!cancelled && token !== undefined) {
        this.transactionTokens.set(token, { fingerprint, expiresAt: Date.now() + TRANSACTION_TOKEN_MS });
      }
      if (cancelled) {
        throw new DynamoDbError(
          'TransactionCanceledException',
          `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => String(reason.Code)).join(', ')}]`,
          400,
          { CancellationReasons: reasons },
        );
      }
      return { status: 200, body: {} };
    } finally {
      release();
    }
  }

  private async transactGetItems(body: WireRecord): Promise<DynamoResponse> {
    const items = Array.isArray(body.TransactItems) ? (body.TransactItems as unknown[]) : [];
    if (items.length < 1 || items.length > 100) {
      throw new DynamoDbError(
        'ValidationException',
        'Member must have length less than or equal to 100 and greater than or equal to 1: TransactItems',
      );
    }
    const gets = items.map((item) => (isRecord(item) && isRecord(item.Get) ? item.Get : undefined));
    const responses: WireRecord[] = [];
    for (const get of gets) {
      if (!get) throw new DynamoDbError('ValidationException', 'TransactItems must each have Get');
      const response = await this.call('GetItem', { ...get, ConsistentRead: true });
      if (response.status !== 200) return response;
      const item = isRecord(response.body.Item) ? (response.body.Item as WireItem) : undefined;
      this.charge('TransactGetItems', String(get.TableName), {
        readRequestUnits: 2 * readUnits(itemSize(item), true),
        writeRequestUnits: 0,
      });
      responses.push(item ? { Item: item } : {});
    }
    return { status: 200, body: { Responses: responses } };
  }

  private async getItemRead(body: WireRecord): Promise<DynamoResponse> {
    const response = await this.call('GetItem', body);
    if (response.status === 200) {
      const item = isRecord(response.body.Item) ? (response.body.Item as WireItem) : undefined;
      this.charge('GetItem', String(body.TableName), {
        readRequestUnits: readUnits(itemSize(item), body.ConsistentRead === true),
        writeRequestUnits: 0,
      });
    }
    return response;
  }

  private async batchGetItem(body: WireRecord): Promise<DynamoResponse> {
    const response = await this.call('BatchGetItem', body);
    if (response.status !== 200) return response;
    const requested = isRecord(body.RequestItems) ? body.RequestItems : {};
    const returned = isRecord(response.body.Responses) ? response.body.Responses : {};
    for (const [tableName, request] of Object.entries(requested)) {
      const consistent = isRecord(request) && request.ConsistentRead === true;
      const keys = isRecord(request) && Array.isArray(request.Keys) ? request.Keys.length : 0;
      const items = Array.isArray(returned[tableName]) ? (returned[tableName] as WireItem[]) : [];
      const found = items.reduce((sum, item) => sum + readUnits(itemSize(item), consistent), 0);
      const missing = Math.max(0, keys - items.length) * readUnits(0, consistent);
      this.charge('BatchGetItem', tableName, { readRequestUnits: found + missing, writeRequestUnits: 0 });
    }
    return response;
  }

  /**
   * A query or scan costs the summed size of the items it evaluated, before any filter or
   * projection, rounded up to 4 KB. When the answer leaves items or attributes out, the same
   * page is read again without filter and projection to see what was evaluated.
   */
  private async queryOrScan(action: 'Query' | 'Scan', body: WireRecord): Promise<DynamoResponse> {
    const response = await this.call(action, body);
    if (response.status !== 200) return response;
    const trimmed =
      body.FilterExpression !== undefined ||
      body.ProjectionExpression !== undefined ||
      body.AttributesToGet !== undefined ||
      body.Select !== undefined;
    const evaluated = trimmed ? await this.call(action, evaluationRequest(body)) : response;
    const items = Array.isArray(evaluated.body.Items) ? (evaluated.body.Items as WireItem[]) : [];
    const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
    this.charge(action, String(body.TableName), {
      readRequestUnits: readUnits(bytes, body.ConsistentRead === true),
      writeRequestUnits: 0,
    });
    return response;
  }

  private async updateTimeToLive(body: WireRecord): Promise<DynamoResponse> {
    const spec = isRecord(body.TimeToLiveSpecification) ? body.TimeToLiveSpecification : undefined;
    if (!spec || typeof spec.AttributeName !== 'string' || typeof spec.Enabled !== 'boolean') {
      throw new DynamoDbError(
        'ValidationException',
        'TimeToLiveSpecification requires AttributeName and Enabled',
      );
    }
    if (!(await this.table(body.TableName)))
      throw new DynamoDbError('ResourceNotFoundException', 'Requested resource not found');
    this.timeToLive.set(String(body.TableName), { AttributeName: spec.AttributeName, Enabled: spec.Enabled });
    return {
      status: 200,
      body: { TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } },
    };
  }

  private async describeTimeToLive(body: WireRecord): Promise<DynamoResponse> {
    if (!(await this.table(body.TableName)))
      throw new DynamoDbError('ResourceNotFoundException', 'Requested resource not found');
    const ttl = this.timeToLive.get(String(body.TableName));
    const description = ttl?.Enabled
      ? { TimeToLiveStatus: 'ENABLED', AttributeName: ttl.AttributeName }
      : { TimeToLiveStatus: 'DISABLED' };
    return { status: 200, body: { TimeToLiveDescription: description } };
  }
}

function lockKey(table: string, key: WireItem): string {
  return `${table}\u0000${JSON.stringify(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)))}`;
}

/** The query or scan of the same page with its filter and projection removed (and the names and values only they used). */
function evaluationRequest(body: WireRecord): WireRecord {
  const {
    FilterExpression: _filter,
    ProjectionExpression: _projection,
    AttributesToGet: _attributes,
    Select: _select,
    QueryFilter: _queryFilter,
    ScanFilter: _scanFilter,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ...rest
  } = body;
  const kept = typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : '';
  const used = (map: unknown) =>
    isRecord(map)
      ? Object.fromEntries(Object.entries(map).filter(([token]) => new RegExp(`${token}\\b`).test(kept)))
      : {};
  const usedNames = used(names);
  const usedValues = used(values);
  return {
    ...rest,
    ...(Object.keys(usedNames).length > 0 ? { ExpressionAttributeNames: usedNames } : {}),
    ...(Object.keys(usedValues).length > 0 ? { ExpressionAttributeValues: usedValues } : {}),
  };
}

const CONDITION_CHECK_MARKER = { name: '#relayflowConditionCheck', value: ':relayflowConditionCheck' };

/** The single-item request that performs one transaction item; a ConditionCheck becomes a marker update that is undone. */
function transactionCall(
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck',
  request: WireRecord,
): [string, WireRecord] {
  const { ReturnValuesOnConditionCheckFailure: _ignored, ...rest } = request;
  switch (kind) {
    case 'Put':
      return ['PutItem', rest];
    case 'Update':
      return ['UpdateItem', rest];
    case 'Delete':
      return ['DeleteItem', rest];
    case 'ConditionCheck':
      return [
        'UpdateItem',
        {
          ...rest,
          UpdateExpression: `SET ${CONDITION_CHECK_MARKER.name} = ${CONDITION_CHECK_MARKER.value}`,
          ExpressionAttributeNames: {
            ...(isRecord(rest.ExpressionAttributeNames) ? rest.ExpressionAttributeNames : {}),
            [CONDITION_CHECK_MARKER.name]: '__relayflow_condition_check',
          },
          ExpressionAttributeValues: {
            ...(isRecord(rest.ExpressionAttributeValues) ? rest.ExpressionAttributeValues : {}),
            [CONDITION_CHECK_MARKER.value]: { BOOL: true },
          },
        },
      ];
  }
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amz-crc32': String(crc32(text)),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(text);
}
