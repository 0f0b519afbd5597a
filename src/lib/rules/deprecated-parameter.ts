import { statusAt } from '../facts.ts';
import type { RuleFinding } from '../engine-types.ts';
import { isYes } from '../config/effective.ts';
import { branchImplies } from '../parse/templates.ts';
import { atName, settingText } from './support/findings.ts';
import type { Rule } from './types.ts';

/** The level the legacy on/off switches stand for (see tls-levels.ts). */
function legacyTranslation(name: string, value: string): string | undefined {
  const m = /^(smtpd|smtp|lmtp|postscreen|tlsproxy)_(use|enforce)_tls$/.exec(name);
  if (!m) return undefined;
  if (!isYes(value)) return m[2] === 'use' ? 'none' : undefined;
  return m[2] === 'enforce' ? 'encrypt' : 'may';
}

export const deprecatedParameter: Rule = {
  id: 'deprecated-parameter',
  title: 'Deprecated parameter',
  severity: 'warning',
  description:
    'Postfix still honours a deprecated parameter but logs a warning for it from the release that deprecated it, and a '
    + 'later release removes it. The typical case is smtpd_use_tls / smtpd_enforce_tls (and the smtp_ pair), replaced by '
    + 'smtpd_tls_security_level and smtp_tls_security_level; once the level is set, the old switch has no effect at all. '
    + 'The finding names the replacement.',
  example: {
    file: 'main',
    bad: 'smtpd_use_tls = yes',
    good: 'smtpd_tls_security_level = may',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      const p = facts.parameters.get(a.name);
      if (!p?.deprecated || a.nameTemplated || statusAt(p, version) !== 'deprecated') continue;
      const replacements = p.deprecated.replacement;
      const service = config.serviceOf(a);
      const setReplacement = replacements.find((r) => {
        const res = config.resolve(r, service);
        return (res.origin === 'override' || res.origin === 'main') && (res.value === undefined || res.value.trim() !== '');
      });
      const level = legacyTranslation(a.name, a.value);
      const instead = replacements.length > 0 ? replacements.join(' / ') : undefined;
      let message = `${a.name} is deprecated since Postfix ${p.deprecated.since}${instead ? `; use ${instead} instead` : ''}.`;
      let certain = false;
      if (setReplacement) {
        const r = config.resolve(setReplacement, service);
        const where = r.assignment ? ` (line ${r.assignment.line})` : '';
        // Only certain when the replacement is rendered whenever this line is (template conditions).
        certain = r.assignment !== undefined && branchImplies(a.branch, r.assignment.branch);
        // A non-empty security level makes the legacy on/off switches irrelevant.
        if (level === undefined) message += ` ${setReplacement} is set as well${where}.`;
        else if (certain) message += ` ${setReplacement} is set as well${where}, so this line has no effect.`;
        else message += ` ${setReplacement} is set as well${where} inside a template condition; wherever it is set, this line has no effect.`;
      }
      if (p.deprecated.note && !(certain && level !== undefined)) message += ` ${p.deprecated.note}`;
      let fix: string;
      if (setReplacement && level !== undefined && certain) fix = 'Delete this line.';
      else if (level && replacements[0] && !a.valueTemplated) fix = `Replace it with ${settingText({ ...a, name: replacements[0] }, level)}.`;
      else fix = instead ? `Replace it with ${instead}.` : 'Remove it.';
      out.push(atName(a, message, fix));
    }
    return out;
  },
};
