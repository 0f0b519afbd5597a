import { statusAt } from '../facts.ts';
import type { RuleFinding } from '../engine-types.ts';
import { atName } from './support/findings.ts';
import type { Rule } from './types.ts';

export const ignoredParameter: Rule = {
  id: 'ignored-parameter',
  title: 'Parameter Postfix silently ignores',
  severity: 'warning',
  description:
    'Some parameters are still accepted but no longer do anything, for example smtpd_tls_dh512_param_file since Postfix '
    + '3.6. The line looks like it hardens the server while having no effect at all; the finding says what, if anything, '
    + 'took its place.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_dh512_param_file = /etc/postfix/dh512.pem',
    good: '# delete the line; 3.6+ chooses DH parameters itself',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      const p = facts.parameters.get(a.name);
      if (!p?.ignored || a.nameTemplated || statusAt(p, version) !== 'ignored') continue;
      const repl = p.ignored.replacement;
      out.push(atName(a,
        `Postfix ${p.ignored.since} and later ignore ${a.name}: this line has no effect.${repl.length ? ` ${repl.join(' / ')} took its place.` : ''}${p.ignored.note ? ` ${p.ignored.note}` : ''}`,
        repl.length ? `Delete it, and set ${repl.join(' / ')} if you need the behaviour.` : 'Delete the line.'));
    }
    return out;
  },
};
