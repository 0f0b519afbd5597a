import type { RuleFinding } from '../engine-types.ts';
import { atPosition } from './support/findings.ts';
import { cipherCaseCorrection, knownCipherName } from './support/openssl-ciphers.ts';
import { usablePolicyEntry } from './support/policy.ts';
import { expandedValue } from './support/values.ts';
import type { Rule } from './types.ts';

/** The names of an exclusion list: Postfix splits at whitespace, commas and colons (tls_misc.c). */
function names(value: string): { name: string; offset: number }[] {
  const out: { name: string; offset: number }[] = [];
  const re = /[^\s,:]+/g;
  for (let m = re.exec(value); m; m = re.exec(value)) out.push({ name: m[0], offset: m.index });
  return out;
}

export const unknownCipherName: Rule = {
  id: 'unknown-cipher-name',
  title: 'Cipher exclusion OpenSSL does not know',
  severity: 'warning',
  description:
    'Postfix turns each name in *_tls_exclude_ciphers, *_tls_mandatory_exclude_ciphers and a policy table\'s exclude= '
    + 'into "!name" in the OpenSSL cipher string. OpenSSL skips names it does not know without a word, so a misspelt '
    + 'or wrongly capitalised name ("anull", "RC4-SHA1", "DES-CBC3") excludes nothing and the cipher you meant to '
    + 'drop stays enabled. Use OpenSSL\'s spelling: suite names such as ECDHE-RSA-DES-CBC3-SHA or aliases such as '
    + 'aNULL, RC4, 3DES, MD5 (case matters).',
  example: {
    file: 'main',
    bad: 'smtpd_tls_exclude_ciphers = anull, RC4-SHA1',
    good: 'smtpd_tls_exclude_ciphers = aNULL, RC4',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const report = (file: string, pos: { line: number; column: number }, parameter: string | null, name: string, where: string) => {
      const fixed = cipherCaseCorrection(name);
      out.push(atPosition(file, pos, parameter,
        `OpenSSL knows no cipher or alias "${name}"${fixed ? ` (names are case-sensitive; it has ${fixed})` : ''}; it skips the name silently, so ${where} does not exclude what it says.`,
        fixed ? `Write ${fixed}.` : 'Use an OpenSSL suite name or alias (openssl ciphers -v ALL lists them), or remove the name.'));
    };
    for (const a of config.allAssignments()) {
      if (!/_exclude_ciphers$/.test(a.name) || !facts.parameters.has(a.name) || a.nameTemplated) continue;
      const value = expandedValue(config, a);
      if (value === undefined) continue;
      const direct = value === a.value;
      for (const n of names(value)) {
        // A leading !+-@ is a different mistake: Postfix rejects the list (invalid-value).
        if (/^[!+\-@]/.test(n.name) || knownCipherName(n.name)) continue;
        report(a.file, direct ? a.positionOf(n.offset) : { line: a.valueLine, column: a.valueColumn }, a.name, n.name, a.name);
      }
    }
    for (const t of config.policies) {
      for (const e of t.entries) {
        if (!usablePolicyEntry(facts, config.version, e)) continue;
        for (const attr of e.attributes) {
          if (attr.name !== 'exclude') continue;
          for (const n of names(attr.value)) {
            if (/^[!+\-@]/.test(n.name) || knownCipherName(n.name)) continue;
            report(t.file, attr.positionOf(n.offset), null, n.name, `exclude= for ${e.key.raw}`);
          }
        }
      }
    }
    return out;
  },
};
