import { AwsError, AwsResponse, serveAwsJson, type AwsJsonProtocol } from '../aws-json';
import { FaultSchedule, type EmulatorFault } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';
import { itemSize, keyOf, readUnits, type TableDefinition, type WireItem } from './capacity';
import {
  CapacityMeter,
  keyShapeOf,
  type CapacityReport,
  type ReadRecord,
  type WriteRecord,
} from './capacity-meter';
import { DynaliteBackend, isRecord } from './dynalite-backend';
import { ItemLocks } from './item-locks';
import { createTableRequest, type TableResource } from './tables';

export { itemSize, readUnits, writeUnits, type WireItem } from './capacity';
export type { CapacityReport, CapacityTotals, WriteRecord } from './capacity-meter';
export type { CfnTableProperties, TableResource } from './tables';

/**
 * DynamoDB for the local runtime: dynalite (in memory) behind a proxy that serves the data
 * actions the Lambdas, the CLI and the tests call, and adds what the cost benchmark and the
 * fault tests need: request counters, on-demand capacity accounting, fault injection and the
 * old item on a failed condition (ReturnValuesOnConditionCheckFailure), which dynalite does
 * not return.
 *
 * Capacity accounting (documented approximations):
 * - every single-item write is bracketed, under a per-item lock, by consistent reads of the
 *   item before and after, so the table's write units are `ceil(max(before, after) / 1 KB)`
 *   (minimum 1), and the secondary-index units follow the GSI page's cases exactly;
 * - a write whose condition fails costs the existing item's units (1 when there is none);
 * - BatchWriteItem items are accounted one by one, as DynamoDB bills them;
 * - GetItem and BatchGetItem reads are computed from the items returned (a missing item costs
 *   the minimum); Query and Scan from the summed size of the items evaluated (dynalite's own
 *   ReturnConsumedCapacity ignores ConsistentRead on Scan, so it is not used);
 * - item sizes follow "Item sizes and formats" (numbers: one byte per two significant digits
 *   plus one; documents: 3 bytes plus one per element).
 */

const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

const THROTTLE_MESSAGES: Readonly<Record<string, string>> = {
  ProvisionedThroughputExceededException:
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  ThrottlingException: 'Rate of requests exceeds the allowed throughput.',
  RequestLimitExceeded: 'Throughput exceeds the current throughput limit for your account.',
};

const PROTOCOL: AwsJsonProtocol = {
  service: 'DynamoDB',
  targetPrefix: 'DynamoDB_20120810.',
  version: '1.0',
  internalError: 'InternalServerError',
  // An injected code may name its own namespace, as ThrottlingException's differs.
  errorType: (code) => (code.includes('#') ? code : `${ERROR_PREFIX}${code}`),
  // The SDK retries each of these; throttle faults answer in the exact shape it expects.
  throttle: (code = 'ProvisionedThroughputExceededException') =>
    new AwsError(
      code === 'ThrottlingException' ? `com.amazon.coral.availability#${code}` : code,
      THROTTLE_MESSAGES[code] ?? 'Rate exceeded',
    ),
  checksum: true,
};

type WireRecord = Record<string, unknown>;

/** Whether two items hold the same data, whatever the order of their attributes (and of a map's). */
const sameData = (a: WireItem | undefined, b: WireItem | undefined): boolean => {
  const canonical = (item: WireItem | undefined) =>
    JSON.stringify(item, (_, value: unknown) =>
      isRecord(value)
        ? Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
        : value,
    );
  return canonical(a) === canonical(b);
};

/** One change of an item, as a table's stream records it (wire-format images). */
export interface ItemChangeRecord {
  readonly tableName: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: WireItem;
  readonly oldImage?: WireItem;
  readonly newImage?: WireItem;
}

export interface DynamoDbEmulatorOptions {
  /** What a `delay` fault waits on: the runtime's clock, so that a test can move past it. @default real time */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class DynamoDbEmulator {
  private readonly faults: FaultSchedule;
  private readonly meter = new CapacityMeter();
  private readonly locks = new ItemLocks();
  private readonly tables = new Map<string, TableDefinition>();
  private backend: DynaliteBackend | undefined;
  private readonly changeListeners = new Map<string, ((change: ItemChangeRecord) => void)[]>();

  constructor(options: DynamoDbEmulatorOptions = {}) {
    this.faults = new FaultSchedule(options.sleep);
  }

  /** Requests served over HTTP, by action (faulted requests included). */
  counters(): Record<string, number> {
    return this.faults.counters();
  }

  /** Read and write request units consumed so far, as on-demand billing would count them. */
  capacity(): CapacityReport {
    return this.meter.report();
  }

  /** One record per item written (or whose conditional write failed), oldest first. */
  writes(): WriteRecord[] {
    return this.meter.writes();
  }

  /** One record per read (GetItem, each key of a BatchGetItem, Query, Scan), oldest first. */
  reads(): ReadRecord[] {
    return this.meter.reads();
  }

  /** Forgets counters, capacity and the read and write logs (tables and items stay). */
  resetCounters(): void {
    this.faults.resetCounters();
    this.meter.reset();
  }

  /** Test hook for the next HTTP requests of `action`; see {@link EmulatorFault}. */
  injectFault(action: string, fault: EmulatorFault): void {
    this.faults.add(action, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Faults armed for `action` and not yet applied: 0 once the last one has taken hold. */
  armedFaults(action: string): number {
    return this.faults.armed(action);
  }

  /**
   * Calls `listener` with every change a write makes to an item of `tableName`, in the order the
   * writes took effect per item (the table's stream). A write that changes nothing records none,
   * as in DynamoDB Streams.
   */
  onItemChange(tableName: string, listener: (change: ItemChangeRecord) => void): void {
    this.changeListeners.set(tableName, [...(this.changeListeners.get(tableName) ?? []), listener]);
  }

  private recordChange(table: TableDefinition, key: WireItem, before?: WireItem, after?: WireItem): void {
    const listeners = this.changeListeners.get(table.TableName);
    if (!listeners || (!before && !after) || sameData(before, after)) return;
    const change: ItemChangeRecord = {
      tableName: table.TableName,
      eventName: !before ? 'INSERT' : !after ? 'REMOVE' : 'MODIFY',
      keys: key,
      ...(before ? { oldImage: before } : {}),
      ...(after ? { newImage: after } : {}),
    };
    for (const listener of listeners) listener(change);
  }

  /** Creates tables from `AWS::DynamoDB::Table` properties and waits until they are ACTIVE. */
  async createTables(resources: readonly TableResource[]): Promise<void> {
    for (const resource of resources) {
      const created = await this.call('CreateTable', createTableRequest(resource));
      if (created.status !== 200) {
        throw new Error(`CreateTable ${resource.tableName} failed: ${JSON.stringify(created.body)}`);
      }
      await this.waitUntilActive(resource.tableName);
    }
  }

  async start(options: { port?: number } = {}): Promise<RunningEmulator> {
    if (this.backend) throw new Error('DynamoDB emulator is already running');
    const backend = await DynaliteBackend.start();
    this.backend = backend;
    const write = (action: 'PutItem' | 'UpdateItem' | 'DeleteItem') => (input: unknown) =>
      this.writeItem(action, record(input));
    const proxy = await serveAwsJson(
      PROTOCOL,
      {
        PutItem: write('PutItem'),
        UpdateItem: write('UpdateItem'),
        DeleteItem: write('DeleteItem'),
        BatchWriteItem: (input) => this.batchWriteItem(record(input)),
        GetItem: (input) => this.getItem(record(input)),
        BatchGetItem: (input) => this.batchGetItem(record(input)),
        Query: (input) => this.queryOrScan('Query', record(input)),
        Scan: (input) => this.queryOrScan('Scan', record(input)),
        DescribeTable: (input) => this.call('DescribeTable', input),
      },
      this.faults,
      options.port,
    );
    return {
      endpoint: proxy.endpoint,
      stop: async () => {
        await proxy.stop();
        this.backend = undefined;
        // The in-memory database goes away with the server; so do the definitions cached from it.
        this.tables.clear();
        await backend.stop();
      },
    };
  }

  private async waitUntilActive(tableName: string): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const described = await this.call('DescribeTable', { TableName: tableName });
      if (isRecord(described.body.Table) && described.body.Table.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`Table ${tableName} did not become ACTIVE`);
  }

  /** Sends one request to dynalite, bypassing counters, faults and accounting. */
  private call(action: string, body: unknown): Promise<AwsResponse> {
    if (!this.backend) return Promise.reject(new Error('DynamoDB emulator is not running'));
    return this.backend.call(action, body);
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

  private async readItem(table: string, key: WireItem): Promise<WireItem | undefined> {
    const response = await this.call('GetItem', { TableName: table, Key: key, ConsistentRead: true });
    return isRecord(response.body.Item) ? (response.body.Item as WireItem) : undefined;
  }

  private async writeItem(
    action: 'PutItem' | 'UpdateItem' | 'DeleteItem',
    body: WireRecord,
  ): Promise<AwsResponse> {
    const table = await this.table(body.TableName);
    const source = action === 'PutItem' ? body.Item : body.Key;
    const key = table && isRecord(source) ? keyOf(table, source as WireItem) : undefined;
    if (!table || !key) return this.call(action, body);

    const release = await this.locks.lock([{ table: table.TableName, key }]);
    try {
      const before = await this.readItem(table.TableName, key);
      const response = await this.call(action, body);
      if (response.status === 200) {
        const after =
          action === 'PutItem'
            ? (body.Item as WireItem)
            : action === 'DeleteItem'
              ? undefined
              : await this.readItem(table.TableName, key);
        this.meter.recordWrite(action, table, before, after);
        this.recordChange(table, key, before, after);
      } else if (errorType(response.body) === 'ConditionalCheckFailedException') {
        this.meter.recordWrite(action, table, before, undefined, true);
        if (
          body.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' &&
          before &&
          response.body.Item === undefined
        ) {
          return new AwsResponse(response.status, { ...response.body, Item: before });
        }
      }
      return response;
    } finally {
      release();
    }
  }

  private async batchWriteItem(body: WireRecord): Promise<AwsResponse> {
    const requests: { table: TableDefinition; key: WireItem; put?: WireItem }[] = [];
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
    const release = await this.locks.lock(
      requests.map(({ table, key }) => ({ table: table.TableName, key })),
    );
    try {
      const before = await Promise.all(requests.map(({ table, key }) => this.readItem(table.TableName, key)));
      const response = await this.call('BatchWriteItem', body);
      if (response.status === 200) {
        requests.forEach((request, index) => {
          this.meter.recordWrite('BatchWriteItem', request.table, before[index], request.put);
          this.recordChange(request.table, request.key, before[index], request.put);
        });
      }
      return response;
    } finally {
      release();
    }
  }

  private async getItem(body: WireRecord): Promise<AwsResponse> {
    const response = await this.call('GetItem', body);
    if (response.status === 200) {
      const item = isRecord(response.body.Item) ? (response.body.Item as WireItem) : undefined;
      const table = await this.table(body.TableName);
      const key = isRecord(body.Key) ? (body.Key as WireItem) : undefined;
      this.meter.recordRead(
        'GetItem',
        String(body.TableName),
        table ? keyShapeOf(table, key) : '',
        readUnits(itemSize(item), body.ConsistentRead === true),
      );
    }
    return response;
  }

  private async batchGetItem(body: WireRecord): Promise<AwsResponse> {
    const response = await this.call('BatchGetItem', body);
    if (response.status !== 200) return response;
    const requested = isRecord(body.RequestItems) ? body.RequestItems : {};
    const returned = isRecord(response.body.Responses) ? response.body.Responses : {};
    for (const [tableName, request] of Object.entries(requested)) {
      const consistent = isRecord(request) && request.ConsistentRead === true;
      const keys = isRecord(request) && Array.isArray(request.Keys) ? (request.Keys as WireItem[]) : [];
      const items = Array.isArray(returned[tableName]) ? (returned[tableName] as WireItem[]) : [];
      const table = await this.table(tableName);
      const found = new Map(
        table ? items.map((item) => [JSON.stringify(keyOf(table, item)), item] as const) : [],
      );
      // Each key costs what it read, a missing one the minimum.
      for (const key of keys) {
        const item = table ? found.get(JSON.stringify(keyOf(table, key))) : undefined;
        this.meter.recordRead(
          'BatchGetItem',
          tableName,
          table ? keyShapeOf(table, key) : '',
          readUnits(itemSize(item), consistent),
        );
      }
    }
    return response;
  }

  /**
   * A query or scan costs the summed size of the items it evaluated, before any filter or
   * projection, rounded up to 4 KB. When the answer leaves items or attributes out, the same
   * page is read again without filter and projection to see what was evaluated.
   */
  private async queryOrScan(action: 'Query' | 'Scan', body: WireRecord): Promise<AwsResponse> {
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
    const table = await this.table(body.TableName);
    const shape = table && items[0] ? keyShapeOf(table, items[0]) : '(none)';
    this.meter.recordRead(
      action,
      String(body.TableName),
      typeof body.IndexName === 'string' ? `${body.IndexName} → ${shape}` : shape,
      readUnits(bytes, body.ConsistentRead === true),
    );
    return response;
  }
}

function record(input: unknown): WireRecord {
  return isRecord(input) ? input : {};
}

function errorType(body: Readonly<WireRecord>): string {
  const type = typeof body.__type === 'string' ? body.__type : '';
  return type.slice(type.indexOf('#') + 1);
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
