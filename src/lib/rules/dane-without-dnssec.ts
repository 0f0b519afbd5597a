import type { Service } from '../config/services.ts';
import type { RuleFinding } from '../engine-types.ts';
import type { EffectiveConfig } from '../config/effective.ts';
import { atName, atPosition } from './support/findings.ts';
import { usablePolicyEntry } from './support/policy.ts';
import type { Rule } from './types.ts';

function dnsLevel(config: EffectiveConfig, prefix: string, service: Service | undefined): string | undefined {
  const r = config.resolve(`${prefix}_dns_support_level`, service);
  if (r.origin === 'unset') return '';
  return r.value?.trim();
}

const isDane = (level: string) => level === 'dane' || level === 'dane-only';

export const daneWithoutDnssec: Rule = {
  id: 'dane-without-dnssec',
  title: 'DANE without DNSSEC lookups',
  severity: 'warning',
  description:
    'DANE needs DNSSEC-validated TLSA records, and Postfix only asks for them when smtp_dns_support_level = dnssec '
    + '(with a validating resolver). Without it, "dane" quietly behaves like "may" and "dane-only" defers all mail, while '
    + 'the log only says "dane configured with dnssec lookups disabled".',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = dane',
    good: 'smtp_dns_support_level = dnssec\nsmtp_tls_security_level = dane',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      const m = /^(smtp|lmtp)_tls_security_level$/.exec(a.name);
      if (!m || a.valueTemplated || !isDane(a.value.trim())) continue;
      const prefix = m[1] ?? 'smtp';
      const service = config.serviceOf(a);
      const dns = dnsLevel(config, prefix, service);
      if (dns === undefined || dns === 'dnssec') continue;
      out.push(atName(a,
        `${a.name} = ${a.value.trim()} needs ${prefix}_dns_support_level = dnssec, but it is ${dns === '' ? 'not set' : `"${dns}"`}: ${a.value.trim() === 'dane' ? 'DANE silently degrades to opportunistic TLS' : 'every delivery at dane-only is deferred'}.`,
        `Add ${prefix}_dns_support_level = dnssec to main.cf (and run a DNSSEC-validating resolver).`));
    }
    const dns = dnsLevel(config, 'smtp', config.services.find((s) => s.program === 'smtp' && s.entry.name.text === 'smtp'));
    if (dns !== undefined && dns !== 'dnssec' && config.hasMain) {
      for (const t of config.policies) {
        for (const e of t.entries) {
          if (!e.level || !isDane(e.level.text) || !usablePolicyEntry(config.facts, config.version, e)) continue;
          out.push(atPosition(t.file, e.level, null,
            `"${e.level.text}" for ${e.key.raw} needs smtp_dns_support_level = dnssec, but main.cf ${dns === '' ? 'does not set it' : `sets "${dns}"`}: ${e.level.text === 'dane' ? 'DANE silently degrades to opportunistic TLS' : 'mail to this destination is deferred'}.`,
            'Add smtp_dns_support_level = dnssec to main.cf.'));
        }
      }
    }
    return out;
  },
};
