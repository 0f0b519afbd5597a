import type { RuleFinding } from '../engine-types.ts';
import { protocolSettings, settingName } from './support/protocol-settings.ts';
import { listNames } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const noUsableProtocol: Rule = {
  id: 'no-usable-protocol',
  title: 'TLS required, but only protocols OpenSSL 3 refuses',
  severity: 'error',
  consequence: 'Every session that requires TLS fails its handshake, so that mail is refused or deferred: an outage for the services or destinations concerned.',
  description:
    'Where TLS is required (submission at "encrypt", smtps, SMTP deliveries at encrypt or stronger), Postfix uses the '
    + '*_tls_mandatory_protocols list. OpenSSL 3.0 and later, which current distributions ship, cannot negotiate SSLv2 '
    + 'or SSLv3 at all and refuses TLSv1 and TLSv1.1 at its default security level. A list such as "SSLv3, TLSv1" '
    + 'therefore leaves nothing to agree on: every handshake fails, and with TLS required there is no plaintext fallback. '
    + 'Allow TLSv1.2 and TLSv1.3.',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_mandatory_protocols=SSLv3,TLSv1',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_mandatory_protocols=>=TLSv1.2',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      if (!s.mandatory || s.used !== 'yes' || s.list.unknown.length > 0 || s.list.enabled.length === 0) continue;
      if (s.list.enabled.some((p) => p.openssl3_default)) continue;
      const usable = s.list.all.filter((p) => p.openssl3_default);
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} = ${JSON.stringify(s.value)} enables only ${listNames(s.list.enabled)} where TLS is required; OpenSSL 3 cannot negotiate any of them at its default security level, so every TLS-required handshake fails and that mail is refused or deferred.`,
        fix: `Allow ${listNames(usable)}, e.g. ${s.policy ? 'protocols=>=TLSv1.2' : `${s.parameter} = >=TLSv1.2`} (Postfix 3.6+; older releases: !SSLv2, !SSLv3, !TLSv1, !TLSv1.1).`,
      });
    }
    return out;
  },
};
