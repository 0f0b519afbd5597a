import type { RuleFinding } from '../engine-types.ts';
import { branchImplies } from '../parse/templates.ts';
import { atPosition } from './support/findings.ts';
import type { Rule } from './types.ts';

export const policyDuplicateDestination: Rule = {
  id: 'policy-duplicate-destination',
  title: 'Destination listed twice in a TLS policy table',
  severity: 'warning',
  description:
    'postmap warns about a duplicate key and keeps only one of the entries, so the other line has no effect and the '
    + 'policy in force may not be the one you edited. Keep a single entry per destination.',
  example: {
    file: 'policy',
    bad: 'example.com  encrypt\nexample.com  secure match=nexthop',
    good: 'example.com  secure match=nexthop',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const t of config.policies) {
      const entries = t.entries.filter((e) => e.keyKind !== 'regexp' && e.keyKind !== 'templated');
      entries.forEach((e, i) => {
        const other = entries.slice(i + 1).find((x) => x.key.text.toLowerCase() === e.key.text.toLowerCase() && branchImplies(e.branch, x.branch));
        if (!other) return;
        out.push(atPosition(t.file, other.key, null,
          `${e.key.raw} is already listed at line ${e.key.line}; postmap warns "duplicate entry" and only one of the two policies takes effect.`,
          'Keep one entry for this destination.'));
      });
    }
    return out;
  },
};
