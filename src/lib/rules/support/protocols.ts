import { compareVersions } from '../../versions.ts';
import type { Facts } from '../../facts.ts';
import type { Protocol } from '../../schema/index.ts';

/**
 * Reads a protocol list (`!SSLv2, !SSLv3`, `TLSv1.2 TLSv1.3`, `>=TLSv1.2`) the way Postfix does:
 * separators are whitespace, commas and colons; names are compared without regard to case (tls_misc.c looks
 * them up with name_code() and NAME_CODE_FLAG_NONE, i.e. strcasecmp); with any plain name listed only those
 * are enabled; `!name` excludes; `>=`/`<=` bound the range (Postfix 3.6+), where a bound may also be "None"
 * (no bound) or a hexadecimal protocol number such as 0x0303.
 */

export interface ProtocolToken {
  text: string;
  offset: number;
  op: 'include' | 'exclude' | 'min' | 'max';
  /** The name as written (after the operator). */
  name: string;
  /** The protocol it stands for, in the data's spelling; undefined for an unknown name or a bound without one. */
  protocol?: Protocol;
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

/** TLS protocol numbers by name, for `>=0x0303`-style bounds (wire versions; not a Postfix fact). */
const wireVersions: Record<string, number> = { SSLv3: 0x0300, TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 };

/** Looks a protocol name up the way Postfix does: without regard to case. */
export function protocolNamed(facts: Facts, name: string): Protocol | undefined {
  const exact = facts.protocols.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const p of facts.protocols.values()) if (p.name.toLowerCase() === lower) return p;
  return undefined;
}

/** A range bound: a protocol, "None" (no bound) or a hexadecimal number; invalid otherwise. */
function readBound(facts: Facts, text: string): { ok: boolean; protocol?: Protocol; order?: number } {
  const named = protocolNamed(facts, text);
  if (named) return { ok: true, protocol: named, order: named.order };
  if (text.toLowerCase() === 'none') return { ok: true };
  if (!/^(0x)?[0-9a-f]+$/i.test(text)) return { ok: false };
  const n = Number.parseInt(text.replace(/^0x/i, ''), 16);
  const all = protocolsByOrder(facts);
  // The nearest protocol at or above (for a floor) the number; numbers between versions rarely occur.
  const match = all.find((p) => wireVersions[p.name] === n);
  return match ? { ok: true, protocol: match, order: match.order } : { ok: true };
}

export function parseProtocolList(value: string, facts: Facts): ProtocolList {
  const all = protocolsByOrder(facts);
  const tokens: ProtocolToken[] = [];
  const unknown: ProtocolToken[] = [];
  const re = /[^\s,:]+/g;
  let min = -Infinity;
  let max = Infinity;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const text = m[0];
    const op = text.startsWith('!') ? 'exclude' : text.startsWith('>=') ? 'min' : text.startsWith('<=') ? 'max' : 'include';
    const name = text.slice(op === 'exclude' ? 1 : op === 'include' ? 0 : 2);
    const token: ProtocolToken = { text, offset: m.index, op, name };
    if (op === 'min' || op === 'max') {
      const b = readBound(facts, name);
      if (!b.ok) unknown.push(token);
      token.protocol = b.protocol;
      if (b.order !== undefined) {
        if (op === 'min') min = Math.max(min, b.order);
        else max = Math.min(max, b.order);
      }
    } else {
      token.protocol = protocolNamed(facts, name);
      if (!token.protocol) unknown.push(token);
    }
    tokens.push(token);
  }
  const ranges = tokens.filter((t) => t.op === 'min' || t.op === 'max');
  const includes = new Set(tokens.filter((t) => t.op === 'include' && t.protocol).map((t) => t.protocol?.name));
  const excludes = new Set(tokens.filter((t) => t.op === 'exclude' && t.protocol).map((t) => t.protocol?.name));
  const enabled = all.filter((p) => (includes.size === 0 || includes.has(p.name))
    && !excludes.has(p.name) && p.order >= min && p.order <= max);
  return { tokens, unknown, ranges, enabled, all };
}


/** Whether `version`'s OpenSSL can still negotiate the protocol (SSLv2 is gone from what Postfix 3.6+ builds with). */
export function negotiable(p: Protocol, version: string): boolean {
  return !p.unnegotiable_since || compareVersions(version, p.unnegotiable_since) < 0;
}

/** The newest protocol in the data (TLSv1.3 today). */
export function newestProtocol(facts: Facts): Protocol | undefined {
  return protocolsByOrder(facts).at(-1);
}

export function listNames(ps: readonly Protocol[]): string {
  return ps.map((p) => p.name).join(', ');
}
