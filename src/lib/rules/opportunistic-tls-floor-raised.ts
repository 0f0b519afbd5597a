import type { RuleFinding } from '../engine-types.ts';
import { effectiveDefault } from '../facts.ts';
import { compareVersions } from '../versions.ts';
import { protocolSettings, rangeSyntaxSince, settingName } from './support/protocol-settings.ts';
import { tlsModes } from './support/usage.ts';
import type { Rule } from './types.ts';

export const opportunisticTlsFloorRaised: Rule = {
  id: 'opportunistic-tls-floor-raised',
  title: 'Opportunistic TLS with a TLS 1.2 minimum',
  severity: 'info',
  description:
    'Where TLS is opportunistic, on the public port 25 and for outgoing mail at level "may" (and "dane" without usable '
    + 'TLSA records), a failed handshake does not stop the mail: Postfix as a client retries the delivery without TLS, '
    + 'and a sending server either does the same or keeps the mail queued. A TLS 1.2 minimum in smtpd_tls_protocols or '
    + 'smtp_tls_protocols therefore does not move a peer that only has TLSv1 or TLSv1.1 up to TLS 1.2; it moves it to '
    + 'plaintext. That is why Postfix\'s defaults keep TLSv1 enabled for opportunistic TLS, and why its documentation '
    + 'puts the TLS 1.2 minimum on the mandatory settings only. Postfix lowers OpenSSL\'s security level itself on '
    + 'sessions that do not verify the peer, so with OpenSSL 3 too it still completes TLSv1 and TLSv1.1 handshakes '
    + 'with peers that offer nothing newer. This is an info, not a warning: such peers are rare and many policies '
    + 'require the TLS 1.2 floor. A list that leaves out TLSv1.2 as well is reported by opportunistic-tls-too-strict.',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = may\nsmtp_tls_protocols = >=TLSv1.2',
    good: 'smtp_tls_security_level = may\n# smtp_tls_protocols stays at its default (>=TLSv1)',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    const rangesSince = rangeSyntaxSince(facts);
    for (const s of protocolSettings(config)) {
      if (s.mandatory || s.used === 'no' || s.list.unknown.length > 0 || s.list.enabled.length === 0) continue;
      // Range syntax on a release without it is a different, worse problem (protocol-range-syntax).
      if (s.list.ranges.length > 0 && rangesSince && compareVersions(version, rangesSince) < 0) continue;
      const floor = s.list.all.find((p) => p.status === 'recommended');
      const legacy = s.list.all.filter((p) => p.status === 'deprecated');
      if (!floor || legacy.length === 0) continue;
      if (!s.list.enabled.some((p) => p.name === floor.name)) continue;
      if (s.list.enabled.some((p) => p.status !== 'recommended')) continue;
      const mx = s.side === 'smtpd' ? s.services.filter((x) => x.endpoint === 'mx') : [];
      const publicServer = mx.length > 0 && tlsModes(config, mx, 'smtpd').opportunistic !== 'no';
      const client = s.side === 'smtp';
      if (!publicServer && !client) continue;
      const p = s.policy ? undefined : facts.parameters.get(s.parameter);
      const def = p ? effectiveDefault(p, version, config.compatibilityLevel) : undefined;
      const mandatory = s.side === 'smtpd' ? 'smtpd_tls_mandatory_protocols' : 'smtp_tls_mandatory_protocols';
      out.push({
        file: s.file, ...s.positionOf(0), parameter: s.policy ? null : s.parameter,
        message: `${settingName(s)} = ${JSON.stringify(s.value)} sets a ${floor.name} minimum for opportunistic TLS${publicServer ? ' on the public port 25' : ' on outgoing mail'}. A peer that only has ${legacy.map((x) => x.name).join(' or ')} then does not get TLS at all: ${client ? 'Postfix retries the delivery without TLS' : 'the sender retries without TLS or keeps the mail queued'}, so that mail travels in plaintext rather than over an old protocol. With OpenSSL 3.0 or later at its default security level those protocols cannot complete anyway, and the line changes nothing.`,
        fix: s.policy
          ? 'Drop protocols= from this "may" entry, or make the entry "encrypt" if this destination must use TLS 1.2.'
          : `Delete the line to use the default${def !== undefined ? ` (${JSON.stringify(def)})` : ''}. If some ${s.side === 'smtpd' ? 'services' : 'destinations'} require TLS, put the minimum there: ${mandatory} = ${rangesSince && compareVersions(version, rangesSince) < 0 ? s.list.all.filter((x) => x.order < floor.order).map((x) => `!${x.name}`).join(', ') : `>=${floor.name}`}.`,
      });
    }
    return out;
  },
};
