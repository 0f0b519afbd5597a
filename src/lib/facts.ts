import type { Content } from './content-lint/load-content.ts';
import type { CipherGrade, Parameter, Protocol, Release, SecurityLevel } from './schema/index.ts';
import { compareVersions, lineOf } from './versions.ts';

/**
 * Everything the engine knows about Postfix, built only from content/. Rules read facts from here and
 * never keep their own copy of names, versions or defaults.
 */
export interface Facts {
  /** Releases, oldest first. */
  releases: readonly Release[];
  parameters: ReadonlyMap<string, Parameter>;
  securityLevels: ReadonlyMap<string, SecurityLevel>;
  protocols: ReadonlyMap<string, Protocol>;
  cipherGrades: ReadonlyMap<string, CipherGrade>;
  /** Names of Postfix's other (non-TLS) parameters: known, but not described. */
  nonTlsParameterNames: ReadonlySet<string>;
  /** First release of a non-TLS name newer than 2.2, and the release that dropped a name. */
  nonTlsParameterDates: { since: ReadonlyMap<string, string>; removed: ReadonlyMap<string, string> };
  /** Suffixes any delivery transport's name may carry (<transport>_destination_rate_delay, ...). */
  perTransportSuffixes: readonly string[];
}

/** Plain-data form of Facts, for JSON (the browser bundle) and for tests. */
export interface FactsData {
  releases: Release[];
  parameters: Parameter[];
  securityLevels: SecurityLevel[];
  protocols: Protocol[];
  cipherGrades: CipherGrade[];
  /** Optional: without it, only TLS names are known (test fixtures). */
  nonTlsParameters?: { names: string[]; since?: Record<string, string>; removed?: Record<string, string>; per_transport_suffixes: string[] };
}

export function factsFromData(data: FactsData): Facts {
  const byName = <T extends { name: string }>(items: T[]) => new Map(items.map((i) => [i.name, i]));
  return {
    releases: [...data.releases].sort((a, b) => compareVersions(a.version, b.version)),
    parameters: byName(data.parameters),
    securityLevels: byName(data.securityLevels),
    protocols: byName(data.protocols),
    cipherGrades: byName(data.cipherGrades),
    nonTlsParameterNames: new Set(data.nonTlsParameters?.names ?? []),
    nonTlsParameterDates: {
      since: new Map(Object.entries(data.nonTlsParameters?.since ?? {})),
      removed: new Map(Object.entries(data.nonTlsParameters?.removed ?? {})),
    },
    perTransportSuffixes: data.nonTlsParameters?.per_transport_suffixes ?? [],
  };
}

export function factsDataFromContent(content: Content): FactsData {
  return {
    releases: content.releases.map((e) => e.value),
    parameters: content.parameters.map((e) => e.value),
    securityLevels: content.securityLevels.map((e) => e.value),
    protocols: content.protocols.map((e) => e.value),
    cipherGrades: content.cipherGrades.map((e) => e.value),
    ...(content.nonTlsParameters ? { nonTlsParameters: content.nonTlsParameters.value } : {}),
  };
}

/** The newest release in the data: the default target of checks. */
export function newestRelease(facts: Facts): string {
  const last = facts.releases.at(-1);
  if (!last) throw new Error('no releases in content/releases.yaml');
  return last.version;
}

/** What a parameter is on a given release. */
export type ParameterStatus = 'not-yet' | 'available' | 'deprecated' | 'ignored' | 'removed';

/**
 * True when `version` has reached a change made in `from`, or in one of its back-ports to older lines
 * (each back-port counts from its patch release to the end of its own line only).
 */
export function reached(version: string, from: string, backported: readonly string[] = []): boolean {
  if (compareVersions(version, from) >= 0) return true;
  return backported.some((b) => lineOf(b) === lineOf(version) && compareVersions(version, b) >= 0);
}

/**
 * Resolves a version as a user gives it: a line on its own ("3.7") means its newest patch release, as
 * recorded in content/releases.yaml; a patch release ("3.7.11") stays as it is. Undefined when the line is
 * not a known release.
 */
export function resolveVersion(facts: Pick<Facts, 'releases'>, version: string): string | undefined {
  if (!/^\d+\.\d+(\.\d+)?$/.test(version)) return undefined;
  const release = facts.releases.find((r) => r.version === lineOf(version));
  if (!release) return undefined;
  return version.split('.').length === 2 ? release.latest : version;
}

export function statusAt(p: Parameter, version: string): ParameterStatus {
  if (!reached(version, p.since, p.since_backported)) return 'not-yet';
  if (p.removed && compareVersions(version, p.removed.since) >= 0) return 'removed';
  if (p.ignored && compareVersions(version, p.ignored.since) >= 0) return 'ignored';
  if (p.deprecated && compareVersions(version, p.deprecated.since) >= 0) return 'deprecated';
  return 'available';
}

/**
 * The default as `postconf -d` prints it on `version` (may be an expression), or undefined before `since`.
 * Pass a patch release for exact answers: a line alone ("3.7") is read as its first release (3.7.0).
 */
export function rawDefaultAt(p: Parameter, version: string) {
  if (!reached(version, p.since, p.since_backported)) return undefined;
  let found: Parameter['defaults'][number] | undefined;
  for (const d of p.defaults) if (reached(version, d.from, d.backported)) found = d;
  return found;
}

/** The default value in effect on `version` at `compatibilityLevel` (expressions resolved). */
export function effectiveDefault(p: Parameter, version: string, compatibilityLevel: string): string | undefined {
  const d = rawDefaultAt(p, version);
  if (!d) return undefined;
  for (const c of d.compat ?? []) if (compareVersions(compatibilityLevel, c.below) < 0) return c.value;
  if (d.compat) return d.value.startsWith('${{') ? lastBranch(d.value) : d.value;
  return d.value;
}

/** For `${{$compatibility_level} <level {3.6} ? {a} : {b}}` returns b: the value at or above the level. */
function lastBranch(expr: string): string {
  const m = /:\s*\{([^{}]*)\}\s*\}\s*$/.exec(expr);
  return m ? (m[1] ?? '').trim() : expr;
}

/**
 * FactsData without the prose the engine never reads (descriptions, pitfalls, examples, sources), for the
 * in-browser checker: the page then carries a few kilobytes of facts instead of the whole reference.
 */
export function engineFactsData(data: FactsData): FactsData {
  return {
    releases: data.releases.map(({ version, date, latest, supported }) => ({ version, date, latest, supported })),
    parameters: data.parameters.map((p) => ({
      ...p, summary: '', description: '', pitfalls: [], example: '', sources: [],
      values: p.values?.map((v) => ({ ...v, meaning: '' })),
    })),
    securityLevels: data.securityLevels.map((l) => ({ ...l, summary: '', description: '', sources: [] })),
    protocols: data.protocols.map((p) => ({ ...p, summary: '', description: '', openssl: '', sources: [] })),
    cipherGrades: data.cipherGrades.map((g) => ({ ...g, summary: '', description: '', sources: [], changes: [] })),
    ...(data.nonTlsParameters ? { nonTlsParameters: data.nonTlsParameters } : {}),
  };
}

/** Whether a non-TLS name is a parameter of `version` (a patch release); undefined for a name not in the list. */
export function nonTlsNameAt(facts: Facts, name: string, version: string): boolean | undefined {
  if (!facts.nonTlsParameterNames.has(name)) return undefined;
  const since = facts.nonTlsParameterDates.since.get(name);
  const removed = facts.nonTlsParameterDates.removed.get(name);
  return (!since || compareVersions(version, since) >= 0) && (!removed || compareVersions(version, removed) < 0);
}

/** Where a non-TLS name stands on `version`: the data's dates read like statusAt; undefined for a name not in the list. */
export function nonTlsStatusAt(facts: Facts, name: string, version: string): 'not-yet' | 'available' | 'removed' | undefined {
  if (!facts.nonTlsParameterNames.has(name)) return undefined;
  const since = facts.nonTlsParameterDates.since.get(name);
  const removed = facts.nonTlsParameterDates.removed.get(name);
  if (since && compareVersions(version, since) < 0) return 'not-yet';
  if (removed && compareVersions(version, removed) >= 0) return 'removed';
  return 'available';
}
