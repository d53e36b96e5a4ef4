import { indexWriteUnits, itemSize, writeUnits, type TableDefinition, type WireItem } from './capacity';

export interface WriteRecord {
  readonly action: string;
  readonly table: string;
  /**
   * What kind of item was written, read off its key: each key attribute's value up to its first
   * `#` (`EVT#/STATE`, `LIMIT#/GCRA`), so that a cost can be traced to the writes behind it.
   */
  readonly keyShape: string;
  /** Size of the item before and after the write, in bytes (0 when absent). */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly tableWriteUnits: number;
  readonly indexWriteUnits: number;
  readonly conditionFailed: boolean;
}

/** One read's units, by the kind of item it read (a query: the index and the items it evaluated). */
export interface ReadRecord {
  readonly action: string;
  readonly table: string;
  /** As a write's (`EVT#/STATE`); a query's is prefixed with its index, `byEntity → EVT#/STATE`. */
  readonly keyShape: string;
  readonly readUnits: number;
}

export interface CapacityTotals {
  readRequestUnits: number;
  writeRequestUnits: number;
}

export interface CapacityReport extends CapacityTotals {
  readonly byTable: Record<string, CapacityTotals>;
  readonly byAction: Record<string, CapacityTotals>;
}

/** A key value's prefix up to and with its first `#`, or the whole of a short value without one. */
const prefixOf = (value: unknown): string => {
  const text = typeof value === 'object' && value !== null ? String(Object.values(value)[0] ?? '') : '';
  const hash = text.indexOf('#');
  if (hash >= 0) return text.slice(0, hash + 1);
  return text.length <= 16 ? text : '…';
};

export const keyShapeOf = (table: TableDefinition, item: WireItem | undefined): string =>
  item === undefined ? '' : table.KeySchema.map((key) => prefixOf(item[key.AttributeName])).join('/');

/** Request units consumed, by table and by action, and one record per item written and per read. */
export class CapacityMeter {
  private readonly writeLog: WriteRecord[] = [];
  private readonly readLog: ReadRecord[] = [];
  private readonly byTable = new Map<string, CapacityTotals>();
  private readonly byAction = new Map<string, CapacityTotals>();

  charge(action: string, table: string, units: CapacityTotals): void {
    for (const [map, name] of [
      [this.byTable, table],
      [this.byAction, action],
    ] as const) {
      const total = map.get(name) ?? { readRequestUnits: 0, writeRequestUnits: 0 };
      total.readRequestUnits += units.readRequestUnits;
      total.writeRequestUnits += units.writeRequestUnits;
      map.set(name, total);
    }
  }

  /** Charges one item write: a failed condition costs the existing item's units and touches no index. */
  recordWrite(
    action: string,
    table: TableDefinition,
    before: WireItem | undefined,
    after: WireItem | undefined,
    conditionFailed = false,
  ): void {
    const bytesBefore = itemSize(before);
    const bytesAfter = itemSize(after);
    const tableUnits = writeUnits(Math.max(bytesBefore, bytesAfter));
    const indexUnits = conditionFailed ? 0 : indexWriteUnits(table, before, after);
    this.writeLog.push({
      action,
      table: table.TableName,
      keyShape: keyShapeOf(table, after ?? before),
      bytesBefore,
      bytesAfter,
      tableWriteUnits: tableUnits,
      indexWriteUnits: indexUnits,
      conditionFailed,
    });
    this.charge(action, table.TableName, { readRequestUnits: 0, writeRequestUnits: tableUnits + indexUnits });
  }

  /** Charges one read and records what kind of item it was for. */
  recordRead(action: string, table: string, keyShape: string, readUnits: number): void {
    this.readLog.push({ action, table, keyShape, readUnits });
    this.charge(action, table, { readRequestUnits: readUnits, writeRequestUnits: 0 });
  }

  report(): CapacityReport {
    const copy = (map: Map<string, CapacityTotals>) =>
      Object.fromEntries([...map].map(([name, total]) => [name, { ...total }]));
    const total = { readRequestUnits: 0, writeRequestUnits: 0 };
    for (const units of this.byTable.values()) {
      total.readRequestUnits += units.readRequestUnits;
      total.writeRequestUnits += units.writeRequestUnits;
    }
    return { ...total, byTable: copy(this.byTable), byAction: copy(this.byAction) };
  }

  writes(): WriteRecord[] {
    return [...this.writeLog];
  }

  reads(): ReadRecord[] {
    return [...this.readLog];
  }

  reset(): void {
    this.writeLog.length = 0;
    this.readLog.length = 0;
    this.byTable.clear();
    this.byAction.clear();
  }
}
