/** Damerau-Levenshtein distance (adjacent transpositions count as one edit): typo distance. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      let v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] ?? 0) + 1);
      row[j] = v;
    }
  }
  return (d[m] as number[])[n] ?? 0;
}

/** Closest candidate within a typo's reach, or undefined. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 6));
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) > limit) continue;
    const dist = c.toLowerCase() === lower ? 0.5 : editDistance(lower, c.toLowerCase());
    if (dist < bestD || (dist === bestD && best !== undefined && c < best)) { best = c; bestD = dist; }
  }
  return bestD <= limit ? best : undefined;
}

/**
 * True when a and b are at most k edits apart (optimal string alignment). Only the diagonal band the
 * limit allows is computed, and it stops as soon as a row exceeds it: cheap enough to run for every
 * name in a 10 000-line main.cf.
 */
export function withinDistance(a: string, b: string, k: number): boolean {
  if (Math.abs(a.length - b.length) > k) return false;
  if (a === b) return true;
  const n = b.length;
  const INF = k + 1;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => (j <= k ? j : INF));
  for (let i = 1; i <= a.length; i++) {
    const row: number[] = new Array<number>(n + 1).fill(INF);
    row[0] = i <= k ? i : INF;
    let best = row[0];
    const from = Math.max(1, i - k);
    const to = Math.min(n, i + k);
    for (let j = from; j <= to; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? INF) + 1, (row[j - 1] ?? INF) + 1, (prev[j - 1] ?? INF) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] ?? INF) + 1);
      row[j] = Math.min(v, INF);
      if (v < best) best = v;
    }
    if (best > k) return false;
    prev2 = prev;
    prev = row;
  }
  return (prev[n] ?? INF) <= k;
}
