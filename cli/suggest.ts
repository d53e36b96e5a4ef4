/**
 * Edits (insert, delete, replace, swap two neighbours) between two words: a swap counts once, as
 * typing `strpie` for `stripe` is one slip, not two.
 */
export const editDistance = (a: string, b: string): number => {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(a.length, b.length);
};

/**
 * The known words nearest to `word`, when they are near enough to be a slip (a third of its
 * letters at most) rather than another word.
 */
export const nearest = (word: string, known: readonly string[]): string[] => {
  const limit = Math.max(1, Math.floor(word.length / 3));
  const scored = known.map((k) => ({ k, distance: editDistance(word.toLowerCase(), k.toLowerCase()) }));
  const best = Math.min(...scored.map((s) => s.distance));
  return best > limit ? [] : scored.filter((s) => s.distance === best).map((s) => s.k);
};
