import type { RuleFinding } from '../engine-types.ts';
import { compareVersions } from '../versions.ts';
import { protocolSettings, rangeSyntaxSince, settingName } from './support/protocol-settings.ts';
import { protocolsByOrder } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const protocolRangeSyntax: Rule = {
  id: 'protocol-range-syntax',
  title: 'Protocol range syntax on a release that lacks it',
  severity: 'error',
  consequence: 'The release rejects the whole protocol list and disables TLS where it applies: TLS-required sessions fail, opportunistic ones run in plaintext.',
  description:
    'Protocol lists such as ">=TLSv1.2" arrived with Postfix 3.6. Older releases read ">=TLSv1.2" as an unknown '
    + 'protocol name, reject the whole list and disable TLS for that setting. For older releases write the same thing '
    + 'as exclusions ("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"), which every release understands.',
  example: {
    file: 'main',
    bad: '# Postfix 3.5\nsmtpd_tls_mandatory_protocols = >=TLSv1.2',
    good: '# Postfix 3.5\nsmtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1',
  },
  check: ({ config, facts, version }) => {
    const since = rangeSyntaxSince(facts);
    if (!since || compareVersions(version, since) >= 0) return [];
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      for (const t of s.list.ranges) {
        const p = t.protocol;
        const known = protocolsByOrder(facts).filter((x) => compareVersions(x.postfix_since, version) <= 0);
        const excluded = p ? known.filter((x) => (t.op === 'min' ? x.order < p.order : x.order > p.order)) : [];
        const pos = s.positionOf(s.direct ? t.offset : 0);
        out.push({
          file: s.file, ...pos, parameter: s.policy ? null : s.parameter,
          message: `"${t.text}" needs Postfix ${since} or later; ${version} reads it as an unknown protocol and rejects ${settingName(s)}, which disables TLS where it applies.`,
          fix: excluded.length > 0
            ? `Write the exclusions instead: ${excluded.map((x) => `!${x.name}`).join(s.policy ? ':' : ', ')}.`
            : `Upgrade to Postfix ${since}, or list the protocols to exclude with "!".`,
        });
      }
    }
    return out;
  },
};
