import type { RuleFinding } from '../engine-types.ts';
import { protocolSettings, settingName } from './support/protocol-settings.ts';
import { listNames } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const protocolsLegacyOnly: Rule = {
  id: 'protocols-legacy-only',
  title: 'Only legacy protocols enabled',
  severity: 'warning',
  description:
    'A protocol list that enables nothing newer than TLSv1.1 (for example "TLSv1" alone, or excluding TLSv1.2 and '
    + 'TLSv1.3) forces every session onto deprecated protocols (RFC 8996), and peers that have disabled them cannot '
    + 'connect at all: OpenSSL 3 at its default security level refuses them, and so does Postfix itself where it '
    + 'verifies the peer. Where TLS is required, that mail is refused or deferred. Enable TLSv1.2 and TLSv1.3.',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = may\nsmtp_tls_protocols = TLSv1',
    good: 'smtp_tls_security_level = may\nsmtp_tls_protocols = >=TLSv1',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      const enabled = s.list.enabled;
      if (s.used === 'no' || s.list.unknown.length > 0 || enabled.length === 0) continue;
      if (enabled.some((p) => p.status === 'recommended')) continue;
      // A TLS-required list of SSL versions alone is an outage (no-usable-protocol).
      if (s.mandatory && s.used === 'yes' && enabled.every((p) => p.status === 'broken')) continue;
      const modern = s.list.all.filter((p) => p.status === 'recommended');
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} = ${JSON.stringify(s.value)} enables only ${listNames(enabled)}; ${listNames(modern)} are excluded, so every session uses deprecated protocols and peers that refuse them cannot connect.`,
        fix: s.mandatory
          ? `Allow ${listNames(modern)}, e.g. ${s.policy ? 'protocols=>=TLSv1.2' : `${s.parameter} = >=TLSv1.2`} (Postfix 3.6+).`
          : `Allow ${listNames(modern)}: ${s.policy ? 'drop the protocols= attribute from this entry' : 'delete the line to use the default'}, which keeps the old versions for peers that have nothing newer.`,
      });
    }
    return out;
  },
};
