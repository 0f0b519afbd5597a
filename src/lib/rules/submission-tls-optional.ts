import type { RuleFinding } from '../engine-types.ts';
import { isYes } from '../config/effective.ts';
import { serverMandatory, serverTls } from '../config/tls-levels.ts';
import { atName, atPosition } from './support/findings.ts';
import type { Rule } from './types.ts';

export const submissionTlsOptional: Rule = {
  id: 'submission-tls-optional',
  title: 'Submission with SASL but TLS optional',
  severity: 'warning',
  description:
    'Mail clients log in on submission (587) and smtps (465). If TLS is only optional there and smtpd_tls_auth_only is '
    + 'off, AUTH is offered before STARTTLS and passwords can cross the network in plaintext; a network attacker can '
    + 'also strip the STARTTLS offer. RFC 8314 expects TLS to be required for submission: use '
    + '"-o smtpd_tls_security_level=encrypt" on 587 and wrapper mode on 465.',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  -o smtpd_sasl_auth_enable=yes',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const s of config.services) {
      if (s.program !== 'smtpd' || (s.endpoint !== 'submission' && s.endpoint !== 'submissions') || s.entry.templated) continue;
      const sasl = config.resolve('smtpd_sasl_auth_enable', s);
      if (sasl.value === undefined || !isYes(sasl.value)) continue;
      const t = serverTls(config, s);
      if (t.level === undefined) continue;
      if (serverMandatory(config, t)) continue;
      // Port 465 without wrapper mode is a different mistake (wrappermode-port-mismatch).
      if (s.endpoint === 'submissions') continue;
      const authOnly = config.resolve('smtpd_tls_auth_only', s);
      if (authOnly.value === undefined) continue;
      const beforeTls = !isYes(authOnly.value);
      const message = beforeTls
        ? `${s.label} offers SASL AUTH but TLS is optional (level ${t.level}) and smtpd_tls_auth_only is off: clients can send their password before or without STARTTLS.`
        : `${s.label} offers SASL AUTH but TLS is optional (level ${t.level}); smtpd_tls_auth_only keeps passwords off plaintext sessions, but the STARTTLS offer can be stripped and clients then cannot log in.`;
      // When the service's own -o sets the level, that is the line to edit.
      const own = t.from.origin === 'override' && t.from.assignment && !s.stock ? t.from.assignment : undefined;
      out.push(own
        ? atName(own, message, 'Change this line to -o smtpd_tls_security_level=encrypt.')
        : atPosition(s.entry.file, s.entry.name, null, message, 'Add -o smtpd_tls_security_level=encrypt to this service.'));
    }
    return out;
  },
};
