import { branchImplies } from '../parse/templates.ts';
import type { RuleFinding } from '../engine-types.ts';
import type { ServiceEntry } from '../parse/master-cf.ts';
import type { Rule } from './types.ts';

export const duplicateService: Rule = {
  id: 'duplicate-service',
  title: 'Service defined twice in master.cf',
  severity: 'warning',
  description:
    'master(8) identifies a service by its name and type. When the same pair appears twice, Postfix logs "duplicate '
    + 'master.cf entry" and uses only the last one, so the options on the earlier entry have no effect. This often '
    + 'happens when a submission or smtps block is appended to a file that already had one.',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\nsubmission inet n - y - - smtpd',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    const entries = config.masters.flatMap((m) => m.services).filter((s) => !s.templated);
    entries.forEach((s: ServiceEntry, i) => {
      const later = entries.slice(i + 1).find((t) => t.key === s.key && branchImplies(s.branch, t.branch));
      if (!later) return;
      out.push({
        file: s.file, line: s.name.line, column: s.name.column, parameter: null,
        message: `Service "${s.name.raw}" (${s.type.text}) is defined again at ${later.file === s.file ? '' : `${later.file} `}line ${later.name.line}; master(8) uses only the last entry, so this one and its -o options have no effect.`,
        fix: 'Merge the two entries into one, keeping the options you need.',
      });
    });
    return out;
  },
};
