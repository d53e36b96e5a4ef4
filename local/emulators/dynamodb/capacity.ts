/**
 * On-demand capacity arithmetic, after the DynamoDB developer guide pages "Item sizes and
 * formats", "DynamoDB read/write capacity modes" (1 write request unit per 1 KB, 1 read request
 * unit per 4 KB strongly consistent, half that eventually consistent) and
 * "Provisioned throughput considerations for global secondary indexes".
 */

/** An attribute value as it travels in the DynamoDB JSON protocol (binary as base64 text). */
export type WireValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: Record<string, WireValue> }
  | { L: WireValue[] }
  | { NULL: boolean }
  | { BOOL: boolean };

export type WireItem = Record<string, WireValue>;

export interface KeyElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

export interface IndexDefinition {
  readonly IndexName: string;
  readonly KeySchema: readonly KeyElement[];
  readonly Projection: {
    readonly ProjectionType?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
    readonly NonKeyAttributes?: readonly string[];
  };
}

export interface TableDefinition {
  readonly TableName: string;
  readonly KeySchema: readonly KeyElement[];
  readonly GlobalSecondaryIndexes?: readonly IndexDefinition[];
  readonly LocalSecondaryIndexes?: readonly IndexDefinition[];
}

const WRITE_UNIT_BYTES = 1024;
const READ_UNIT_BYTES = 4096;

function numberSize(text: string): number {
  // Leading and trailing zeroes are trimmed; one byte per two significant digits, plus one.
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function base64Size(text: string): number {
  return Buffer.from(text, 'base64').length;
}

export function valueSize(value: WireValue): number {
  if ('S' in value) return Buffer.byteLength(value.S, 'utf8');
  if ('N' in value) return numberSize(value.N);
  if ('B' in value) return base64Size(value.B);
  if ('SS' in value) return value.SS.reduce((sum, item) => sum + Buffer.byteLength(item, 'utf8'), 0);
  if ('NS' in value) return value.NS.reduce((sum, item) => sum + numberSize(item), 0);
  if ('BS' in value) return value.BS.reduce((sum, item) => sum + base64Size(item), 0);
  // Documents carry 3 bytes of overhead, and one byte per element.
  if ('M' in value)
    return (
      3 +
      Object.entries(value.M).reduce(
        (sum, [name, item]) => sum + Buffer.byteLength(name, 'utf8') + valueSize(item) + 1,
        0,
      )
    );
  if ('L' in value) return 3 + value.L.reduce((sum, item) => sum + valueSize(item) + 1, 0);
  return 1;
}

/** Item size in bytes: attribute name lengths plus value sizes. */
export function itemSize(item: WireItem | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueSize(value),
    0,
  );
}

export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}

function pick(item: WireItem, names: ReadonlySet<string>): WireItem {
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function indexEntry(
  table: TableDefinition,
  index: IndexDefinition,
  item: WireItem | undefined,
): WireItem | undefined {
  if (!item || !index.KeySchema.every((key) => key.AttributeName in item)) return undefined;
  const type = index.Projection.ProjectionType ?? 'KEYS_ONLY';
  if (type === 'ALL') return item;
  const names = new Set([...table.KeySchema, ...index.KeySchema].map((key) => key.AttributeName));
  if (type === 'INCLUDE') for (const name of index.Projection.NonKeyAttributes ?? []) names.add(name);
  return pick(item, names);
}

/**
 * Write units the secondary indexes consume for one item going from `before` to `after`:
 * nothing when the item is in neither; a put or a delete when it enters or leaves; a delete
 * and a put when an index key changes; one write of the larger entry when projected
 * attributes change; nothing when they do not.
 */
export function indexWriteUnits(
  table: TableDefinition,
  before: WireItem | undefined,
  after: WireItem | undefined,
): number {
  const indexes = [...(table.GlobalSecondaryIndexes ?? []), ...(table.LocalSecondaryIndexes ?? [])];
  return indexes.reduce((sum, index) => {
    const oldEntry = indexEntry(table, index, before);
    const newEntry = indexEntry(table, index, after);
    if (!oldEntry && !newEntry) return sum;
    if (!oldEntry || !newEntry) return sum + writeUnits(itemSize(oldEntry ?? newEntry));
    const keyChanged = index.KeySchema.some(
      (key) => !sameJson(oldEntry[key.AttributeName], newEntry[key.AttributeName]),
    );
    if (keyChanged) return sum + writeUnits(itemSize(oldEntry)) + writeUnits(itemSize(newEntry));
    if (sameJson(oldEntry, newEntry)) return sum;
    return sum + writeUnits(Math.max(itemSize(oldEntry), itemSize(newEntry)));
  }, 0);
}

/** The item's primary key, or undefined when the item lacks a key attribute. */
export function keyOf(table: TableDefinition, item: WireItem): WireItem | undefined {
  const key: WireItem = {};
  for (const element of table.KeySchema) {
    const value = item[element.AttributeName];
    if (value === undefined) return undefined;
    key[element.AttributeName] = value;
  }
  return key;
}
