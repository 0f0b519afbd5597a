import type { RuleFinding } from '../engine-types.ts';
import { atValue } from './support/findings.ts';
import { certKeyPairs } from './support/certificates.ts';
import type { Rule } from './types.ts';

/** Debian and Ubuntu's self-signed placeholder certificate (package ssl-cert). */
const snakeoil = /ssl-cert-snakeoil/;

export const snakeoilCertificate: Rule = {
  id: 'snakeoil-certificate',
  title: 'Snakeoil certificate on a service clients verify',
  severity: 'warning',
  description:
    'Debian and Ubuntu install a self-signed placeholder certificate (/etc/ssl/certs/ssl-cert-snakeoil.pem) and the '
    + 'default main.cf points at it. On port 25 that is tolerable, as sending servers rarely verify certificates; on '
    + 'submission (587) and smtps (465) mail clients do verify, and they warn or refuse to connect. Use a certificate for '
    + 'the host name clients connect to, for example from Let\'s Encrypt.',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem\n  -o smtpd_tls_key_file=/etc/ssl/private/ssl-cert-snakeoil.key',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_chain_files=/etc/letsencrypt/live/mail.example.com/privkey.pem,/etc/letsencrypt/live/mail.example.com/fullchain.pem',
  },
  check: ({ config, facts }) => {
    const out: RuleFinding[] = [];
    const names = ['smtpd_tls_chain_files', ...certKeyPairs(facts).filter((p) => p.prefix === 'smtpd').map((p) => p.cert)];
    const reported = new Set<string>();
    for (const s of config.services) {
      if (s.program !== 'smtpd' || (s.endpoint !== 'submission' && s.endpoint !== 'submissions')) continue;
      for (const n of names) {
        const r = config.resolve(n, s);
        const a = r.assignment;
        if (!a || r.value === undefined || !snakeoil.test(r.value)) continue;
        const key = `${a.file}:${a.line}`;
        const users = config.services.filter((x) => x.program === 'smtpd' && (x.endpoint === 'submission' || x.endpoint === 'submissions')
          && config.resolve(n, x).assignment === a).map((x) => x.label);
        if (reported.has(key)) continue;
        reported.add(key);
        const offset = Math.max(0, a.value.search(snakeoil));
        const start = a.value.lastIndexOf(' ', offset) + 1;
        out.push(atValue(a,
          `${n} uses the self-signed snakeoil placeholder on ${users.join(' and ')}, where mail clients verify the server certificate and will warn or refuse to connect.`,
          `Point ${n} at a certificate for the host name clients use (for example /etc/letsencrypt/live/<host>/fullchain.pem).`, start));
      }
    }
    return out;
  },
};
