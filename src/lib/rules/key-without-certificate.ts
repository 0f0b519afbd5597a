import type { RuleFinding } from '../engine-types.ts';
import { atName } from './support/findings.ts';
import { certKeyPairs, stateOf } from './support/certificates.ts';
import type { Rule } from './types.ts';

export const keyWithoutCertificate: Rule = {
  id: 'key-without-certificate',
  title: 'Private key without a certificate',
  severity: 'warning',
  description:
    'A key file alone does nothing: Postfix loads the certificate first (smtpd_tls_cert_file, eccert_file, dcert_file '
    + 'or the chain_files list) and the key that belongs to it. A key with no certificate usually means the certificate '
    + 'line was misspelt or lost, and the server offers no STARTTLS (or the client presents no certificate).',
  example: {
    file: 'main',
    bad: 'smtpd_tls_key_file = /etc/ssl/private/mail.key',
    good: 'smtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.pem',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const pairs = certKeyPairs(facts);
    for (const a of config.allAssignments()) {
      const pair = pairs.find((p) => p.key === a.name);
      if (!pair || a.valueTemplated || a.value.trim() === '' || a.value.trim() === `$${pair.cert}`) continue;
      const service = config.serviceOf(a);
      if (stateOf(config, pair.cert, service) !== 'empty') continue;
      const chain = `${pair.prefix}_tls_chain_files`;
      if (facts.parameters.has(chain) && stateOf(config, chain, service) !== 'empty') continue;
      out.push(atName(a,
        `${a.name} is set but ${pair.cert} is empty, so this key is never used${pair.prefix === 'smtpd' ? ' and the server offers no TLS' : ''}.`,
        `Set ${pair.cert} to the matching certificate${facts.parameters.has(chain) ? `, or list both in ${chain} (key first)` : ''}.`));
    }
    return out;
  },
};
