import type { RuleFinding } from '../engine-types.ts';
import { protocolSettings, settingName } from './support/protocol-settings.ts';
import { listNames, negotiable } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const mandatoryProtocolsAllowLegacy: Rule = {
  id: 'mandatory-protocols-allow-legacy',
  title: 'Mandatory TLS still allows TLSv1 or TLSv1.1',
  severity: 'warning',
  description:
    'The *_tls_mandatory_protocols settings apply where TLS is required: submission with encrypt, smtps, and SMTP '
    + 'client deliveries at encrypt, dane, verify or secure. There the point is real protection, and TLSv1 and TLSv1.1 '
    + 'are deprecated by RFC 8996. Excluding only SSLv2 and SSLv3 leaves them enabled. (Where TLS is optional, older '
    + 'protocols are still better than plaintext; that case is only an info.)',
  example: {
    file: 'main',
    bad: 'smtp_dns_support_level = dnssec\nsmtp_tls_security_level = dane\nsmtp_tls_mandatory_protocols = !SSLv2, !SSLv3',
    good: 'smtp_dns_support_level = dnssec\nsmtp_tls_security_level = dane\nsmtp_tls_mandatory_protocols = >=TLSv1.2',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      if (!s.mandatory || s.used === 'no' || s.list.unknown.length > 0) continue;
      const legacy = s.list.enabled.filter((p) => p.status === 'deprecated');
      if (legacy.length === 0 || !s.list.enabled.some((p) => p.status === 'recommended')) continue;
      if (s.list.enabled.some((p) => p.status === 'broken' && negotiable(p, config.version))) continue;
      const sep = s.policy ? ':' : ', ';
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} = ${JSON.stringify(s.value)} still allows ${listNames(legacy)} where TLS is mandatory; these protocols are deprecated (RFC 8996).`,
        fix: `Use ${s.policy ? 'protocols=>=TLSv1.2' : `${s.parameter} = >=TLSv1.2`} (Postfix 3.6+) or add ${legacy.map((p) => `!${p.name}`).join(sep)}.`,
      });
    }
    return out;
  },
};
