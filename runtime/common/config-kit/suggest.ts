/**
 * "Did you mean ...?" for unknown keys: the closest known key by edit distance
 * (optimal string alignment, so a swapped pair of letters counts as one edit).
 */

/**
 * Edits (insert, delete, substitute, swap adjacent) that turn `a` into `b`.
 * Three rows of the table, not all of it: it runs for every unknown key of a
 * file, and a file may have thousands.
 */
export function editDistance(a: string, b: string): number {
  const cols = b.length + 1;
  let before = new Uint32Array(cols);
  let previous = Uint32Array.from({ length: cols }, (_, j) => j);
  let current = new Uint32Array(cols);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] as number) + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[cols - 1] as number;
}

/** The known word closest to `word` within `maxDistance` edits (case-insensitive), if any. */
export function closest(word: string, known: readonly string[], maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  const lower = word.toLowerCase();
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    // Lengths further apart than the distance sought cannot be within it: a long key costs no edit-distance table.
    if (Math.abs(lower.length - other.length) >= bestDistance) continue;
    const distance = editDistance(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
