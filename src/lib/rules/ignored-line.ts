import type { RuleFinding } from '../engine-types.ts';
import { hasPlaceholder } from '../parse/templates.ts';
import { atPosition } from './support/findings.ts';
import type { Rule } from './types.ts';

/** Parse problems after which Postfix carries on without the line, rather than stopping or deferring mail. */
export const skippedLineCodes: ReadonlySet<string> = new Set(['orphan-continuation', 'lookup-key']);

export const ignoredLine: Rule = {
  id: 'ignored-line',
  title: 'Line Postfix skips',
  severity: 'warning',
  description:
    'Some mistakes do not stop Postfix: it skips the line, logs a warning and runs without it. A line that starts '
    + 'with whitespace but has nothing above it to continue, a TLS policy key Postfix never looks up (such as '
    + '"[smtp.example.com:587" with its bracket unclosed), and attributes on a policy entry at level "none" (TLS is off, '
    + 'so Postfix ignores them) all look like settings but do nothing. Mail still flows, just not the way the line '
    + 'says.',
  example: {
    file: 'policy',
    bad: '[smtp.example.com:587  encrypt\nexample.org  none protocols=>=TLSv1.2',
    good: '[smtp.example.com]:587  encrypt\nexample.org  none',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const group of [config.mains, config.masters, config.policies]) {
      for (const f of group) for (const p of f.problems) if (skippedLineCodes.has(p.code)) out.push({ file: f.file, ...p });
    }
    for (const t of config.policies) {
      for (const e of t.entries) {
        if (e.level?.text !== 'none' || e.malformed) continue;
        for (const attr of e.attributes) {
          if (hasPlaceholder(attr.name) || hasPlaceholder(attr.value)) continue;
          out.push(atPosition(t.file, attr, null,
            `${attr.name}= does nothing at level "none": TLS is off for ${e.key.raw}, so Postfix ignores the attribute ("ignoring attribute with TLS disabled").`,
            'Remove the attribute, or raise the level if TLS was meant.'));
        }
      }
    }
    return out;
  },
};
