import type { RuleFinding } from '../engine-types.ts';
import { atName, settingText } from './support/findings.ts';
import { servicesApplying, sideOf, tlsModes } from './support/usage.ts';
import type { Rule } from './types.ts';

export const opportunisticSettingUnused: Rule = {
  id: 'opportunistic-setting-unused',
  title: 'Opportunistic TLS setting where TLS is mandatory',
  severity: 'warning',
  description:
    'Where TLS is required (submission with smtpd_tls_security_level = encrypt, smtps with wrapper mode, a client '
    + 'transport at encrypt), Postfix reads the *_tls_mandatory_protocols and *_tls_mandatory_ciphers settings. An '
    + '"-o smtpd_tls_ciphers=high" on such a service therefore changes nothing; the mandatory twin is the one to set.',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_ciphers=high',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_mandatory_ciphers=high',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    if (!config.hasMaster) return out;
    for (const a of config.allAssignments()) {
      const m = /^(smtpd|smtp|lmtp)_tls_(protocols|ciphers)$/.exec(a.name);
      if (!m || !facts.parameters.has(a.name)) continue;
      const side = sideOf(facts, a.name);
      if (!side) continue;
      const services = servicesApplying(config, a, side);
      if (services.length === 0) continue;
      // Only when every service it applies to requires TLS; where TLS is off, nothing is used at all.
      if (!services.every((s) => { const m = tlsModes(config, [s], side); return m.mandatory === 'yes' && m.opportunistic === 'no'; })) continue;
      const twin = `${m[1]}_tls_mandatory_${m[2]}`;
      const where = a.source === 'override' ? (config.serviceOf(a)?.label ?? 'this service') : `every ${side} service`;
      out.push(atName(a,
        `${a.name} has no effect on ${where}: TLS is mandatory there, so Postfix uses ${twin} instead.`,
        `Write ${settingText({ ...a, name: twin }, a.value)}.`));
    }
    return out;
  },
};
