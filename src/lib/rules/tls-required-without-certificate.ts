import { certificateFindings } from './server-tls-without-certificate.ts';
import type { Rule } from './types.ts';

export const tlsRequiredWithoutCertificate: Rule = {
  id: 'tls-required-without-certificate',
  title: 'TLS required on a server without a certificate',
  severity: 'error',
  consequence: 'TLS cannot start without a certificate, so every client of the service fails: mail submission and delivery to it stop.',
  description:
    'A service that requires TLS (smtpd_tls_security_level = encrypt, or wrapper mode on port 465) needs a server '
    + 'certificate: smtpd_tls_chain_files on Postfix 3.4+, or smtpd_tls_cert_file and smtpd_tls_key_file. Without one '
    + 'Postfix cannot start TLS, so STARTTLS is refused ("TLS not available due to local problem") and implicit-TLS '
    + 'handshakes fail: no client can use the service. Checked when main.cf is part of the check.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_security_level = encrypt',
    good: 'smtpd_tls_security_level = encrypt\nsmtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.pem',
  },
  check: ({ config }) => certificateFindings(config, true),
};
