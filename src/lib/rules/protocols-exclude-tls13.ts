import type { RuleFinding } from '../engine-types.ts';
import { compareVersions } from '../versions.ts';
import { protocolSettings, settingName } from './support/protocol-settings.ts';
import { listNames, newestProtocol } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const protocolsExcludeTls13: Rule = {
  id: 'protocols-exclude-tls13',
  title: 'Protocol setting pins one version and excludes TLSv1.3',
  severity: 'info',
  description:
    'Pinning a single version such as "TLSv1.2", or excluding TLSv1.3, keeps sessions off the newest protocol: no '
    + 'faster handshake and no TLS 1.3 ciphers, and the setting will need editing again once TLSv1.2 is retired. Set a '
    + 'floor instead of a ceiling.',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = may\nsmtp_tls_protocols = TLSv1.2',
    good: 'smtp_tls_security_level = may\n# smtp_tls_protocols stays at its default, a floor without a ceiling',
  },
  check: ({ config, facts, version }) => {
    const newest = newestProtocol(facts);
    if (!newest || compareVersions(version, newest.postfix_since) < 0) return [];
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      const enabled = s.list.enabled;
      if (s.used === 'no' || s.list.unknown.length > 0) continue;
      if (!enabled.some((p) => p.status === 'recommended') || enabled.some((p) => p.name === newest.name)) continue;
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} = ${JSON.stringify(s.value)} enables ${listNames(enabled)} but not ${newest.name}, which Postfix ${newest.postfix_since}+ supports.`,
        // Where TLS is optional the floor stays at the default (opportunistic-tls-floor-raised explains why).
        fix: s.mandatory
          ? `Set a floor instead, e.g. ${s.policy ? 'protocols=>=TLSv1.2' : `${s.parameter} = >=TLSv1.2`}.`
          : s.policy ? 'Drop the protocols= attribute from this entry to use smtp_tls_protocols.' : 'Delete the line: the default sets a floor and no ceiling.',
      });
    }
    return out;
  },
};
