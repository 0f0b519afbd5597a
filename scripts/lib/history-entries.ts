// Turns a per-release history of one parameter (its default in each of the 402 releases, or absent) into
// the data's model: default entries with `from` and `backported`, plus `since`/`since_backported` and
// the release that removed it. The content tests compare the data with the history release by release;
// scripts/derive-defaults.ts uses this to propose the entries when they differ.
import { compareVersions, lineOf } from '../../src/lib/versions.ts';

/** The default in one release; undefined: the release does not have the parameter. */
export type ReleaseValue = string | undefined;

export interface DerivedEntry {
  from: string;
  value: string;
  backported?: string[];
}

export interface Derived {
  since?: string;
  since_backported?: string[];
  defaults: DerivedEntry[];
  /** First release without the parameter after it existed (it never came back). */
  removed?: string;
}

/** "3.6.0" -> "3.6": the data writes feature releases without ".0". */
const short = (v: string) => (v.endsWith('.0') && v.split('.').length === 3 ? v.slice(0, -2) : v);

/**
 * `values` maps every release (X.Y.Z, all of them, in any order) to the parameter's default there.
 * A change is "main" when it holds into the next line's first release; a change inside a line that the
 * next line does not start with is a back-port of the next main change to the same value.
 */
export function deriveEntries(values: ReadonlyMap<string, ReleaseValue>): Derived {
  const versions = [...values.keys()].sort(compareVersions);
  const lines = [...new Set(versions.map(lineOf))];
  const byLine = new Map(lines.map((l) => [l, versions.filter((v) => lineOf(v) === l)]));
  const absent = Symbol('absent');
  type V = string | typeof absent;
  const at = (v: string): V => values.get(v) ?? absent;

  // Changes: (release, value) each time the value differs from the release before it in the same line,
  // and at each line's first release.
  interface Change { release: string; value: V; main: boolean }
  const changes: Change[] = [];
  for (const [i, line] of lines.entries()) {
    const rs = byLine.get(line)!;
    const lineChanges: Change[] = [];
    rs.forEach((r, j) => {
      if (j === 0 || at(r) !== at(rs[j - 1]!)) lineChanges.push({ release: r, value: at(r), main: false });
    });
    // The line's start is main unless it merely continues the previous line's main value.
    lineChanges[0]!.main = true;
    const nextLine = lines[i + 1];
    const nextStart = nextLine ? at(byLine.get(nextLine)![0]!) : undefined;
    const last = lineChanges.at(-1)!;
    if (lineChanges.length > 1 && (nextLine === undefined || nextStart === last.value)) last.main = true;
    changes.push(...lineChanges);
  }

  // The main chain, dropping line starts that repeat the value already in force.
  const main: Change[] = [];
  for (const c of changes.filter((x) => x.main)) if (main.at(-1)?.value !== c.value) main.push(c);
  const backports = new Map<Change, string[]>();
  for (const c of changes.filter((x) => !x.main)) {
    const target = main.find((m) => compareVersions(m.release, c.release) > 0 && m.value === c.value);
    // A change no later release line takes up: record it as its own entry so nothing is lost (rare).
    if (!target) { main.push(c); main.sort((a, b) => compareVersions(a.release, b.release)); continue; }
    backports.set(target, [...(backports.get(target) ?? []), c.release]);
  }

  const out: Derived = { defaults: [] };
  const firstPresent = main.findIndex((m) => m.value !== absent);
  for (const [i, m] of main.entries()) {
    if (m.value === absent) {
      if (i > firstPresent && firstPresent >= 0 && main.slice(i + 1).every((x) => x.value === absent)) out.removed = short(m.release);
      continue;
    }
    const bp = backports.get(m);
    if (out.since === undefined) {
      out.since = short(m.release);
      if (bp) out.since_backported = bp;
    }
    out.defaults.push({ from: short(m.release), value: m.value, ...(bp ? { backported: bp } : {}) });
  }
  return out;
}

/** The value the model gives for `version` (the same reading as src/lib/facts.ts), for checking a derivation. */
export function valueFromEntries(d: Derived, version: string): ReleaseValue {
  const reached = (from: string, bp: readonly string[] = []) =>
    compareVersions(version, from) >= 0 || bp.some((b) => lineOf(b) === lineOf(version) && compareVersions(version, b) >= 0);
  if (!d.since || !reached(d.since, d.since_backported)) return undefined;
  if (d.removed && compareVersions(version, d.removed) >= 0) return undefined;
  let found: string | undefined;
  for (const e of d.defaults) if (reached(e.from, e.backported)) found = e.value;
  return found;
}
