import type { RuleFinding } from '../engine-types.ts';
import { atName } from './support/findings.ts';
import { certKeyPairs, stateOf } from './support/certificates.ts';
import type { Rule } from './types.ts';

export const certificateWithoutKey: Rule = {
  id: 'certificate-without-key',
  title: 'Certificate without its private key',
  severity: 'warning',
  description:
    'When only the certificate is set, Postfix looks for the private key in the certificate file itself (the key '
    + 'parameter defaults to the certificate parameter). That works for a combined PEM file, but a typical '
    + 'fullchain.pem holds no key and TLS then fails with "cannot load private key". Set the key explicitly, or use '
    + 'the *_tls_chain_files list (key first).',
  example: {
    file: 'main',
    bad: 'smtpd_tls_cert_file = /etc/letsencrypt/live/mail.example.com/fullchain.pem',
    good: 'smtpd_tls_cert_file = /etc/letsencrypt/live/mail.example.com/fullchain.pem\nsmtpd_tls_key_file = /etc/letsencrypt/live/mail.example.com/privkey.pem',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const pairs = certKeyPairs(facts);
    for (const a of config.allAssignments()) {
      const pair = pairs.find((p) => p.cert === a.name);
      if (!pair || a.valueTemplated || a.value.trim() === '') continue;
      const service = config.serviceOf(a);
      const key = config.resolve(pair.key, service);
      if (key.value === undefined && key.origin !== 'unset') continue;
      if (key.origin === 'main' || key.origin === 'override') {
        if (stateOf(config, pair.key, service) !== 'empty') continue;
      } else if (key.origin === 'default' && key.value !== undefined && key.value.trim() !== '' && key.value.trim() !== a.value.trim()) {
        continue;
      }
      const readsCert = key.value !== undefined && key.value.trim() === a.value.trim();
      out.push(atName(a,
        readsCert
          ? `${a.name} is set but ${pair.key} is not, so Postfix reads the private key from ${a.value.trim()} too; unless that file also contains the key, TLS fails with "cannot load private key".`
          : `${a.name} is set but ${pair.key} is empty, so the certificate has no private key and TLS fails.`,
        `Add ${pair.key} = /path/to/private.key${facts.parameters.has(`${pair.prefix}_tls_chain_files`) ? `, or use ${pair.prefix}_tls_chain_files (key first)` : ''}.`));
    }
    return out;
  },
};
