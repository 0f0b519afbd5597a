import type { RuleFinding } from '../engine-types.ts';
import { compareVersions } from '../versions.ts';
import { hasPlaceholder } from '../parse/templates.ts';
import { atPosition } from './support/findings.ts';
import { didYouMean } from './support/names.ts';
import type { Rule } from './types.ts';

/** The keywords of the old smtp_tls_per_site tables, often pasted into policy tables. */
const perSiteWords = /^(NONE|MAY|MUST|MUST_NOPEERMATCH)$/;

export const policyInvalidLevel: Rule = {
  id: 'policy-invalid-level',
  title: 'Unknown security level in a TLS policy table',
  severity: 'error',
  consequence: 'Postfix treats the policy as invalid and defers all mail to that destination.',
  description:
    'The first word after the destination must be an SMTP client security level (none, may, encrypt, dane, dane-only, '
    + 'fingerprint, verify, secure) that the target release knows. Anything else makes Postfix log "invalid security '
    + 'level" and defer mail for that destination. Upper-case words such as MUST come from the older smtp_tls_per_site '
    + 'format and are not valid here.',
  example: {
    file: 'policy',
    bad: 'example.com  MUST',
    good: 'example.com  secure',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    const clientLevels = [...facts.securityLevels.values()].filter((l) => l.client).map((l) => l.name);
    for (const t of config.policies) {
      for (const e of t.entries) {
        const lv = e.level;
        if (!lv || hasPlaceholder(lv.text)) continue;
        const level = facts.securityLevels.get(lv.text);
        const at = (message: string, fix: string) => out.push(atPosition(t.file, lv, null, message, fix));
        if (!level) {
          const suggestion = perSiteWords.test(lv.text) ? undefined : didYouMean(lv.text, clientLevels);
          at(`"${lv.text}" is not a security level, so Postfix defers all mail to ${e.key.raw}.${perSiteWords.test(lv.text) ? ' This keyword belongs to the old smtp_tls_per_site format.' : ''}`,
            suggestion ? `Did you mean "${suggestion}"?` : `Use one of ${clientLevels.join(', ')}${lv.text === 'MUST' ? ' (MUST corresponds to verify)' : lv.text === 'MUST_NOPEERMATCH' ? ' (MUST_NOPEERMATCH corresponds to encrypt)' : ''}.`);
        } else if (!level.client) {
          at(`"${lv.text}" is not a level for the SMTP client, so Postfix defers all mail to ${e.key.raw}.`, `Use one of ${clientLevels.join(', ')}.`);
        } else if (compareVersions(version, level.since) < 0) {
          at(`"${lv.text}" needs Postfix ${level.since}; ${version} treats it as invalid and defers mail to ${e.key.raw}.`, `Upgrade to ${level.since}, or use a level ${version} knows.`);
        }
      }
    }
    return out;
  },
};
