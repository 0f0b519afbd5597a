import type { RuleFinding } from '../engine-types.ts';
import type { Assignment } from '../parse/main-cf.ts';
import { branchImplies } from '../parse/templates.ts';
import { atName } from './support/findings.ts';
import type { Rule } from './types.ts';

function duplicates(list: readonly Assignment[], scope: string): RuleFinding[] {
  const out: RuleFinding[] = [];
  const byName = new Map<string, number[]>();
  list.forEach((a, i) => { if (!a.nameTemplated) byName.set(a.name, [...(byName.get(a.name) ?? []), i]); });
  list.forEach((a, i) => {
    if (a.nameTemplated) return;
    // Certain only when the later line is rendered whenever this one is (template conditions).
    const later = (byName.get(a.name) ?? []).filter((j) => j > i).map((j) => list[j] as Assignment).find((b) => branchImplies(a.branch, b.branch));
    if (!later) return;
    const where = later.file === a.file ? `line ${later.line}` : `${later.file} line ${later.line}`;
    out.push(atName(a,
      `${a.name} is set again ${scope}at ${where}; the last setting wins, so this one has no effect${a.value !== later.value ? ` (the value in effect is ${JSON.stringify(later.value.length > 50 ? `${later.value.slice(0, 49)}…` : later.value)})` : ''}.`,
      'Keep one setting and delete the other.'));
  });
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
