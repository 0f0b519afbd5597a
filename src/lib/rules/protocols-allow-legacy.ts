import type { RuleFinding } from '../engine-types.ts';
import { protocolSettings, settingName } from './support/protocol-settings.ts';
import { listNames, negotiable } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const protocolsAllowLegacy: Rule = {
  id: 'protocols-allow-legacy',
  title: 'Opportunistic TLS explicitly allows TLSv1 or TLSv1.1',
  severity: 'info',
  description:
    'With opportunistic TLS (port 25, or the SMTP client at "may"), the alternative to an old protocol is plaintext, so '
    + 'Postfix\'s own default keeps TLSv1 enabled and that is acceptable. A setting that was written to "harden" TLS but '
    + 'still allows TLSv1 and TLSv1.1 usually is a leftover from the SSLv3 era; review it, or delete it to use the '
    + 'default.',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = may\nsmtp_tls_protocols = !SSLv2, !SSLv3',
    good: 'smtp_tls_security_level = may\n# delete the protocols line (default: >=TLSv1)',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      if (s.mandatory || s.used === 'no' || s.list.unknown.length > 0 || s.value.trim() === '') continue;
      const legacy = s.list.enabled.filter((p) => p.status === 'deprecated');
      if (legacy.length === 0 || !s.list.enabled.some((p) => p.status === 'recommended')) continue;
      if (s.list.enabled.some((p) => p.status === 'broken' && negotiable(p, config.version))) continue;
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} = ${JSON.stringify(s.value)} still allows ${listNames(legacy)} (deprecated by RFC 8996). For opportunistic TLS that is better than plaintext, but the setting only repeats what Postfix does anyway.`,
        // Not ">=TLSv1.2": on opportunistic TLS that floor sends old peers to plaintext (opportunistic-tls-floor-raised).
        fix: s.policy ? 'Drop the protocols= attribute from this entry to use smtp_tls_protocols.' : 'Delete the line to use the default.',
      });
    }
    return out;
  },
};
