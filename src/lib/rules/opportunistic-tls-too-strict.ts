import type { RuleFinding } from '../engine-types.ts';
import { protocolSettings, settingName } from './support/protocol-settings.ts';
import { listNames } from './support/protocols.ts';
import type { Rule } from './types.ts';

export const opportunisticTlsTooStrict: Rule = {
  id: 'opportunistic-tls-too-strict',
  title: 'Opportunistic TLS limited to the newest protocol',
  severity: 'warning',
  description:
    'On the public port 25 and for outgoing opportunistic TLS, a peer that cannot negotiate a common protocol does not '
    + 'give up: it retries in plaintext. Allowing only TLSv1.3 therefore pushes every TLSv1.2-only mail server to send '
    + 'in the clear, which is worse than accepting TLSv1.2. Keep strict settings for the mandatory_* parameters and '
    + 'submission.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_security_level = may\nsmtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2',
    // Port 25 keeps the release's default protocols; the floor goes where TLS is required.
    good: 'smtpd_tls_security_level = may\nsmtpd_tls_mandatory_protocols = >=TLSv1.2',
  },
  check: ({ config }) => {
    const out: RuleFinding[] = [];
    for (const s of protocolSettings(config)) {
      if (s.mandatory || s.used === 'no' || s.list.unknown.length > 0 || s.list.enabled.length === 0) continue;
      const recommended = s.list.all.filter((p) => p.status === 'recommended');
      const floor = recommended[0];
      if (!floor || s.list.enabled.some((p) => p.order <= floor.order)) continue;
      const publicServer = s.side === 'smtpd' && s.services.some((x) => x.endpoint === 'mx');
      const client = s.side === 'smtp';
      if (!publicServer && !client) continue;
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} = ${JSON.stringify(s.value)} allows only ${listNames(s.list.enabled)} for opportunistic TLS${publicServer ? ' on the public port 25' : ' on outgoing mail'}; peers without it fall back to plaintext instead.`,
        fix: `Allow ${floor.name} as well, e.g. ${s.policy ? 'protocols=>=TLSv1.2' : `${s.parameter} = >=${floor.name}`}, and keep the strict list for the mandatory_protocols setting.`,
      });
    }
    return out;
  },
};
