/** Compares Postfix release or compatibility_level strings numerically ("3.10" > "3.9"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** "3.7.16" -> "3.7": the feature-release line a version belongs to. */
export const lineOf = (version: string) => version.split('.').slice(0, 2).join('.');
