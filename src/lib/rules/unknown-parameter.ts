import type { EffectiveConfig } from '../config/effective.ts';
import type { RuleFinding } from '../engine-types.ts';
import type { Facts } from '../facts.ts';
import type { Assignment } from '../parse/main-cf.ts';
import { atName } from './support/findings.ts';
import { didYouMean, withinDistance } from './support/names.ts';
import type { Rule } from './types.ts';

/**
 * The engine's data covers Postfix's TLS parameters. A name is judged only when it is in that field: it
 * mentions tls/ssl, or it is a typo of a known name. Other parameters (mydestination, ...) are left alone.
 */
export function inTlsScope(name: string, facts: Facts): boolean {
  if (/tls|ssl/i.test(name)) return true;
  // A typo of a TLS name ("smtpd_tsl_security_level"): at most two edits away.
  if (name.length < 10) return false;
  const mine = letterCounts(name);
  for (const known of namesByLength(facts, name.length)) {
    // Two edits change at most four letter counts; almost every name is ruled out here, cheaply.
    if (countDistance(mine, known, 4) <= 4 && withinDistance(name, known.name, 2)) return true;
  }
  return false;
}

interface Letters {
  name: string;
  /** Count per character code (names are ASCII; anything else shares the last slot). */
  counts: Uint8Array;
  /** The distinct codes present, to touch only those. */
  codes: number[];
}

function letterCounts(name: string): Letters {
  const counts = new Uint8Array(128);
  const codes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const k = Math.min(name.charCodeAt(i), 127);
    if (counts[k] === 0) codes.push(k);
    counts[k] = Math.min((counts[k] ?? 0) + 1, 255);
  }
  return { name, counts, codes };
}

function countDistance(a: Letters, b: Letters, limit: number): number {
  let d = 0;
  for (const k of a.codes) { d += Math.abs((a.counts[k] ?? 0) - (b.counts[k] ?? 0)); if (d > limit) return d; }
  for (const k of b.codes) { if (a.counts[k] === 0) d += b.counts[k] ?? 0; if (d > limit) return d; }
  return d;
}

const nameIndex = new WeakMap<Facts, Map<number, Letters[]>>();
function namesByLength(facts: Facts, length: number): Letters[] {
  let index = nameIndex.get(facts);
  if (!index) {
    index = new Map();
    for (const name of facts.parameters.keys()) {
      const entry = letterCounts(name);
      for (let l = name.length - 2; l <= name.length + 2; l++) index.set(l, [...(index.get(l) ?? []), entry]);
    }
    nameIndex.set(facts, index);
  }
  return index.get(length) ?? [];
}

/** Custom parameters are legitimate when something uses them: a $reference or smtpd_restriction_classes. */
export function isUsedCustomName(config: EffectiveConfig, name: string): boolean {
  if (config.referencedNames.has(name)) return true;
  const classes = config.resolve('smtpd_restriction_classes').raw ?? '';
  return classes.split(/[\s,]+/).includes(name);
}

export function unknownParameters(config: EffectiveConfig): { a: Assignment; suggestion?: string }[] {
  const { facts } = config;
  const out: { a: Assignment; suggestion?: string }[] = [];
  const scope = new Map<string, boolean>();
  for (const a of config.allAssignments()) {
    if (a.nameTemplated || facts.parameters.has(a.name)) continue;
    if (!scope.has(a.name)) scope.set(a.name, inTlsScope(a.name, facts) && !isUsedCustomName(config, a.name));
    if (!scope.get(a.name)) continue;
    out.push({ a, suggestion: didYouMean(a.name, facts.parameters.keys()) });
  }
  return out;
}

export const unknownParameter: Rule = {
  id: 'unknown-parameter',
  title: 'Unknown TLS parameter',
  severity: 'error',
  description:
    'Postfix ignores a parameter it does not know and only logs "unused parameter", so a misspelt name silently leaves '
    + 'the default in effect. The checker knows every TLS-related parameter of every release and suggests the closest '
    + 'real name. Your own parameters (for example one that master.cf uses as -o x=$my_param) are fine as long as '
    + 'something references them. Names outside TLS are not judged.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_securty_level = may',
    good: 'smtpd_tls_security_level = may',
  },
  check: ({ config }) => unknownParameters(config).map(({ a, suggestion }): RuleFinding => atName(a,
    `${a.name} is not a Postfix parameter, so Postfix ignores this line ("unused parameter")${suggestion ? `. Did you mean ${suggestion}?` : '.'}`,
    suggestion
      ? `Rename it to ${suggestion}.`
      : 'Remove it; if it is your own parameter, reference it somewhere as $' + a.name + '.')),
};
