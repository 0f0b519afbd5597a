import type { RuleFinding } from '../engine-types.ts';
import { atName } from './support/findings.ts';
import { listNames, parseProtocolList } from './support/protocols.ts';
import { sideOf, tlsModes } from './support/usage.ts';
import { expandedValue } from './support/values.ts';
import type { Rule } from './types.ts';

export const mandatoryProtocolsWeaker: Rule = {
  id: 'mandatory-protocols-weaker',
  title: 'Protocols hardened for optional TLS only',
  severity: 'warning',
  description:
    'Postfix reads *_tls_protocols where TLS is optional and *_tls_mandatory_protocols where it is required. Raising the '
    + 'floor in *_tls_protocols alone (for example smtpd_tls_protocols = >=TLSv1.2) leaves the default mandatory list in '
    + 'force on the services that require TLS, such as submission at "encrypt" or smtps: they keep accepting the '
    + 'protocols you meant to drop, while port 25 refuses them. Set the mandatory list at least as strictly. (The '
    + 'mirror case, a hardened mandatory list where no service requires TLS, is reported by mandatory-setting-unused.)',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_protocols=>=TLSv1.2',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_mandatory_protocols=>=TLSv1.2',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    for (const s of config.services) {
      const side = s.program === 'smtpd' || s.program === 'smtp' || s.program === 'lmtp' ? s.program : undefined;
      if (!side || tlsModes(config, [s], side).mandatory !== 'yes') continue;
      const opp = config.resolve(`${side}_tls_protocols`, s);
      const man = config.resolve(`${side}_tls_mandatory_protocols`, s);
      // Only where the opportunistic list was written and the mandatory one was left to its default.
      if (!opp.assignment || man.origin !== 'default' || sideOf(facts, opp.name) !== side) continue;
      const oppValue = expandedValue(config, opp.assignment);
      if (oppValue === undefined || man.value === undefined) continue;
      const o = parseProtocolList(oppValue, facts);
      const m = parseProtocolList(man.value, facts);
      if (o.unknown.length > 0 || m.unknown.length > 0 || o.enabled.length === 0) continue;
      const extra = m.enabled.filter((p) => !o.enabled.some((q) => q.name === p.name) && p.order < Math.min(...o.enabled.map((q) => q.order)));
      if (extra.length === 0) continue;
      const a = opp.assignment;
      const key = `${a.file}:${a.line}:${a.column}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const mandatoryName = `${side}_tls_mandatory_protocols`;
      out.push(atName(a,
        `${a.name} refuses ${listNames(extra)}, but ${s.label} requires TLS and so reads ${mandatoryName}, which is left at its default (${JSON.stringify(man.value)}) and still allows them: TLS-required sessions are weaker than optional ones.`,
        a.source === 'main'
          ? `Add ${mandatoryName} = ${oppValue} to main.cf as well.`
          : `Add -o ${mandatoryName}=${oppValue} to this service as well.`));
    }
    return out;
  },
};
