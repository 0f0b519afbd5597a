import { nonTlsStatusAt, statusAt } from '../facts.ts';
import type { RuleFinding } from '../engine-types.ts';
import { atName } from './support/findings.ts';
import type { Rule } from './types.ts';

export const removedParameter: Rule = {
  id: 'removed-parameter',
  title: 'Parameter removed in the target release',
  severity: 'warning',
  description:
    'A removed parameter is unknown to the release: Postfix logs "unused parameter" and the setting has no effect, '
    + 'which can silently turn TLS off when the old on/off switches were the only thing enabling it. The checker knows '
    + 'every name Postfix had since 2.2 and the release that dropped it, so an old setting is reported as removed, not '
    + 'as a typo of a similar current name. The finding names the replacement where there is one.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_cipherlist = HIGH:!aNULL',
    good: 'smtpd_tls_mandatory_ciphers = high',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      const p = facts.parameters.get(a.name);
      if (!p?.removed || a.nameTemplated || statusAt(p, version) !== 'removed') continue;
      const repl = p.removed.replacement;
      out.push(atName(a,
        `${a.name} was removed in Postfix ${p.removed.since}; ${version} ignores this line ("unused parameter").${p.removed.note ? ` ${p.removed.note}` : ''}`,
        repl.length ? `Use ${repl.join(' / ')} instead.` : 'Delete the line.'));
    }
    for (const a of config.allAssignments()) {
      if (a.nameTemplated || facts.parameters.has(a.name) || nonTlsStatusAt(facts, a.name, version) !== 'removed') continue;
      const gone = facts.nonTlsParameterDates.removed.get(a.name) ?? '';
      out.push(atName(a,
        `${a.name} was a Postfix parameter until ${gone} dropped it; ${version} ignores this line ("unused parameter"). It is not a typo: the setting belongs to an older release.`,
        'Delete the line, or look up what replaced it in the RELEASE_NOTES of Postfix ' + gone + '.'));
    }
    return out;
  },
};
