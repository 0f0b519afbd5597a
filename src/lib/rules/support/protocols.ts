import type { Facts } from '../../facts.ts';
import type { Protocol } from '../../schema/index.ts';

/**
 * Reads a protocol list (`!SSLv2, !SSLv3`, `TLSv1.2 TLSv1.3`, `>=TLSv1.2`) the way Postfix does:
 * separators are whitespace, commas and colons; names are case-sensitive; with any plain name listed only
 * those are enabled; `!name` excludes; `>=`/`<=` bound the range (Postfix 3.6+).
 */

export interface ProtocolToken {
  text: string;
  offset: number;
  op: 'include' | 'exclude' | 'min' | 'max';
  name: string;
}

export interface ProtocolList {
  tokens: ProtocolToken[];
  /** Tokens whose name is not a protocol Postfix knows. */
  unknown: ProtocolToken[];
  /** `>=` and `<=` tokens. */
  ranges: ProtocolToken[];
  /** Protocols the setting leaves enabled, oldest first. */
  enabled: Protocol[];
  /** Protocols known to the data, oldest first. */
  all: Protocol[];
}

export function protocolsByOrder(facts: Facts): Protocol[] {
  return [...facts.protocols.values()].sort((a, b) => a.order - b.order);
}

export function parseProtocolList(value: string, facts: Facts): ProtocolList {
  const all = protocolsByOrder(facts);
  const tokens: ProtocolToken[] = [];
  const re = /[^\s,:]+/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const text = m[0];
    const op = text.startsWith('!') ? 'exclude' : text.startsWith('>=') ? 'min' : text.startsWith('<=') ? 'max' : 'include';
    const name = text.slice(op === 'exclude' ? 1 : op === 'include' ? 0 : 2);
    tokens.push({ text, offset: m.index, op, name });
  }
  const known = (n: string) => facts.protocols.get(n);
  const unknown = tokens.filter((t) => !known(t.name));
  const ranges = tokens.filter((t) => t.op === 'min' || t.op === 'max');
  const includes = tokens.filter((t) => t.op === 'include' && known(t.name)).map((t) => t.name);
  const excludes = new Set(tokens.filter((t) => t.op === 'exclude').map((t) => t.name));
  let min = -Infinity;
  let max = Infinity;
  for (const t of ranges) {
    const p = known(t.name);
    if (!p) continue;
    if (t.op === 'min') min = Math.max(min, p.order);
    else max = Math.min(max, p.order);
  }
  const enabled = all.filter((p) => (includes.length === 0 || includes.includes(p.name))
    && !excludes.has(p.name) && p.order >= min && p.order <= max);
  return { tokens, unknown, ranges, enabled, all };
}

/** A protocol name written in the wrong case, e.g. "tlsv1.2". */
export function caseCorrection(name: string, facts: Facts): string | undefined {
  for (const p of facts.protocols.keys()) if (p.toLowerCase() === name.toLowerCase() && p !== name) return p;
  return undefined;
}

/** The newest protocol in the data (TLSv1.3 today). */
export function newestProtocol(facts: Facts): Protocol | undefined {
  return protocolsByOrder(facts).at(-1);
}

export function listNames(ps: readonly Protocol[]): string {
  return ps.map((p) => p.name).join(', ');
}
