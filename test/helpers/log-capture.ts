/**
 * Captures what a Powertools Logger prints: it writes to process.stdout (debug, info) and
 * process.stderr (warn, error) through its own Console. Restores both streams when `run` ends.
 */
export const captureOutput = async (run: () => unknown): Promise<string[]> => {
  const lines: string[] = [];
  const record = (chunk: unknown) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line.length > 0),
    );
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(record);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
};

/** The JSON log lines among captured output (EMF metric lines included). */
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export const jsonLines = (lines: readonly string[]): Record<string, unknown>[] =>
  lines.flatMap((line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      return isRecord(parsed) ? [parsed] : [];
    } catch {
      return [];
    }
  });
