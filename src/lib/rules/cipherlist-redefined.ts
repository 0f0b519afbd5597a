import type { Service } from '../config/services.ts';
import type { RuleFinding } from '../engine-types.ts';
import { effectiveDefault, statusAt } from '../facts.ts';
import { atValue } from './support/findings.ts';
import { tlsModes } from './support/usage.ts';
import { expandedValue } from './support/values.ts';
import type { Rule } from './types.ts';

const normal = (v: string) => v.trim().replace(/\s+/g, ' ');

export const cipherlistRedefined: Rule = {
  id: 'cipherlist-redefined',
  title: 'Built-in cipher grade redefined',
  severity: 'warning',
  description:
    'The tls_high_cipherlist, tls_medium_cipherlist, tls_low_cipherlist, tls_export_cipherlist and tls_null_cipherlist '
    + 'parameters are the OpenSSL cipher strings behind the grades that the *_ciphers and *_mandatory_ciphers settings '
    + 'choose from, and Postfix\'s documentation asks admins not to change them. A rewritten list applies to every '
    + 'service that uses the grade. The "medium" grade is the default for opportunistic TLS in both directions, so a '
    + 'new tls_medium_cipherlist decides what port 25 accepts and what outgoing mail offers: a peer that has none of '
    + 'the listed ciphers (TLS 1.2 and older; TLS 1.3 cipher suites are configured separately) fails the handshake, and '
    + 'that mail goes in plaintext, or stays queued at senders that do not retry without TLS. A copied list also '
    + 'stops following Postfix: the grades are updated between releases (3.8 removed several obsolete algorithms from '
    + 'them), the copy is not. The intended knobs are the grade per setting (for example smtpd_tls_mandatory_ciphers = '
    + 'high), *_exclude_ciphers for single algorithms, and, on releases that have it, tls_config_file for '
    + 'library-wide OpenSSL policy. A warning: the line works, but it is the change Postfix asks not to make, and its '
    + 'effect reaches further than it looks. On 3.8 and later the low and export lists are ignored (ignored-parameter '
    + 'reports those).',
  example: {
    file: 'main',
    bad: 'smtpd_tls_security_level = may\ntls_medium_cipherlist = ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256',
    good: 'smtpd_tls_security_level = may\n# keep the grade definitions; narrow only where TLS is required\nsmtpd_tls_mandatory_ciphers = high',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    const tlsConfigFile = facts.parameters.get('tls_config_file');
    const hasTlsConfigFile = tlsConfigFile !== undefined && statusAt(tlsConfigFile, version) === 'available';
    for (const a of config.allAssignments()) {
      const grade = [...facts.cipherGrades.values()].find((g) => g.cipherlist_parameter === a.name);
      const p = facts.parameters.get(a.name);
      if (!grade || !p || a.nameTemplated) continue;
      const status = statusAt(p, version);
      if (status !== 'available' && status !== 'deprecated') continue;
      const value = expandedValue(config, a);
      if (value === undefined) continue;
      const def = effectiveDefault(p, version, config.compatibilityLevel);
      if (def !== undefined && normal(def) === normal(value)) continue;

      const services: Service[] = a.source === 'override'
        ? [config.serviceOf(a)].filter((s): s is Service => s !== undefined)
        : config.services.filter((s) => !s.entry.overrides.some((o) => o.name === a.name));
      const uses = new Set<string>();
      let opportunistic = false;
      for (const s of services) {
        if (s.program !== 'smtpd' && s.program !== 'smtp' && s.program !== 'lmtp') continue;
        const side = s.program;
        const modes = tlsModes(config, [s], side);
        const is = (name: string) => config.resolve(name, s).value?.trim().toLowerCase() === grade.name;
        if (is(`${side}_tls_ciphers`) && modes.opportunistic !== 'no') {
          if (side === 'smtpd' && s.endpoint === 'mx') { uses.add(`opportunistic TLS on port 25 (smtpd_tls_ciphers = ${grade.name})`); opportunistic = true; }
          else if (side === 'smtp') { uses.add(`opportunistic TLS for outgoing mail (smtp_tls_ciphers = ${grade.name})`); opportunistic = true; }
          else uses.add(`opportunistic TLS on ${s.label} (${side}_tls_ciphers = ${grade.name})`);
        }
        if (is(`${side}_tls_mandatory_ciphers`) && modes.mandatory !== 'no') {
          uses.add(side === 'smtpd' ? `mandatory TLS on ${s.label} (smtpd_tls_mandatory_ciphers = ${grade.name})` : `mandatory TLS deliveries (${side}_tls_mandatory_ciphers = ${grade.name})`);
        }
      }
      const usage = uses.size > 0
        ? ` The grade is used here by ${[...uses].join(', ')}.${opportunistic ? ' A peer that shares no TLS 1.2-or-older cipher with it fails the handshake, and with opportunistic TLS that mail then goes in plaintext or stays queued.' : ''}`
        : ` No service uses the "${grade.name}" grade at the moment, so the line only takes effect when one does.`;
      out.push(atValue(a,
        `${a.name} rewrites the OpenSSL cipher list behind the "${grade.name}" grade, which Postfix asks admins not to change.${usage}`,
        `Delete the line. Choose a grade per setting instead (for example smtpd_tls_mandatory_ciphers = high where TLS is required) and drop single algorithms with *_exclude_ciphers${hasTlsConfigFile ? '; library-wide OpenSSL policy belongs in the file that tls_config_file names' : ''}.`));
    }
    return out;
  },
};
