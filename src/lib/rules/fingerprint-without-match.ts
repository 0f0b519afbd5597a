import type { RuleFinding } from '../engine-types.ts';
import { atName, atPosition } from './support/findings.ts';
import { usablePolicyEntry } from './support/policy.ts';
import type { Rule } from './types.ts';

export const fingerprintWithoutMatch: Rule = {
  id: 'fingerprint-without-match',
  title: 'Fingerprint level with no fingerprints',
  severity: 'error',
  consequence: 'There is nothing to match the server certificate against, so every delivery at this level is deferred.',
  description:
    'The "fingerprint" security level accepts a server only if its certificate (or public key) matches a listed '
    + 'fingerprint: match=... in the policy table, or smtp_tls_fingerprint_cert_match in main.cf. With neither, Postfix '
    + 'logs "configured at fingerprint security level, but with no fingerprints to match" and defers all mail to that '
    + 'destination.',
  example: {
    file: 'policy',
    bad: 'example.com  fingerprint',
    good: 'example.com  fingerprint match=3D:95:34:51:24:66:33:B9:D2:40:99:C0:C1:17:0B:D1',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    const cm = config.resolve('smtp_tls_fingerprint_cert_match');
    const globalMatch = cm.raw === undefined ? cm.origin !== 'unset' : cm.raw.trim() !== '';
    for (const t of config.policies) {
      for (const e of t.entries) {
        if (e.level?.text !== 'fingerprint' || !usablePolicyEntry(config.facts, config.version, e) || e.attributes.some((x) => x.name === 'match')) continue;
        if (globalMatch) continue;
        out.push(atPosition(t.file, e.level, null,
          `"fingerprint" for ${e.key.raw} lists no match=... fingerprints and smtp_tls_fingerprint_cert_match is empty${config.hasMain ? '' : ' (no main.cf was checked)'}, so Postfix defers all mail to this destination.`,
          `Add the server's certificate fingerprint: ${e.key.raw}  fingerprint match=<hex fingerprint>.`));
      }
    }
    for (const a of config.allAssignments()) {
      const m = /^(smtp|lmtp)_tls_security_level$/.exec(a.name);
      if (!m || a.valueTemplated || a.value.trim() !== 'fingerprint') continue;
      const r = config.resolve(`${m[1]}_tls_fingerprint_cert_match`, config.serviceOf(a));
      if (r.raw === undefined || r.raw.trim() !== '') continue;
      out.push(atName(a,
        `${a.name} = fingerprint, but ${m[1]}_tls_fingerprint_cert_match is empty: there is nothing to match, so every delivery is deferred.`,
        `Set ${m[1]}_tls_fingerprint_cert_match to the server's certificate fingerprint(s).`));
    }
    return out;
  },
};
