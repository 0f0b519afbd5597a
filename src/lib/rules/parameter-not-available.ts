import { nonTlsStatusAt, statusAt } from '../facts.ts';
import type { RuleFinding } from '../engine-types.ts';
import { atName } from './support/findings.ts';
import type { Rule } from './types.ts';

export const parameterNotAvailable: Rule = {
  id: 'parameter-not-available',
  title: 'Parameter newer than the target Postfix release',
  severity: 'warning',
  description:
    'A parameter introduced in a later Postfix release is unknown to older ones: they log "unused parameter" and run '
    + 'with their own behaviour instead. For example smtpd_tls_chain_files needs Postfix 3.4; on 3.3 the server has no '
    + 'certificate unless smtpd_tls_cert_file and smtpd_tls_key_file are set as well. This holds for every parameter, '
    + 'TLS or not, with the release (patch release where it came in one) that introduced it. Choose the release you run '
    + 'with --postfix.',
  example: {
    file: 'main',
    bad: '# Postfix 3.3\nsmtpd_tls_chain_files = /etc/ssl/private/mail.pem',
    good: '# Postfix 3.3\nsmtpd_tls_cert_file = /etc/ssl/certs/mail.pem\nsmtpd_tls_key_file = /etc/ssl/private/mail.key',
  },
  check: ({ config, facts, version }) => {
    const out: RuleFinding[] = [];
    for (const a of config.allAssignments()) {
      const p = facts.parameters.get(a.name);
      if (!p || a.nameTemplated || statusAt(p, version) !== 'not-yet') continue;
      out.push(atName(a,
        `${a.name} exists only from Postfix ${p.since}; this check targets ${version}, which ignores the line ("unused parameter").`,
        p.related.length > 0
          ? `Upgrade to Postfix ${p.since} or later, or use what ${version} offers (see ${p.related.filter((r) => { const q = facts.parameters.get(r); return q && statusAt(q, version) === 'available'; }).slice(0, 3).join(', ') || 'the parameter reference'}).`
          : `Upgrade to Postfix ${p.since} or later, or remove the line.`));
    }
    for (const a of config.allAssignments()) {
      if (a.nameTemplated || facts.parameters.has(a.name) || nonTlsStatusAt(facts, a.name, version) !== 'not-yet') continue;
      const since = facts.nonTlsParameterDates.since.get(a.name) ?? '';
      out.push(atName(a,
        `${a.name} exists only from Postfix ${since}; this check targets ${version}, which ignores the line ("unused parameter").`,
        `Upgrade to Postfix ${since} or later, or remove the line.`));
    }
    return out;
  },
};
