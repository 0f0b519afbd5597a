// `postconf -d` for a release one cannot install: the TLS parameters' defaults on that release, from the data.
import { effectiveDefault, rawDefaultAt, resolveVersion, statusAt, type Facts } from './facts.ts';

export interface DefaultsRequest {
  /** "3.7.11", or a line ("3.7": its newest patch release). */
  postfix: string;
  /** With a level, defaults that depend on compatibility_level are given as they apply at that level. */
  compatibilityLevel?: string;
  /** Only these parameters; empty: every TLS parameter the release has. */
  names?: readonly string[];
}

export interface DefaultsResult {
  /** The patch release the answer is for. */
  version: string;
  /** `name = value` lines, sorted by name as postconf sorts them (byte order). */
  lines: string[];
  /** Names that got no line, with the reason, in the form postconf warns in. */
  warnings: string[];
}

/** postconf prints `name =` for an empty value and `name = value` otherwise. */
const line = (name: string, value: string) => (value === '' ? `${name} =` : `${name} = ${value}`);

export function releaseDefaults(facts: Facts, req: DefaultsRequest): DefaultsResult {
  const version = resolveVersion(facts, req.postfix);
  if (!version) throw new RangeError(`unknown Postfix release "${req.postfix}"; known: ${facts.releases.map((r) => r.version).join(', ')}`);
  const known = (name: string) => {
    const p = facts.parameters.get(name);
    return p && statusAt(p, version) !== 'not-yet' && statusAt(p, version) !== 'removed' ? p : undefined;
  };
  const names = req.names?.length ? [...req.names] : [...facts.parameters.keys()].filter((n) => known(n));
  const lines: string[] = [];
  const warnings: string[] = [];
  for (const name of [...new Set(names)].sort(byteOrder)) {
    const p = known(name);
    if (!p) {
      const other = facts.parameters.get(name);
      warnings.push(other
        ? `${name}: not a parameter of Postfix ${version} (${statusAt(other, version) === 'removed' ? `removed in ${other.removed!.since}` : `new in ${other.since}`})`
        : facts.nonTlsParameterNames.has(name)
          ? `${name}: not a TLS parameter; its default is not recorded here (run postconf -d ${name})`
          : `${name}: unknown parameter`);
      continue;
    }
    const value = req.compatibilityLevel === undefined ? rawDefaultAt(p, version)!.value : effectiveDefault(p, version, req.compatibilityLevel)!;
    lines.push(line(name, value));
  }
  return { version, lines, warnings };
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
