import type { RuleFinding } from '../engine-types.ts';
import { atPosition } from './support/findings.ts';
import { usablePolicyEntry } from './support/policy.ts';
import type { Rule } from './types.ts';

/** Host part of a next hop or policy key: `[h]:p`, `[h]`, `h:p` or `h`, lower-cased. */
function hostOf(key: string): string {
  const b = /^\[([^\]]*)\]/.exec(key);
  if (b) return (b[1] ?? '').toLowerCase();
  return key.replace(/:[^:]*$/, '').toLowerCase();
}

/** The keys Postfix tries for a next hop (smtp_tls_policy.c): the next hop as written, then its parent-domain suffixes. */
function lookupKeys(nexthop: string): string[] {
  const keys = [nexthop.toLowerCase()];
  if (nexthop.startsWith('[')) return keys;
  for (let i = nexthop.indexOf('.', 1); i >= 0; i = nexthop.indexOf('.', i + 1)) keys.push(nexthop.slice(i).toLowerCase());
  return keys;
}

export const policyKeyNeverMatches: Rule = {
  id: 'policy-key-never-matches',
  title: 'TLS policy entry for the relayhost that never matches',
  severity: 'warning',
  description:
    'With a relayhost, the SMTP client looks up its TLS policy under the next hop exactly as relayhost spells it: '
    + '"[smtp.example.net]:587" for relayhost = [smtp.example.net]:587. An entry keyed "smtp.example.net:587" (no '
    + 'brackets, which means an MX lookup), "smtp.example.net" or "[smtp.example.net]" with another port is never '
    + 'found, so the policy you wrote for the relay (encrypt, verify, a fingerprint) silently never applies and the '
    + 'global level is used instead. Write the key the way relayhost is written.',
  example: {
    file: 'policy',
    bad: '# main.cf: relayhost = [smtp.example.net]:587\nsmtp.example.net:587  encrypt',
    good: '# main.cf: relayhost = [smtp.example.net]:587\n[smtp.example.net]:587  encrypt',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const relay = config.resolve('relayhost');
    const nexthops = (relay.value ?? '').split(/[\s,]+/).filter(Boolean);
    const hops = relay.value === undefined ? [] : nexthops;
    if (hops.length === 0) return out;
    const keys = new Set(hops.flatMap(lookupKeys));
    const hosts = new Set(hops.map(hostOf));
    for (const t of config.policies) {
      for (const e of t.entries) {
        if (e.keyKind === 'regexp' || e.keyKind === 'templated' || !usablePolicyEntry(facts, config.version, e)) continue;
        const key = e.key.text;
        if (!hosts.has(hostOf(key)) || keys.has(key.toLowerCase())) continue;
        const hop = hops.find((h) => hostOf(h) === hostOf(key)) ?? hops[0] ?? '';
        out.push(atPosition(t.file, e.key, null,
          `relayhost is ${hop}, so Postfix looks up the TLS policy under "${hop}"${e.keyKind === 'domain-port' ? '; a key without brackets stands for an MX lookup and' : ', and'} "${e.key.raw}" never matches it: this policy never applies to the relay.`,
          `Write the key as relayhost spells it: ${hop}  ${e.level?.text ?? 'encrypt'}${e.attributes.length > 0 ? ' ...' : ''}.`));
      }
    }
    return out;
  },
};
