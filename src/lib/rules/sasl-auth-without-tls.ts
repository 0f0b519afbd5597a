import type { RuleFinding } from '../engine-types.ts';
import { isYes } from '../config/effective.ts';
import { serverMandatory, serverTls } from '../config/tls-levels.ts';
import { atName, atPosition } from './support/findings.ts';
import type { Rule } from './types.ts';

export const saslAuthWithoutTls: Rule = {
  id: 'sasl-auth-without-tls',
  title: 'SASL AUTH offered without TLS on port 25 or another listener',
  severity: 'warning',
  description:
    'smtpd_sasl_auth_enable = yes in main.cf turns on AUTH for every smtpd service that does not override it, '
    + 'including the public port 25. Where TLS is optional there (level "may" or "none") and smtpd_tls_auth_only is '
    + 'off, Postfix offers AUTH before STARTTLS, so a mail client that logs in on that port can send its password in '
    + 'plaintext, and a network attacker who strips the STARTTLS offer can make it do so. Set smtpd_tls_auth_only = yes, '
    + 'or enable AUTH only on the submission services with -o. (Submission ports are judged by submission-tls-optional; '
    + 'a listener on another port that runs without TLS or sets smtpd_tls_auth_only = no itself is taken as an '
    + 'internal port behind a proxy.)',
  example: {
    file: 'main',
    bad: 'smtpd_tls_security_level = may\nsmtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.pem\nsmtpd_sasl_auth_enable = yes',
    good: 'smtpd_tls_security_level = may\nsmtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.pem\nsmtpd_sasl_auth_enable = yes\nsmtpd_tls_auth_only = yes',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    const byLine = new Map<string, { labels: string[]; level: string; at: RuleFinding }>();
    for (const s of config.services) {
      if (s.program !== 'smtpd' || s.entry.templated) continue;
      if (s.endpoint !== 'mx' && s.endpoint !== 'other') continue;
      const sasl = config.resolve('smtpd_sasl_auth_enable', s);
      if (sasl.value === undefined || !isYes(sasl.value)) continue;
      const t = serverTls(config, s);
      if (t.level === undefined || serverMandatory(config, t)) continue;
      const authOnly = config.resolve('smtpd_tls_auth_only', s);
      if (authOnly.value === undefined || isYes(authOnly.value)) continue;
      // On other ports a service of its own that turns TLS off, or says auth_only = no itself, is an internal
      // listener by design (a proxy in front terminates TLS); port 25 is always judged.
      if (s.endpoint === 'other' && (t.level === 'none' || authOnly.origin === 'override')) continue;
      const a = sasl.assignment;
      const key = a ? `${a.file}:${a.line}:${a.column}` : `${s.entry.file}:${s.entry.name.line}`;
      const entry = byLine.get(key);
      if (entry) { entry.labels.push(s.label); continue; }
      const placeholder = a ? atName(a, '', '') : atPosition(s.entry.file, s.entry.name, null, '', '');
      byLine.set(key, { labels: [s.label], level: t.level, at: placeholder });
    }
    for (const { labels, level, at } of byLine.values()) {
      out.push({
        ...at,
        message: `SASL AUTH is on for ${labels.join(' and ')}, where TLS is optional (level ${level}) and smtpd_tls_auth_only is off: a client that logs in there can send its password in plaintext, before or without STARTTLS.`,
        fix: 'Add smtpd_tls_auth_only = yes to main.cf, or set smtpd_sasl_auth_enable = no in main.cf and -o smtpd_sasl_auth_enable=yes on the submission services only.',
      });
    }
    return out;
  },
};
