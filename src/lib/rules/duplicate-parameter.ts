import type { RuleFinding } from '../engine-types.ts';
import type { Assignment } from '../parse/main-cf.ts';
import { branchImplies } from '../parse/templates.ts';
import { atName } from './support/findings.ts';
import type { Rule } from './types.ts';

function duplicates(list: readonly Assignment[], scope: string): RuleFinding[] {
  const out: RuleFinding[] = [];
  // Positions of each name, in order, so each assignment looks only at its own later namesakes.
  const byName = new Map<string, number[]>();
  list.forEach((a, i) => {
    if (a.nameTemplated) return;
    const at = byName.get(a.name);
    if (at) at.push(i); else byName.set(a.name, [i]);
  });
  for (const positions of byName.values()) {
    positions.forEach((i, k) => {
      const a = list[i] as Assignment;
      // Certain only when the later line is rendered whenever this one is (template conditions). Without
      // templates the very next namesake implies it, so the scan stops at once and the rule stays linear.
      let later: Assignment | undefined;
      for (let t = k + 1; t < positions.length && !later; t++) {
        const b = list[positions[t]!] as Assignment;
        if (branchImplies(a.branch, b.branch)) later = b;
      }
      if (!later) return;
      const where = later.file === a.file ? `line ${later.line}` : `${later.file} line ${later.line}`;
      out.push(atName(a,
        `${a.name} is set again ${scope}at ${where}; the last setting wins, so this one has no effect${a.value !== later.value ? ` (the value in effect is ${JSON.stringify(later.value.length > 50 ? `${later.value.slice(0, 49)}…` : later.value)})` : ''}.`,
        'Keep one setting and delete the other.'));
    });
  }
  return out;
}

export const duplicateParameter: Rule = {
  id: 'duplicate-parameter',
  title: 'Parameter set twice',
  severity: 'warning',
  description:
    'When main.cf sets a parameter twice, the last line wins and Postfix logs "overriding earlier entry"; the same holds '
    + 'for two -o options of one service. Editing the earlier line then changes nothing, which is a classic source of '
    + '"my change has no effect". Assignments under different template conditions are not reported, as they may never be rendered together.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_protocols = >=TLSv1.2\n# ... 200 lines later\nsmtpd_tls_protocols = !SSLv2, !SSLv3',
    good: 'smtpd_tls_protocols = >=TLSv1.2',
  },
  check: ({ config }) => [
    ...duplicates(config.mainAssignments, ''),
    ...config.services.filter((s) => !s.stock).flatMap((s) => duplicates(s.entry.overrides, `for ${s.label} `)),
  ],
};
