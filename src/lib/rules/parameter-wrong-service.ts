import type { RuleFinding } from '../engine-types.ts';
import { PLACEHOLDER } from '../parse/templates.ts';
import { atName } from './support/findings.ts';
import type { Rule } from './types.ts';

const kind: Record<string, string> = {
  smtpd: 'an SMTP server (smtpd) parameter',
  smtp: 'an SMTP client (smtp) parameter',
  lmtp: 'an LMTP client (lmtp) parameter',
};
const reads: Record<string, string[]> = {
  smtpd: ['smtpd'],
  postscreen: ['smtpd'],
  smtp: ['smtp'],
  lmtp: ['lmtp'],
};

export const parameterWrongService: Rule = {
  id: 'parameter-wrong-service',
  title: 'Client parameter on a server service, or the reverse',
  severity: 'warning',
  description:
    'A "-o" override only affects the program that runs the service. smtpd never reads smtp_* or lmtp_* parameters, '
    + 'and the smtp/lmtp delivery agents never read smtpd_*, so "-o smtp_tls_security_level=none" on an smtpd listener '
    + 'has no effect. Usually the option was meant for the other direction (for example the content filter\'s return '
    + 'path versus the transport that feeds it).',
  example: {
    file: 'master',
    bad: '127.0.0.1:10025 inet n - n - - smtpd\n  -o smtp_tls_security_level=none',
    good: '127.0.0.1:10025 inet n - n - - smtpd\n  -o smtpd_tls_security_level=none',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    for (const s of config.services) {
      if (s.stock || s.entry.command.text.includes(PLACEHOLDER)) continue;
      const accepted = reads[s.program];
      if (!accepted) continue;
      for (const o of s.entry.overrides) {
        const role = facts.parameters.get(o.name)?.role;
        if (!role || !(role in kind) || accepted.includes(role)) continue;
        if (s.program === 'postscreen' && role !== 'smtp' && role !== 'lmtp') continue;
        const program = s.entry.command.text;
        const serverTwin = o.name.replace(/^(smtp|lmtp)_/, 'smtpd_');
        const clientTwin = o.name.replace(/^smtpd_/, `${s.program}_`);
        const twin = role === 'smtpd' ? clientTwin : serverTwin;
        const hint = twin !== o.name && facts.parameters.has(twin) ? ` The matching setting for ${program} is ${twin}.` : '';
        out.push(atName(o,
          `${o.name} is ${kind[role]}, but ${s.label} runs ${program}, which never reads it: this override has no effect.`,
          `Remove it, or move it to a service that runs ${role}.${hint}`));
      }
    }
    return out;
  },
};
