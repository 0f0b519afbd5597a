import type { EffectiveConfig } from '../config/effective.ts';
import { isYes } from '../config/effective.ts';
import type { RuleFinding } from '../engine-types.ts';
import { statusAt } from '../facts.ts';
import type { Assignment } from '../parse/main-cf.ts';
import { branchImplies } from '../parse/templates.ts';
import { atName, settingText } from './support/findings.ts';
import type { Rule } from './types.ts';

/** The on/off switches the security levels replaced in Postfix 2.3, and the level each value stands for. */
export function legacySwitch(a: Assignment): { prefix: string; level: string | undefined } | undefined {
  const m = /^(smtpd|smtp|lmtp)_(use|enforce)_tls$/.exec(a.name);
  if (!m || a.nameTemplated || a.valueTemplated) return undefined;
  const on = isYes(a.value);
  const level = m[2] === 'enforce' ? (on ? 'encrypt' : undefined) : on ? 'may' : 'none';
  return { prefix: m[1] ?? 'smtpd', level };
}

/** The security level set beside a switch (same service scope), when it is set to something non-empty. */
export function levelBeside(config: EffectiveConfig, a: Assignment, prefix: string): Assignment | undefined {
  const r = config.resolve(`${prefix}_tls_security_level`, config.serviceOf(a));
  if (!r.assignment || r.value === undefined || r.value.trim() === '') return undefined;
  return branchImplies(a.branch, r.assignment.branch) ? r.assignment : undefined;
}

/** The level the use/enforce pair of a scope stands for together, as Postfix read them before 2.3. */
function jointLevel(config: EffectiveConfig, a: Assignment, prefix: string): string | undefined {
  const service = config.serviceOf(a);
  const use = config.resolve(`${prefix}_use_tls`, service);
  const enforce = config.resolve(`${prefix}_enforce_tls`, service);
  if ((use.raw !== undefined && use.value === undefined) || (enforce.raw !== undefined && enforce.value === undefined)) return undefined;
  if (isYes(enforce.value)) return 'encrypt';
  return isYes(use.value) ? 'may' : 'none';
}

export const legacyTlsSwitch: Rule = {
  id: 'legacy-tls-switch',
  title: 'Pre-2.3 TLS on/off switch',
  severity: 'info',
  description:
    'smtpd_use_tls, smtpd_enforce_tls, smtp_use_tls and smtp_enforce_tls (and the lmtp ones) are the switches of the '
    + 'original TLS patch. Since Postfix 2.3 the security level (smtpd_tls_security_level, smtp_tls_security_level) '
    + 'says the same in one setting, takes precedence whenever it is set, and is the only way to ask for dane, verify or '
    + 'secure; from 3.9 Postfix also logs a deprecation warning for the switches (reported by deprecated-parameter). '
    + 'On older releases the switches still work: this is a note to move to the level.',
  example: {
    file: 'main',
    bad: '# Postfix 3.7\nsmtpd_use_tls = yes',
    good: '# Postfix 3.7\nsmtpd_tls_security_level = may',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      const sw = legacySwitch(a);
      if (!sw) continue;
      const p = facts.parameters.get(a.name);
      const levelName = `${sw.prefix}_tls_security_level`;
      const lp = facts.parameters.get(levelName);
      // From the release that deprecates it, deprecated-parameter speaks; before 2.3 there is no level yet.
      if (!p || statusAt(p, version) !== 'available' || !lp || statusAt(lp, version) === 'not-yet') continue;
      const level = levelBeside(config, a, sw.prefix);
      const joint = jointLevel(config, a, sw.prefix);
      if (level && sw.level !== undefined && joint !== undefined && level.value.trim() !== joint) continue; // legacy-switch-conflict
      out.push(atName(a,
        level
          ? `${a.name} repeats what ${levelName} = ${level.value.trim()} (line ${level.line}) already says; the level is the setting that counts.`
          : `${a.name} is the on/off switch from before Postfix 2.3; ${levelName} is the setting to use${sw.level ? ` (${a.name} = ${a.value.trim()} means ${levelName} = ${sw.level})` : ''}, and Postfix 3.9 and later warn about the switch.`,
        level ? 'Delete this line.' : sw.level ? `Replace it with ${settingText({ ...a, name: levelName }, sw.level)}.` : 'Delete this line (it is the default).'));
    }
    return out;
  },
};

export const legacySwitchConflict: Rule = {
  id: 'legacy-switch-conflict',
  title: 'TLS on/off switch contradicts the security level',
  severity: 'warning',
  description:
    'When the security level is set, Postfix ignores the old switches: smtpd_use_tls = yes next to '
    + 'smtpd_tls_security_level = none leaves TLS off, and smtp_enforce_tls = yes next to smtp_tls_security_level = may '
    + 'does not require TLS. A file with both says two different things, and only the level is true. Delete the switch '
    + 'and set the level you mean.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.pem\nsmtpd_enforce_tls = yes\nsmtpd_tls_security_level = may',
    good: 'smtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.pem\nsmtpd_tls_security_level = may',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      const sw = legacySwitch(a);
      if (!sw || sw.level === undefined) continue;
      const lp = facts.parameters.get(`${sw.prefix}_tls_security_level`);
      if (!lp || statusAt(lp, version) === 'not-yet') continue;
      const level = levelBeside(config, a, sw.prefix);
      // The two switches work together (use + enforce = encrypt): compare what they say jointly.
      const joint = jointLevel(config, a, sw.prefix);
      if (!level || joint === undefined || level.value.trim() === joint) continue;
      out.push(atName(a,
        `${a.name} = ${a.value.trim()} asks for TLS level ${joint}, but ${level.name} = ${level.value.trim()} (line ${level.line}) is set and wins: this switch has no effect, and the level in force is ${level.value.trim()}.`,
        `Delete this line, and set ${level.name} to the level you mean.`));
    }
    return out;
  },
};
