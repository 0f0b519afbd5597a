import type { Rule } from './types.ts';
import { skippedLineCodes } from './ignored-line.ts';

export const mainCfSyntax: Rule = {
  id: 'main-cf-syntax',
  title: 'main.cf line Postfix cannot read',
  severity: 'error',
  consequence: 'Postfix stops with a fatal configuration error, so no mail is accepted or delivered until the line is fixed.',
  description:
    'Every logical line of main.cf must be "name = value"; a line that starts with whitespace continues the one above it. '
    + 'A line without "=", a value with no name, a continuation with nothing to continue or an unclosed $-reference makes '
    + 'Postfix stop with a fatal error or skip the line, so the setting you meant is not in effect.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_security_level: may\n  smtpd_tls_auth_only = yes',
    good: 'smtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes',
  },
  check: ({ config }) => config.mains.flatMap((m) => m.problems.filter((p) => !skippedLineCodes.has(p.code)).map((p) => ({ file: m.file, ...p }))),
};
