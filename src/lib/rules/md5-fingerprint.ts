import type { RuleFinding } from '../engine-types.ts';
import { atValue } from './support/findings.ts';
import { clientDigest, digestBytes, fingerprints } from './support/fingerprints.ts';
import type { Rule } from './types.ts';

export const md5Fingerprint: Rule = {
  id: 'md5-fingerprint',
  title: 'MD5 certificate fingerprints',
  severity: 'warning',
  description:
    'MD5 is broken for collision resistance, so pinning certificates (or recognising client certificates) by MD5 '
    + 'fingerprint gives weaker assurance than it appears to. Postfix 3.6 and later default to sha256 at '
    + 'compatibility_level 3.6; set *_tls_fingerprint_digest = sha256 and regenerate the fingerprints.',
  example: {
    file: 'main',
    bad: 'smtp_tls_fingerprint_digest = md5',
    good: 'smtp_tls_fingerprint_digest = sha256',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      if (!/_tls_fingerprint_digest$/.test(a.name) || a.valueTemplated || a.value.trim().toLowerCase() !== 'md5') continue;
      out.push(atValue(a, `${a.name} = md5 selects a broken hash for certificate fingerprints.`,
        `Set ${a.name} = sha256 and regenerate the fingerprints (openssl x509 -noout -fingerprint -sha256).`));
    }
    const { digest, resolved, origin } = clientDigest(config);
    if (digest !== 'md5' || resolved.assignment) return out;
    const seen = new Set<unknown>();
    for (const f of fingerprints(config)) {
      if (f.bytes !== digestBytes.md5) continue;
      const owner = f.entry ?? f.assignment;
      if (seen.has(owner)) continue;
      seen.add(owner);
      out.push({
        file: f.file, line: f.line, column: f.column, parameter: f.assignment?.name ?? null,
        message: `This MD5 fingerprint is matched with smtp_tls_fingerprint_digest = md5 (${origin}); MD5 is broken for collision resistance.`,
        fix: 'Set smtp_tls_fingerprint_digest = sha256 in main.cf and replace the fingerprints with SHA-256 ones.',
      });
    }
    return out;
  },
};
