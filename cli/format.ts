import { CliError } from './environment';

/** Where commands write: stdout for results, stderr for progress and errors. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars redraw in place only there). */
  readonly interactive: boolean;
}

/** A plain-text table: a header row, then rows, columns padded to their widest cell. */
export const table = (
  headers: readonly string[],
  rows: readonly (readonly (string | number | undefined)[])[],
): string => {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

export const json = (value: unknown): string => JSON.stringify(value, null, 2);

const RELATIVE = /^(\d+)\s*(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An ISO 8601 time, or a duration back from now (`30m`, `2h`, `1d`). */
export const parseTime = (value: string, now: Date, option: string): string => {
  const relative = RELATIVE.exec(value.trim());
  if (relative) {
    const amount = Number(relative[1]);
    const unit = relative[2] as keyof typeof UNIT_MS;
    return new Date(now.getTime() - amount * UNIT_MS[unit]).toISOString();
  }
  const parsed = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(parsed)) {
    throw new CliError(
      `${option} must be an ISO 8601 time (2025-06-01T10:00:00Z) or a duration back from now (30m, 2h, 1d), not "${value}".`,
    );
  }
  return new Date(parsed).toISOString();
};

/** Repeatable, comma-separable option values: `--status A --status B,C`. */
export const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

export const positiveInt =
  (option: string, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new CliError(`${option} must be a whole number from 1 to ${max}, not "${value}".`);
    return n;
  };

export const positiveNumber =
  (option: string, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > max)
      throw new CliError(`${option} must be a number above 0 and at most ${max}, not "${value}".`);
    return n;
  };

export const age = (iso: string | undefined, now: Date): string => {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
};
