import type { Rule } from './types.ts';
import { skippedLineCodes } from './ignored-line.ts';

export const masterCfSyntax: Rule = {
  id: 'master-cf-syntax',
  title: 'master.cf line Postfix cannot read',
  severity: 'error',
  consequence: 'The master daemon or the service refuses to start, so the service handles no mail until the line is fixed.',
  description:
    'A master.cf service line has eight fields (service, type, private, unpriv, chroot, wakeup, maxproc, command) '
    + 'followed by the command\'s arguments; "-o name=value" overrides follow on lines that start with whitespace. '
    + 'A missing field, a "yes" where Postfix wants "y", an inet service marked private, or an "-o" whose name=value '
    + 'is split by spaces makes the master daemon refuse the file or the service fail when it starts.',
  example: {
    file: 'master',
    bad: 'submission inet n - yes - - smtpd\n  -o smtpd_tls_security_level = encrypt',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt',
  },
  check: ({ config }) => config.masters.flatMap((m) => m.problems.filter((p) => !skippedLineCodes.has(p.code)).map((p) => ({ file: m.file, ...p }))),
};
