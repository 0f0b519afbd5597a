// Reading postconf's "name = value" output the way the data records values.

/** Collapses whitespace and the spacing around list separators; `$name` stays literal. */
export const normalise = (v: string) => v.replace(/\s+/g, ' ').replace(/\s*,\s*/g, ', ').trim();

/** `name = value` lines of postconf output as name -> value (whitespace normalised). */
export function parsePostconf(stdout: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf(' = ');
    const eq = i >= 0 ? i : line.endsWith(' =') ? line.length - 2 : -1;
    if (eq < 0) continue;
    map.set(line.slice(0, eq), normalise(line.slice(eq + 3)));
  }
  return map;
}
