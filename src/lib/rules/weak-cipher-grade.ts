import type { RuleFinding } from '../engine-types.ts';
import { atPosition, atValue } from './support/findings.ts';
import { expandedValue } from './support/values.ts';
import { usablePolicyEntry } from './support/policy.ts';
import type { Rule } from './types.ts';

export const weakCipherGrade: Rule = {
  id: 'weak-cipher-grade',
  title: 'Export or low cipher grade',
  severity: 'warning',
  description:
    'The "export" and "low" cipher grades enable 40- and 56-bit ciphers that can be broken quickly (FREAK, Logjam), and '
    + 'current OpenSSL builds no longer even contain most of them. For opportunistic TLS use "medium" (the default); '
    + 'where TLS is mandatory, "medium" or "high".',
  example: {
    file: 'main',
    bad: 'smtp_tls_ciphers = export',
    good: 'smtp_tls_ciphers = medium',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const weak = (g: string) => facts.cipherGrades.get(g.trim().toLowerCase())?.status === 'insecure';
    for (const a of config.allAssignments()) {
      const p = facts.parameters.get(a.name);
      if (p?.type !== 'cipher-grade' || a.nameTemplated) continue;
      const v = expandedValue(config, a);
      if (v === undefined || !weak(v)) continue;
      out.push(atValue(a, `${a.name} = ${v.trim()} enables ciphers that are broken today.`, `Use ${a.name.includes('mandatory') ? 'high or medium' : 'medium (the default)'}.`));
    }
    for (const t of config.policies) {
      for (const e of t.entries) {
        if (!usablePolicyEntry(facts, config.version, e)) continue;
        for (const attr of e.attributes) {
          if (attr.name !== 'ciphers' || !weak(attr.value)) continue;
          out.push(atPosition(t.file, attr.positionOf(0), null,
            `ciphers=${attr.value} for ${e.key.raw} enables ciphers that are broken today.`, 'Use ciphers=medium or ciphers=high.'));
        }
      }
    }
    return out;
  },
};
