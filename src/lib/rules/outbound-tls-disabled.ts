import type { RuleFinding } from '../engine-types.ts';
import { isYes } from '../config/effective.ts';
import { clientTls, hasPerDestinationPolicy } from '../config/tls-levels.ts';
import { effectiveDefault } from '../facts.ts';
import { atName } from './support/findings.ts';
import { wholeMainCf } from '../config/mail-role.ts';
import type { Rule } from './types.ts';

export const outboundTlsDisabled: Rule = {
  id: 'outbound-tls-disabled',
  title: 'Outgoing mail never uses TLS',
  severity: 'warning',
  description:
    'The SMTP client uses TLS only when smtp_tls_security_level (or a policy table) asks for it. Its default is empty, '
    + 'which means no TLS, on every release before 3.11 and on 3.11 below compatibility_level 3.11; only from there is '
    + 'it "may". A main.cf that never sets it therefore sends all outgoing mail in plaintext, even to servers that '
    + 'offer STARTTLS, and with a relayhost and SASL the password crosses the network unprotected. Set '
    + 'smtp_tls_security_level = may (or dane with DNSSEC). Judged for a whole main.cf (one that sets at least six '
    + 'general parameters); a snippet may have the rest of its file elsewhere.',
  example: {
    file: 'main',
    bad: '# Postfix 3.7\nmyhostname = host.example.com\nmydestination =\ninet_interfaces = loopback-only\nrelayhost = [smtp.example.net]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd',
    good: '# Postfix 3.7\nmyhostname = host.example.com\nmydestination =\ninet_interfaces = loopback-only\nrelayhost = [smtp.example.net]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_tls_security_level = encrypt',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    if (!config.hasMain || config.mains.length === 0) return out;
    const client = config.services.find((s) => s.program === 'smtp' && s.entry.name.text === 'smtp' && s.entry.type.text === 'unix');
    if (!client) return out;
    const t = clientTls(config, client, 'smtp');
    // Only when nothing was written: an explicit "none" is a decision, and anything templated is unknown.
    if (t.level !== 'none' || t.from.origin === 'main' || t.from.origin === 'override') return out;
    for (const n of ['smtp_use_tls', 'smtp_enforce_tls']) if (config.resolve(n, client).origin !== 'unset' && config.resolve(n, client).origin !== 'default') return out;
    if (hasPerDestinationPolicy(config, client, 'smtp')) return out;
    if (config.mains.some((m) => m.templatedLines.length > 0)) return out;
    // A snippet or a main.cf.d part may have the rest of its file elsewhere: judge whole files only.
    if (!wholeMainCf(config)) return out;
    const p = facts.parameters.get('smtp_tls_security_level');
    const newer = p?.defaults.find((d) => d.compat?.length && effectiveDefault(p, d.from, '9999') !== '');
    const when = newer ? ` (from Postfix ${newer.from} at compatibility_level ${newer.compat?.[0]?.below ?? newer.from} it is "may")` : '';
    const sasl = isYes(config.resolve('smtp_sasl_auth_enable', client).value) && (config.resolve('relayhost').value ?? '').trim() !== '';
    const anchor = config.compatibilityAssignment ?? config.mains[0]?.assignments[0];
    if (!anchor) return out;
    out.push(atName(anchor,
      `smtp_tls_security_level is not set, and on Postfix ${config.version} at compatibility_level ${config.compatibilityLevel} its default is empty${when}: outgoing mail is sent in plaintext even to servers that offer STARTTLS${sasl ? ', and the SASL password for the relayhost crosses the network unprotected' : ''}.`,
      'Add smtp_tls_security_level = may to main.cf (or dane, with smtp_dns_support_level = dnssec; or encrypt for a relayhost).',
      'smtp_tls_security_level'));
    return out;
  },
};
