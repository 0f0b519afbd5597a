// Wording for "which releases" on reference pages: a default entry of a parameter covers a range of releases
// that may start or end in a patch release, and may have been back-ported to patch releases of older lines.
import type { Parameter, Release } from './schema/index.ts';
import { compareVersions, lineOf } from './versions.ts';

type DefaultEntry = Parameter['defaults'][number];

export interface DefaultRow extends DefaultEntry {
  /** "3.6 – 3.10", "3.10.5 and later", "3.7". */
  range: string;
  /** Patch releases of older lines where this default applies too, worded for readers; empty when none. */
  alsoIn: string[];
  /** Parts of the range that a later back-port took over, worded for readers; empty when none. */
  except: string[];
}

/** "3.7.16 and later patch releases of 3.7" */
export const backportWording = (b: string) => `${b} and later patch releases of ${lineOf(b)}`;

/** The release just before `from` (a feature release "3.8" -> the line before it; "3.10.5" -> "3.10.4"). */
function releaseBefore(from: string, releases: readonly Release[]): string | undefined {
  const parts = from.split('.');
  if (parts.length === 3 && Number(parts[2]) > 0) return `${parts[0]}.${parts[1]}.${Number(parts[2]) - 1}`;
  const earlier = releases.filter((r) => compareVersions(r.version, lineOf(from)) < 0);
  return earlier.at(-1)?.version;
}

/** One row per default entry, with its release range and the back-ports that add to or cut into it. */
export function defaultRows(p: Parameter, releases: readonly Release[]): DefaultRow[] {
  return p.defaults.map((d, i) => {
    const next = p.defaults[i + 1];
    const end = next ? releaseBefore(next.from, releases) : undefined;
    const range = !next ? `${d.from} and later` : end === undefined || end === d.from ? d.from : `${d.from} – ${end}`;
    // A later entry back-ported into this entry's range replaces it from that patch release on.
    const except = p.defaults.slice(i + 1).flatMap((later) => (later.backported ?? [])
      .filter((b) => compareVersions(b, d.from) > 0 && (!next || compareVersions(b, next.from) < 0)))
      .map(backportWording);
    return { ...d, range, alsoIn: (d.backported ?? []).map(backportWording), except };
  });
}
