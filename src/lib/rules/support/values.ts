import type { Facts } from '../../facts.ts';
import { compareVersions } from '../../versions.ts';
import type { Parameter } from '../../schema/index.ts';
import type { EffectiveConfig } from '../../config/effective.ts';
import type { Assignment } from '../../parse/main-cf.ts';
import { expandValue } from '../../parse/references.ts';
import { parseProtocolList } from './protocols.ts';

/** What is wrong with one part of a value. */
export interface ValueProblem {
  offset: number;
  message: string;
  fix: string;
}

/** The assignment's own value with $references expanded, or undefined when that needs unknown values. */
export function expandedValue(config: EffectiveConfig, a: Assignment): string | undefined {
  if (a.valueTemplated) return undefined;
  if (!a.value.includes('$')) return a.value;
  const service = config.serviceOf(a);
  const e = expandValue(a.value, (n) => config.resolve(n, service).raw);
  return e.unknown ? undefined : e.text;
}

function allowsEmpty(p: Parameter): boolean {
  return p.defaults.some((d) => d.value.trim() === '') || (p.values ?? []).some((v) => v.value === '');
}

const trailingComment = (value: string) => /\s#/.test(value)
  ? ' Postfix has no end-of-line comments: everything after "=" is the value, "#" included.'
  : '';

/**
 * The items of a list value, split at whitespace and commas outside braces, so that a table such as
 * `inline:{ {a = b}, {c = d} }` stays one item.
 */
export function topLevelItems(value: string): { item: string; offset: number }[] {
  const out: { item: string; offset: number }[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i <= value.length; i++) {
    const c = value[i];
    const sep = c === undefined || (depth === 0 && /[\s,]/.test(c));
    if (sep) {
      if (start >= 0) out.push({ item: value.slice(start, i), offset: start });
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
  }
  return out;
}

/** Checks a value against the parameter's type and allowed values on `version`. */
export function checkValue(p: Parameter, value: string, facts: Facts, version: string): ValueProblem[] {
  const v = value.trim();
  const hint = trailingComment(value);
  if (/_exclude_ciphers$/.test(p.name)) return exclusionProblems(p.name, value);
  switch (p.type) {
    case 'boolean':
      if (!/^(yes|no)$/i.test(v)) {
        const guess = /^(true|on|1|y)$/i.test(v) ? 'yes' : /^(false|off|0|n)$/i.test(v) ? 'no' : undefined;
        return [{ offset: 0, message: `${p.name} takes yes or no, not "${v}"; Postfix stops with "bad boolean configuration", so the program that reads it does not run.${hint}`, fix: guess ? `${p.name} = ${guess}` : `Write ${p.name} = yes or no.` }];
      }
      return [];
    case 'enum':
    case 'cipher-grade': {
      if (v === '' && allowsEmpty(p)) return [];
      const listed = p.values?.map((x) => x.value) ?? [];
      const names = listed.length > 0 ? listed : p.type === 'cipher-grade' ? [...facts.cipherGrades.keys()] : [];
      if (names.length === 0) return [];
      const match = p.values?.find((x) => x.value.toLowerCase() === v.toLowerCase());
      const exists = match ?? (names.some((n) => n.toLowerCase() === v.toLowerCase()) ? { value: v, since: undefined } : undefined);
      if (!exists) {
        return [{ offset: 0, message: `${p.name} does not accept "${v}" (allowed: ${names.join(', ')}); Postfix rejects the value, and the program that reads it stops or refuses TLS, so the mail that needs it fails.${hint}`, fix: `Use one of: ${names.join(', ')}.` }];
      }
      if (exists.since && compareVersions(version, exists.since) < 0) {
        return [{ offset: 0, message: `${p.name} accepts "${exists.value}" only from Postfix ${exists.since}; ${version} rejects it, and the program that reads it stops or refuses TLS, so the mail that needs it fails.`, fix: `Upgrade Postfix, or use a value ${version} knows: ${(p.values ?? []).filter((x) => !x.since || compareVersions(version, x.since) >= 0).map((x) => x.value).join(', ')}.` }];
      }
      return [];
    }
    case 'protocols': {
      const list = parseProtocolList(value, facts);
      if (list.unknown.length === 0 && list.tokens.length > 0 && list.enabled.length === 0) {
        return [{ offset: 0, message: `"${v}" excludes every protocol, so no TLS handshake can succeed with this setting.`, fix: 'Leave at least TLSv1.2 and TLSv1.3 enabled, e.g. >=TLSv1.2.' }];
      }
      return list.unknown.map((t) => ({
        offset: t.offset + (t.text.length - t.name.length),
        message: `"${t.name}" is not a protocol Postfix knows (${[...facts.protocols.keys()].join(', ')}). Postfix rejects the whole list ("Invalid TLS protocol list") and disables TLS wherever this setting applies.${hint}`,
        fix: 'Use protocol names such as TLSv1.2, with "!" to exclude one (or ">=TLSv1.2" on Postfix 3.6 and later).',
      }));
    }
    case 'integer':
      return /^-?\d+$/.test(v) ? [] : [{ offset: 0, message: `${p.name} takes a whole number, not "${v}"; Postfix stops with "bad numerical configuration".${hint}`, fix: `Write a number, e.g. ${p.name} = ${p.defaults.at(-1)?.value || '0'}.` }];
    case 'time':
      return /^\d+[smhdw]?$/.test(v) ? [] : [{ offset: 0, message: `${p.name} takes a time such as 3600s, 60m or 1h, not "${v}"; Postfix stops with a fatal configuration error.${hint}`, fix: `Write a number with an optional unit s, m, h, d or w.` }];
    case 'lookup-table': {
      const out: ValueProblem[] = [];
      for (const { item, offset } of topLevelItems(value)) {
        if (item.startsWith('$') || item.startsWith('{') || /^[a-z][a-z0-9_]*:/i.test(item)) continue;
        out.push({
          offset,
          message: `"${item}" is not a lookup table: Postfix needs "type:name" (for example hash:/etc/postfix/tls_policy) and fails the lookup otherwise, which defers mail.${hint}`,
          fix: item.startsWith('/') ? `Write hash:${item} (or the table type you built it with, after running postmap).` : 'Prefix the table with its type, e.g. hash:, lmdb:, texthash: or proxy:mysql:.',
        });
      }
      return out;
    }
    default:
      return [];
  }
}

/**
 * Postfix adds "!" in front of each excluded name itself and refuses a name that already starts with one of
 * ! + - @ ("invalid unary '!+-@' in cipher exclusion", tls_misc.c): the cipher list cannot be set, so no TLS
 * session that uses it starts.
 */
function exclusionProblems(name: string, value: string): ValueProblem[] {
  const out: ValueProblem[] = [];
  const re = /[^\s,:]+/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    if (!/^[!+\-@]/.test(m[0])) continue;
    out.push({
      offset: m.index,
      message: `"${m[0]}" starts with "${m[0][0]}": ${name} takes bare names, and Postfix refuses the whole list ("invalid unary '!+-@' in cipher exclusion"), so every TLS session that uses it fails to start.`,
      fix: `Write ${m[0].replace(/^[!+\-@]+/, '')}: Postfix adds the "!" itself.`,
    });
  }
  return out;
}
