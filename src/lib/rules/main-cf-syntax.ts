import type { Rule } from './types.ts';

export const mainCfSyntax: Rule = {
  id: 'main-cf-syntax',
  title: 'main.cf line Postfix cannot read',
  severity: 'error',
  description:
    'Every logical line of main.cf must be "name = value"; a line that starts with whitespace continues the one above it. '
    + 'A line without "=", a value with no name, a continuation with nothing to continue or an unclosed $-reference makes '
    + 'Postfix stop with a fatal error or skip the line, so the setting you meant is not in effect.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_security_level: may\n  smtpd_tls_auth_only = yes',
    good: 'smtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes',
  },
  check: ({ config }) => config.mains.flatMap((m) => m.problems.map((p) => ({ file: m.file, ...p }))),
};
