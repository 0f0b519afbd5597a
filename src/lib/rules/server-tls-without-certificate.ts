import type { RuleFinding } from '../engine-types.ts';
import type { EffectiveConfig } from '../config/effective.ts';
import { serverMandatory, serverTls } from '../config/tls-levels.ts';
import { atName, atPosition } from './support/findings.ts';
import { serverCertificate } from './support/certificates.ts';
import type { Rule } from './types.ts';

export const serverTlsWithoutCertificate: Rule = {
  id: 'server-tls-without-certificate',
  title: 'Server TLS enabled without a certificate',
  severity: 'warning',
  description:
    'smtpd can only offer STARTTLS with a certificate: smtpd_tls_chain_files on Postfix 3.4+, or smtpd_tls_cert_file '
    + 'and smtpd_tls_key_file. Without one, "may" quietly offers no TLS at all and mail arrives in plaintext. (Where '
    + 'TLS is required, "encrypt" or wrapper mode, every client fails instead: see tls-required-without-certificate.) '
    + 'Checked when main.cf is part of the check.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_security_level = may',
    good: 'smtpd_tls_security_level = may\nsmtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.pem',
  },
  check: (ctx) => certificateFindings(ctx.config, false),
};

/** Services whose TLS needs a certificate that nothing provides; `mandatory` picks encrypt/wrapper mode or may. */
export function certificateFindings(config: EffectiveConfig, mandatory: boolean): RuleFinding[] {
  const out: RuleFinding[] = [];
  if (!config.hasMain) return out;
  const seen = new Set<string>();
  for (const s of config.services) {
    if (s.program !== 'smtpd') continue;
    const t = serverTls(config, s);
    if (t.level === undefined || (t.level === 'none' && !t.wrapper)) continue;
    if (serverMandatory(config, t) !== mandatory) continue;
    if (serverCertificate(config, s) !== 'empty') continue;
    const w = config.resolve('smtpd_tls_wrappermode', s);
    const a = t.wrapper && w.assignment ? w.assignment : (t.from.assignment ?? config.resolve('smtpd_use_tls', s).assignment ?? config.resolve('smtpd_enforce_tls', s).assignment);
    const key = a ? `${a.file}:${a.line}` : `${s.entry.file}:${s.entry.name.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const message = `${s.label} runs with TLS ${t.wrapper ? 'wrapper mode' : `level ${t.level}`} but no server certificate is configured (smtpd_tls_chain_files, smtpd_tls_cert_file, ...): ${mandatory ? 'TLS cannot start, so every client connection fails' : 'STARTTLS is silently not offered and mail arrives in plaintext'}.`;
    const fix = 'Set smtpd_tls_chain_files = /path/key.pem, /path/fullchain.pem (Postfix 3.4+) or smtpd_tls_cert_file and smtpd_tls_key_file in main.cf.';
    out.push(a ? atName(a, message, fix) : atPosition(s.entry.file, s.entry.name, null, message, fix));
  }
  return out;
}
