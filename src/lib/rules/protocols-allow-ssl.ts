import type { RuleFinding } from '../engine-types.ts';
import { protocolSettings, settingName } from './support/protocol-settings.ts';
import { listNames, negotiable } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const protocolsAllowSsl: Rule = {
  id: 'protocols-allow-ssl',
  title: 'Protocol setting allows SSLv2 or SSLv3',
  severity: 'warning',
  description:
    'SSLv2 and SSLv3 are broken (DROWN, POODLE) and prohibited by RFC 6176 and RFC 7568. A protocol list that does not '
    + 'exclude them leaves them to whatever the OpenSSL build still supports. Exclude them explicitly, or on Postfix 3.6 '
    + 'and later set a floor such as ">=TLSv1.2" (mandatory) or ">=TLSv1" (opportunistic).',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = may\nsmtp_tls_protocols = !SSLv2',
    good: 'smtp_tls_security_level = may\nsmtp_tls_protocols = >=TLSv1',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      if (s.used === 'no' || s.list.unknown.length > 0) continue;
      const broken = s.list.enabled.filter((p) => p.status === 'broken' && negotiable(p, config.version));
      if (broken.length === 0) continue;
      const sep = s.policy ? ':' : ', ';
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} ${s.value.trim() === '' ? '(empty)' : `= ${JSON.stringify(s.value)}`} leaves ${listNames(broken)} enabled; these protocols are broken and must not be used.`,
        fix: `Exclude them: ${broken.map((p) => `!${p.name}`).join(sep)}${s.value.trim() ? `${sep}${s.value.trim()}` : ''}.`,
      });
    }
    return out;
  },
};
