import { statusAt } from '../facts.ts';
import type { RuleFinding } from '../engine-types.ts';
import { atValue } from './support/findings.ts';
import { checkValue, expandedValue } from './support/values.ts';
import type { Rule } from './types.ts';

export const invalidValue: Rule = {
  id: 'invalid-value',
  title: 'Value the parameter does not accept',
  severity: 'error',
  consequence: 'Postfix refuses the value: depending on the parameter it stops with a fatal error, disables TLS for the setting or defers the mail that needs it.',
  description:
    'Each TLS parameter takes a particular kind of value: yes/no, one of a list of levels or grades, a protocol list, a '
    + 'time, or a lookup table written as type:name. Postfix rejects anything else, usually by refusing TLS or deferring '
    + 'mail at run time rather than when it starts, so the mistake shows up as failed deliveries. Values a later release '
    + 'introduced (such as a new security level) are reported for older targets. Note that main.cf has no end-of-line '
    + 'comments: "may # opportunistic" is not "may".',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = opportunistic\nsmtp_tls_policy_maps = /etc/postfix/tls_policy',
    good: 'smtp_tls_security_level = may\nsmtp_tls_policy_maps = hash:/etc/postfix/tls_policy',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      const p = facts.parameters.get(a.name);
      if (!p || a.nameTemplated) continue;
      const status = statusAt(p, version);
      if (status === 'not-yet' || status === 'removed') continue;
      const value = expandedValue(config, a);
      if (value === undefined) continue;
      const direct = value === a.value;
      for (const problem of checkValue(p, value, facts, version)) {
        out.push(atValue(a, problem.message + (direct ? '' : ` (after expanding ${JSON.stringify(a.value)})`), problem.fix, direct ? problem.offset : 0));
      }
    }
    return out;
  },
};
