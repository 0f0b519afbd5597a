import type { Rule } from './types.ts';
import { skippedLineCodes } from './ignored-line.ts';

export const policyTableSyntax: Rule = {
  id: 'policy-table-syntax',
  title: 'TLS policy table line Postfix cannot use',
  severity: 'error',
  consequence: 'postmap refuses the line, or Postfix finds the policy malformed and defers mail for the destination.',
  description:
    'Each line of an smtp_tls_policy_maps source file is a destination (example.com, .example.com, [host] or '
    + '[host]:port) followed by a security level and optional name=value attributes. A key Postfix never looks up, a '
    + 'missing level or a malformed attribute makes the entry useless or the policy invalid, and Postfix then defers '
    + 'mail for that destination.',
  example: {
    file: 'policy',
    bad: '[smtp.example.com:587  encrypt\nexample.org  secure match = nexthop',
    good: '[smtp.example.com]:587  encrypt\nexample.org  secure match=nexthop',
  },
  check: ({ config }) => config.policies.flatMap((t) => t.problems.filter((p) => !skippedLineCodes.has(p.code)).map((p) => ({ file: t.file, ...p }))),
};
