import type { RuleFinding } from '../engine-types.ts';
import { isYes } from '../config/effective.ts';
import { atName, atPosition } from './support/findings.ts';
import type { Rule } from './types.ts';

export const wrappermodePortMismatch: Rule = {
  id: 'wrappermode-port-mismatch',
  title: 'Implicit TLS and STARTTLS ports swapped',
  severity: 'error',
  consequence: 'Client and server disagree on when TLS starts, so every connection to the service fails.',
  description:
    'Port 465 (submissions/smtps) expects TLS from the first byte, so it needs smtpd_tls_wrappermode = yes; ports 587 '
    + 'and 25 start in plaintext and upgrade with STARTTLS, so wrapper mode there breaks every client. A mismatch makes '
    + 'every connection fail with a handshake or protocol error.',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes\nsmtps inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\nsmtps inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    for (const s of config.services) {
      if (s.program !== 'smtpd' || s.entry.templated) continue;
      const w = config.resolve('smtpd_tls_wrappermode', s);
      if (w.raw !== undefined && w.value === undefined) continue;
      const wrapper = isYes(w.value);
      if (s.endpoint === 'submissions' && !wrapper) {
        out.push(atPosition(s.entry.file, s.entry.name, null,
          `${s.label} is the implicit-TLS port, but smtpd_tls_wrappermode is off: clients start TLS immediately and the server answers in plaintext, so every connection fails.`,
          'Add -o smtpd_tls_wrappermode=yes to this service.'));
      } else if ((s.endpoint === 'submission' || s.endpoint === 'mx') && wrapper && w.assignment) {
        const key = `${w.assignment.file}:${w.assignment.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(atName(w.assignment,
          `smtpd_tls_wrappermode = yes makes ${s.label} expect TLS from the first byte, but clients on port ${s.port ?? ''} speak plaintext SMTP and use STARTTLS, so every connection fails.`,
          s.endpoint === 'submission'
            ? 'Use -o smtpd_tls_security_level=encrypt here, and wrapper mode only on port 465.'
            : 'Remove smtpd_tls_wrappermode from main.cf; set it with -o on the port 465 service only.'));
      }
    }
    return out;
  },
};
