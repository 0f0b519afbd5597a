import type { RuleFinding } from '../engine-types.ts';
import { clientTls, requiresTls } from '../config/tls-levels.ts';
import { compareVersions } from '../versions.ts';
import { atName } from './support/findings.ts';
import type { Rule } from './types.ts';

export const clientTlsRequiredGlobally: Rule = {
  id: 'client-tls-required-globally',
  title: 'Outgoing TLS required for every destination',
  severity: 'error',
  consequence: 'Mail to every destination that does not offer STARTTLS (or, at verify and secure, whose certificate does not match) is deferred and finally bounced.',
  description:
    'smtp_tls_security_level = encrypt, verify or secure in main.cf (or on the default "smtp" transport) applies to '
    + 'every domain you send to. Mail to servers without STARTTLS then stays in the queue and bounces, and with verify '
    + 'or secure almost every destination fails, because MX certificates rarely match the recipient domain. Require TLS '
    + 'per destination instead: in smtp_tls_policy_maps, on a dedicated transport, or for a relayhost. "dane" is fine '
    + 'globally: it falls back to opportunistic TLS where no TLSA records exist. Not reported when a relayhost or '
    + 'transport_maps sends the mail to chosen next hops.',
  example: {
    file: 'main',
    bad: 'smtp_tls_security_level = secure',
    good: 'smtp_tls_security_level = may\nsmtp_tls_policy_maps = hash:/etc/postfix/tls_policy\n# tls_policy: example.com  secure',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const relay = config.resolve('relayhost');
    const senderRelay = config.resolve('sender_dependent_relayhost_maps');
    // With a relayhost every message goes to that one server, so requiring TLS is per destination already.
    if (relay.raw === undefined && relay.origin !== 'unset') return out;
    // A relayhost written but not expandable here (a deploy-time placeholder such as ${relay.host}) is still a relayhost.
    if ((relay.value ?? '').trim() !== '' || (relay.raw ?? '').trim() !== '' || (senderRelay.raw ?? '').trim() !== '' || (senderRelay.raw === undefined && senderRelay.origin !== 'unset')) return out;
    // With transport_maps the mail may all go to next hops chosen per domain: then it is not "every destination".
    const transports = config.resolve('transport_maps');
    if (transports.origin !== 'unset' && (transports.raw === undefined || transports.raw.trim() !== '')) return out;
    const defaultTransport = config.services.find((s) => s.program === 'smtp' && s.entry.name.text === 'smtp' && s.entry.type.text === 'unix');
    if (!defaultTransport) return out;
    const t = clientTls(config, defaultTransport, 'smtp');
    // dane degrades to "may" for destinations without TLSA records.
    if (!requiresTls(facts, t.level) || t.level === 'dane') return out;
    // A level the release does not know yet is an invalid value, reported by invalid-value.
    const known = t.level === undefined ? undefined : facts.securityLevels.get(t.level);
    if (!known || compareVersions(config.version, known.since) < 0) return out;
    const a = t.from.value?.trim() ? t.from.assignment : config.resolve('smtp_enforce_tls', defaultTransport).assignment;
    if (!a) return out;
    const strict = t.level !== 'encrypt';
    out.push(atName(a,
      `${a.name} = ${t.level} applies to every destination (no relayhost is set)${strict ? ', and most MX certificates do not match the recipient domain, so most deliveries will fail' : '; mail to servers without STARTTLS will be deferred and finally bounce'}.`,
      'Set smtp_tls_security_level = may (or dane) and require TLS per destination in smtp_tls_policy_maps, e.g. "example.com  ' + t.level + '".'));
    return out;
  },
};
