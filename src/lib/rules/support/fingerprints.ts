import type { EffectiveConfig, Resolved } from '../../config/effective.ts';
import { rawDefaultAt } from '../../facts.ts';
import type { Position } from '../../engine-types.ts';
import type { Assignment } from '../../parse/main-cf.ts';
import type { PolicyEntry } from '../../parse/policy-table.ts';
import { usablePolicyEntry } from './policy.ts';

/** Bytes in a digest; fingerprints are written as that many hex pairs. Standard hash sizes, not Postfix facts. */
export const digestBytes: Record<string, number> = { md5: 16, sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

export function digestForLength(bytes: number): string | undefined {
  return Object.entries(digestBytes).find(([, n]) => n === bytes)?.[0];
}

export interface Fingerprint extends Position {
  file: string;
  text: string;
  /** Decoded length, or undefined when the text is not hex. */
  bytes: number | undefined;
  entry?: PolicyEntry;
  assignment?: Assignment;
}

function decodeLength(text: string): number | undefined {
  const t = text.trim();
  if (/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$/.test(t)) return (t.length + 1) / 3;
  if (/^([0-9A-Fa-f]{2})+$/.test(t)) return t.length / 2;
  return undefined;
}

/** Fingerprints written in policy tables (match= at level fingerprint) and in *_tls_fingerprint_cert_match. */
export function fingerprints(config: EffectiveConfig): Fingerprint[] {
  const out: Fingerprint[] = [];
  for (const t of config.policies) {
    for (const e of t.entries) {
      if (e.level?.text !== 'fingerprint' || !usablePolicyEntry(config.facts, config.version, e)) continue;
      for (const attr of e.attributes) {
        if (attr.name !== 'match') continue;
        let offset = 0;
        for (const part of attr.value.split('|')) {
          const lead = part.search(/\S|$/);
          if (part.trim() !== '') out.push({ file: t.file, ...attr.positionOf(offset + lead), text: part.trim(), bytes: decodeLength(part), entry: e });
          offset += part.length + 1;
        }
      }
    }
  }
  for (const a of config.allAssignments()) {
    if (!/^(smtp|lmtp)_tls_fingerprint_cert_match$/.test(a.name) || a.valueTemplated) continue;
    const re = /[^\s,]+/g;
    for (let m = re.exec(a.value); m; m = re.exec(a.value)) {
      out.push({ file: a.file, ...a.positionOf(m.index), text: m[0], bytes: decodeLength(m[0]), assignment: a });
    }
  }
  return out;
}

/** The digest the SMTP client uses, and words for where it comes from. */
export function clientDigest(config: EffectiveConfig): { digest: string | undefined; resolved: Resolved; origin: string; threshold?: string } {
  const client = config.services.find((s) => s.program === 'smtp' && s.entry.name.text === 'smtp');
  const resolved = config.resolve('smtp_tls_fingerprint_digest', client);
  const digest = resolved.value?.trim().toLowerCase();
  const p = config.facts.parameters.get('smtp_tls_fingerprint_digest');
  const threshold = p ? rawDefaultAt(p, config.version)?.compat?.at(-1)?.below : undefined;
  let origin: string;
  if (resolved.assignment) origin = `set at ${resolved.assignment.file} line ${resolved.assignment.line}`;
  else {
    origin = `the default of Postfix ${config.version} at compatibility_level ${config.compatibilityLevel}`;
    if (config.compatibilitySource === 'default') origin += config.hasMain ? ', as main.cf does not set compatibility_level' : ', as no main.cf was checked';
  }
  return { digest, resolved, origin, threshold };
}
