import type { RuleFinding } from '../engine-types.ts';
import { requiresTls, serverTls } from '../config/tls-levels.ts';
import { loopbackOnly, receivesMailForDomains } from '../config/mail-role.ts';
import { atName, atPosition } from './support/findings.ts';
import type { Rule } from './types.ts';

export const tlsRequiredOnMx: Rule = {
  id: 'tls-required-on-mx',
  title: 'TLS required on the public port 25',
  severity: 'error',
  consequence: 'Senders that cannot complete a TLS handshake with this server are refused, so their mail is deferred and finally bounced.',
  description:
    'RFC 3207 says a publicly referenced SMTP server must not require STARTTLS: senders that cannot agree on TLS with '
    + 'you (old software, an expired certificate on their side, a protocol mismatch) are then refused instead of '
    + 'delivering in plaintext, and their mail bounces. Use "may" on port 25 and require TLS on submission (587) and '
    + 'smtps (465) only, with "-o" overrides in master.cf. Not reported for a host that no other server delivers to: '
    + 'main.cf sets mydestination empty and has no relay or virtual domains (a relay that only forwards mail from its '
    + 'own networks), or inet_interfaces keeps port 25 on the loopback interface. Requiring TLS is good practice there.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_security_level = encrypt',
    good: 'smtpd_tls_security_level = may\n# and in master.cf, on submission:\n#   -o smtpd_tls_security_level=encrypt',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    // Only a host that accepts mail for some domain from the Internet is an MX that RFC 3207 speaks of.
    if (receivesMailForDomains(config) === 'no' || loopbackOnly(config)) return out;
    for (const s of config.services) {
      if (s.endpoint !== 'mx' || s.program !== 'smtpd') continue;
      const t = serverTls(config, s);
      if (!requiresTls(facts, t.level)) continue;
      // Report where the level comes from: the level parameter, or the legacy smtpd_enforce_tls switch.
      const level = t.from.value?.trim() ? t.from : config.resolve('smtpd_enforce_tls', s);
      const a = level.assignment;
      const key = a ? `${a.file}:${a.line}` : `${s.entry.file}:${s.entry.name.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const message = `${s.label} is where other mail servers deliver, and ${a ? a.name : 'its TLS level'} = ${t.level} makes TLS mandatory there; senders that cannot negotiate TLS with you are refused instead of falling back to plaintext (RFC 3207).`;
      const fix = a?.source === 'main'
        ? 'Set smtpd_tls_security_level = may in main.cf and add -o smtpd_tls_security_level=encrypt to the submission service in master.cf.'
        : 'Use -o smtpd_tls_security_level=may on this service (or drop the override).';
      out.push(a ? atName(a, message, fix) : atPosition(s.entry.file, s.entry.name, null, message, fix));
    }
    return out;
  },
};
