import type { RuleFinding } from '../engine-types.ts';
import { hasPlaceholder } from '../parse/templates.ts';
import { atPosition } from './support/findings.ts';
import { didYouMean } from './support/names.ts';
import { singleUseAttributes } from './support/policy.ts';
import { parseProtocolList } from './support/protocols.ts';
import type { Rule } from './types.ts';


export const policyInvalidAttribute: Rule = {
  id: 'policy-invalid-attribute',
  title: 'Attribute the security level does not accept',
  severity: 'error',
  consequence: 'Postfix treats the whole policy entry as invalid and defers all mail to that destination.',
  description:
    'Each security level accepts particular attributes: match= only with fingerprint, verify and secure; tafile= only '
    + 'with verify and secure; protocols=, ciphers= and exclude= where TLS is used. An unknown attribute, one the level '
    + 'does not take, a repeated single-use attribute or a bad value makes Postfix treat the whole policy as invalid '
    + 'and defer mail for that destination. Protocol lists inside a policy use ":" as separator.',
  example: {
    file: 'policy',
    bad: 'example.com  encrypt match=nexthop protocols=!SSLv2,!SSLv3',
    good: 'example.com  secure match=nexthop protocols=!SSLv2:!SSLv3',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const allAttributes = new Set([...facts.securityLevels.values()].flatMap((l) => l.policy_attributes));
    const grades = [...facts.cipherGrades.keys()];
    for (const t of config.policies) {
      for (const e of t.entries) {
        const level = e.level ? facts.securityLevels.get(e.level.text) : undefined;
        // At "none" Postfix ignores every attribute (ignored-line says so).
        if (!level || level.name === 'none') continue;
        const seen = new Set<string>();
        for (const attr of e.attributes) {
          const at = (message: string, fix: string, offset?: number) =>
            out.push(atPosition(t.file, offset === undefined ? attr : attr.positionOf(offset), null, message, fix));
          if (hasPlaceholder(attr.name) || hasPlaceholder(attr.value)) continue;
          if (!allAttributes.has(attr.name)) {
            const s = didYouMean(attr.name, allAttributes);
            at(`"${attr.name}" is not a policy attribute; Postfix calls the policy for ${e.key.raw} invalid and defers its mail.`,
              s ? `Did you mean ${s}=?` : `Use one of: ${level.policy_attributes.join(', ') || '(none at this level)'}.`);
            continue;
          }
          if (!level.policy_attributes.includes(attr.name)) {
            at(`${attr.name}= is not valid at level "${level.name}"; Postfix calls the policy for ${e.key.raw} invalid and defers its mail.`,
              `At "${level.name}" use ${level.policy_attributes.join(', ') || 'no attributes'}; match= needs fingerprint, verify or secure.`);
            continue;
          }
          if (singleUseAttributes.has(attr.name) && seen.has(attr.name)) {
            at(`${attr.name}= appears twice for ${e.key.raw}; Postfix calls the policy invalid and defers its mail.`, `Keep one ${attr.name}= attribute.`);
          }
          seen.add(attr.name);
          const v = attr.value;
          if ((attr.name === 'match' || attr.name === 'ciphers' || attr.name === 'tafile') && v.trim() === '') {
            at(`${attr.name}= is empty; Postfix calls the policy for ${e.key.raw} invalid.`, `Give ${attr.name} a value or remove it.`);
          } else if (attr.name === 'ciphers' && !grades.includes(v.toLowerCase())) {
            at(`ciphers=${v} is not a cipher grade (${grades.join(', ')}); Postfix calls the policy for ${e.key.raw} invalid and defers its mail.`, 'Use ciphers=medium or ciphers=high.', 0);
          } else if ((attr.name === 'connection_reuse' || attr.name === 'enable_rpk') && !/^(yes|no)$/i.test(v)) {
            at(`${attr.name}=${v}: Postfix accepts only yes or no here and calls the policy invalid.`, `Write ${attr.name}=yes or ${attr.name}=no.`, 0);
          } else if (attr.name === 'protocols') {
            for (const bad of parseProtocolList(v, facts).unknown) {
              at(`"${bad.name}" in protocols= is not a protocol name; the policy for ${e.key.raw} is invalid.${v.includes(',') ? ' Inside a policy table, separate protocols with ":" (a comma ends the attribute).' : ''}`,
                'Write e.g. protocols=!SSLv2:!SSLv3 or protocols=>=TLSv1.2.', bad.offset);
            }
          }
        }
      }
    }
    return out;
  },
};
