import type { RuleFinding } from '../engine-types.ts';
import { atName, settingText } from './support/findings.ts';
import { wholeMainCf } from '../config/mail-role.ts';
import { servicesApplying, sideOf, tlsModes } from './support/usage.ts';
import type { Rule } from './types.ts';

const why: Record<string, string> = {
  smtpd: 'no smtpd service here requires TLS (none runs with smtpd_tls_security_level = encrypt or smtpd_tls_wrappermode = yes)',
  smtp: 'the SMTP client never requires TLS here (smtp_tls_security_level is "may" or weaker and there is no smtp_tls_policy_maps)',
  lmtp: 'the LMTP client never requires TLS here (lmtp_tls_security_level is "may" or weaker and there is no lmtp_tls_policy_maps)',
};

export const mandatorySettingUnused: Rule = {
  id: 'mandatory-setting-unused',
  title: 'mandatory_* setting that nothing uses',
  severity: 'warning',
  description:
    'The *_tls_mandatory_protocols, *_tls_mandatory_ciphers and *_tls_mandatory_exclude_ciphers settings apply only '
    + 'where TLS is required: an smtpd service at "encrypt" or in wrapper mode, or SMTP/LMTP deliveries at "encrypt" or '
    + 'stronger (including policy-table entries). With opportunistic TLS everywhere, the setting has no effect and the '
    + 'non-mandatory twin (for example smtp_tls_protocols) is the one that applies. Without a master.cf the services '
    + 'of a whole main.cf (one that sets at least six general parameters) are those of the master.cf Postfix installs '
    + '(one public smtpd on port 25), and the finding says so: a main.cf from a generator that sets mandatory protocols '
    + 'while every listener runs at "may" is the common case.',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = may\nsmtp_tls_mandatory_protocols = >=TLSv1.2',
    good: 'smtp_tls_security_level = may\nsmtp_tls_protocols = >=TLSv1.2',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      if (!a.name.includes('_tls_mandatory_') || !facts.parameters.has(a.name) || a.nameTemplated) continue;
      const side = sideOf(facts, a.name);
      if (!side) continue;
      const services = servicesApplying(config, a, side);
      if (services.length === 0) continue;
      // Against the stock master.cf only for a whole main.cf: a snippet may come with its own master.cf elsewhere.
      if (side === 'smtpd' && a.source === 'main' && services.every((x) => x.stock) && !wholeMainCf(config)) continue;
      const modes = tlsModes(config, services, side);
      if (modes.mandatory !== 'no') continue;
      const twin = a.name.replace('_mandatory_', '_');
      const scope = a.source === 'override' ? `on ${config.serviceOf(a)?.label ?? 'this service'} ` : '';
      // Services that do require TLS but set their own value make the main.cf line dead too.
      const overriding = a.source === 'main'
        ? config.services.filter((s) => s.program === side && !s.stock && s.entry.overrides.some((o) => o.name === a.name))
        : [];
      const reason = overriding.length > 0
        ? `the services that require TLS set their own value with -o (${overriding.map((s) => `"${s.entry.name.raw}"`).join(', ')}) and no other ${side} service requires TLS`
        : why[side];
      // Say what applies instead only where something does: at level none neither setting is read.
      const instead = overriding.length > 0 ? ''
        : modes.opportunistic === 'no' ? `; TLS is off there (level none), so neither this nor ${facts.parameters.has(twin) ? twin : 'the opportunistic setting'} is read`
          : `; ${facts.parameters.has(twin) ? `${twin} applies instead` : 'opportunistic settings apply instead'}`;
      const stock = side === 'smtpd' && a.source === 'main' && (!config.hasMaster || services.every((x) => x.stock))
        ? ' (judged against the master.cf Postfix installs, as no master.cf with smtpd services was part of the check)'
        : '';
      out.push(atName(a,
        `${a.name} has no effect ${scope}because ${reason}${instead}${stock}.`,
        facts.parameters.has(twin) && twin !== a.name
          ? `If you meant opportunistic TLS, write ${settingText({ ...a, name: twin }, a.value)}; otherwise delete the line.`
          : 'Delete the line, or require TLS where you meant it to apply.'));
    }
    return out;
  },
};
