import type { RuleFinding } from '../engine-types.ts';
import { protocolSettings, settingName } from './support/protocol-settings.ts';
import { listNames } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const noUsableProtocol: Rule = {
  id: 'no-usable-protocol',
  title: 'TLS required, but only SSL versions current OpenSSL lacks',
  severity: 'error',
  consequence: 'Every session that requires TLS fails its handshake, so that mail is refused or deferred: an outage for the services or destinations concerned.',
  description:
    'Where TLS is required (submission at "encrypt", smtps, SMTP deliveries at encrypt or stronger), Postfix uses the '
    + '*_tls_mandatory_protocols list. OpenSSL 1.1.0 and later, as distributions build them, cannot negotiate SSLv2 or '
    + 'SSLv3 at all. A list that enables nothing else therefore leaves nothing to agree on: every handshake fails, and '
    + 'with TLS required there is no plaintext fallback. (A list limited to TLSv1 and TLSv1.1 is reported by '
    + 'protocols-legacy-only: Postfix can still negotiate those, but current peers refuse them.) Allow TLSv1.2 and TLSv1.3.',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_mandatory_protocols=SSLv3',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_mandatory_protocols=>=TLSv1.2',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      if (!s.mandatory || s.used !== 'yes' || s.list.unknown.length > 0 || s.list.enabled.length === 0) continue;
      if (s.list.enabled.some((p) => p.status !== 'broken')) continue;
      const usable = s.list.all.filter((p) => p.openssl3_default);
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} = ${JSON.stringify(s.value)} enables only ${listNames(s.list.enabled)} where TLS is required; current OpenSSL cannot negotiate any of them, so every TLS-required handshake fails and that mail is refused or deferred.`,
        fix: `Allow ${listNames(usable)}, e.g. ${s.policy ? 'protocols=>=TLSv1.2' : `${s.parameter} = >=TLSv1.2`} (Postfix 3.6+; older releases: !SSLv2, !SSLv3, !TLSv1, !TLSv1.1).`,
      });
    }
    return out;
  },
};
