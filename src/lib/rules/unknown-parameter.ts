import type { EffectiveConfig } from '../config/effective.ts';
import type { RuleFinding } from '../engine-types.ts';
import { nonTlsNameAt, statusAt, type Facts } from '../facts.ts';
import type { Assignment } from '../parse/main-cf.ts';
import { atName } from './support/findings.ts';
import { didYouMean, withinDistance } from './support/names.ts';
import type { Rule } from './types.ts';

/**
 * Which unknown names the rule judges. Every TLS parameter is in the data, so a name that mentions tls/ssl
 * or is a typo of a TLS name is judged. Outside TLS the engine knows names only (non-tls-parameters.yaml),
 * so it judges a name only when it is a near miss of one of them ("myhostnme") and not a per-transport
 * setting (<transport>_destination_rate_delay works for any transport in master.cf).
 */
export function judgesName(name: string, facts: Facts): boolean {
  if (/tls|ssl/i.test(name)) return true;
  if (facts.nonTlsParameterNames.has(name)) return false;
  if (facts.perTransportSuffixes.some((suffix) => name.length > suffix.length && name.endsWith(suffix))) return false;
  // A typo ("smtpd_tsl_security_level", "relayhots"): two edits away at most, one for shorter names.
  const reach = name.length >= 10 ? 2 : name.length >= 6 ? 1 : 0;
  return reach > 0 && (isNearMiss(name, nameIndex(facts, 'tls'), reach) || isNearMiss(name, nameIndex(facts, 'other'), reach));
}

function isNearMiss(name: string, index: Map<number, Letters[]>, reach: number): boolean {
  const mine = letterCounts(name);
  const limit = 2 * reach;
  for (const known of index.get(name.length) ?? []) {
    // k edits change at most 2k letter counts, and so at most 2k of the letters present: almost every name is
    // ruled out by the one-word comparison of letter sets, most of the rest by the counts.
    if (popCount(mine.set ^ known.set) > limit) continue;
    if (countDistance(mine, known, limit) <= limit && withinDistance(name, known.name, reach)) return true;
  }
  return false;
}

interface Letters {
  name: string;
  /** Count per character code (names are ASCII; anything else shares the last slot). */
  counts: Uint8Array;
  /** The distinct codes present, to touch only those. */
  codes: number[];
  /** Which characters occur: a bit per letter a-z, one shared bit each for capitals, digits, "_" and the rest. */
  set: number;
}

function letterBit(code: number): number {
  if (code >= 97 && code <= 122) return 1 << (code - 97);
  if (code >= 65 && code <= 90) return 1 << 26;
  if (code >= 48 && code <= 57) return 1 << 27;
  return code === 95 ? 1 << 28 : 1 << 29;
}

function popCount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

function letterCounts(name: string): Letters {
  const counts = new Uint8Array(128);
  const codes: number[] = [];
  let set = 0;
  for (let i = 0; i < name.length; i++) {
    const k = Math.min(name.charCodeAt(i), 127);
    if (counts[k] === 0) codes.push(k);
    counts[k] = Math.min((counts[k] ?? 0) + 1, 255);
    set |= letterBit(k);
  }
  return { name, counts, codes, set };
}

function countDistance(a: Letters, b: Letters, limit: number): number {
  let d = 0;
  for (const k of a.codes) { d += Math.abs((a.counts[k] ?? 0) - (b.counts[k] ?? 0)); if (d > limit) return d; }
  for (const k of b.codes) { if (a.counts[k] === 0) d += b.counts[k] ?? 0; if (d > limit) return d; }
  return d;
}

type NameSet = 'tls' | 'other';
const nameIndexes = new WeakMap<Facts, Map<NameSet, Map<number, Letters[]>>>();

/** Names by every length within two of their own, for the near-miss search. */
function nameIndex(facts: Facts, set: NameSet): Map<number, Letters[]> {
  let perSet = nameIndexes.get(facts);
  if (!perSet) nameIndexes.set(facts, (perSet = new Map()));
  let index = perSet.get(set);
  if (!index) {
    index = new Map();
    for (const name of set === 'tls' ? facts.parameters.keys() : facts.nonTlsParameterNames) {
      const entry = letterCounts(name);
      for (let l = name.length - 2; l <= name.length + 2; l++) {
        const list = index.get(l);
        if (list) list.push(entry); else index.set(l, [entry]);
      }
    }
    perSet.set(set, index);
  }
  return index;
}

/** Custom parameters are legitimate when something uses them: a $reference or smtpd_restriction_classes. */
export function isUsedCustomName(config: EffectiveConfig, name: string): boolean {
  return config.referencedNames.has(name) || restrictionClasses(config).has(name);
}

const classesByConfig = new WeakMap<EffectiveConfig, Set<string>>();
function restrictionClasses(config: EffectiveConfig): Set<string> {
  let classes = classesByConfig.get(config);
  if (!classes) {
    // Every assignment counts, in any template branch: a class declared under a condition is used under it too.
    classes = new Set(config.mainAssignments.filter((a) => a.name === 'smtpd_restriction_classes')
      .flatMap((a) => a.value.split(/[\s,]+/)).filter(Boolean));
    classesByConfig.set(config, classes);
  }
  return classes;
}

/** Every name the target release knows: TLS parameters it has, and non-TLS names of that release. */
function namesOf(facts: Facts, version: string): string[] {
  const out: string[] = [];
  for (const p of facts.parameters.values()) {
    const st = statusAt(p, version);
    if (st === 'available' || st === 'deprecated') out.push(p.name);
  }
  for (const n of facts.nonTlsParameterNames) if (nonTlsNameAt(facts, n, version)) out.push(n);
  return out;
}

/**
 * Names no Postfix release ever had and nothing references. `judged` ones (near misses, TLS-looking names)
 * are reported as likely typos; the rest only as unused, which is what postconf -n says about them. Names a
 * release had but the target lacks are left to parameter-not-available and removed-parameter.
 */
export function unknownParameters(config: EffectiveConfig, which: 'judged' | 'unused' = 'judged'): { a: Assignment; suggestion?: string }[] {
  const { facts } = config;
  const out: { a: Assignment; suggestion?: string }[] = [];
  const scope = new Map<string, boolean | undefined>();
  let candidates: string[] | undefined;
  const suggestions = new Map<string, string | undefined>();
  for (const a of config.allAssignments()) {
    if (a.nameTemplated || facts.parameters.has(a.name) || facts.nonTlsParameterNames.has(a.name)) continue;
    // The reference check first: it is a set lookup, the near-miss search is not.
    if (!scope.has(a.name)) {
      scope.set(a.name, isUsedCustomName(config, a.name) || isPerTransport(a.name, facts) ? undefined : judgesName(a.name, facts));
    }
    const judged = scope.get(a.name);
    if (judged === undefined || judged !== (which === 'judged')) continue;
    if (which === 'unused') { out.push({ a }); continue; }
    candidates ??= namesOf(facts, config.version);
    // One search per distinct name: a file that repeats a typo thousands of times costs one search.
    if (!suggestions.has(a.name)) suggestions.set(a.name, didYouMean(a.name, candidates));
    out.push({ a, suggestion: suggestions.get(a.name) });
  }
  return out;
}

/** pipe(8) and spawn(8) read <service>_time_limit for any service name master.cf gives them. */
const perServiceSuffixes = ['_time_limit'];

function isPerTransport(name: string, facts: Facts): boolean {
  return [...facts.perTransportSuffixes, ...perServiceSuffixes].some((suffix) => name.length > suffix.length && name.endsWith(suffix));
}

export const unknownParameter: Rule = {
  id: 'unknown-parameter',
  title: 'Unknown or misspelt parameter',
  severity: 'warning',
  description:
    'Postfix ignores a parameter it does not know and only logs "unused parameter", so a misspelt name silently leaves '
    + 'the default in effect. The checker knows every TLS-related parameter and the names of every other parameter of '
    + 'every release since 2.2, and reports a name here when it is a near miss of a real one (such as myhostnme) or '
    + 'looks like a TLS setting, with the closest name the target release has. A name that an older or newer release '
    + 'has is reported by removed-parameter or parameter-not-available instead, and any other name that nothing '
    + 'references by unused-parameter. Your own parameters (for example one that master.cf uses as -o x=$my_param) '
    + 'are fine as long as something references them.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_securty_level = may',
    good: 'smtpd_tls_security_level = may',
  },
  check: ({ config }) => unknownParameters(config).map(({ a, suggestion }): RuleFinding => atName(a,
    `${a.name} is not a parameter of any Postfix release, so Postfix ignores this line ("unused parameter")${suggestion ? `. Did you mean ${suggestion}?` : '.'}`,
    suggestion
      ? `Rename it to ${suggestion}.`
      : 'Remove it; if it is your own parameter, reference it somewhere as $' + a.name + '.')),
};
