// Certificates made at test time with openssl: a local CA and RSA + ECDSA server certificates.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

function openssl(args: string[]): void {
  const res = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${res.stderr}`);
}

export interface TestPki {
  caCert: string;
  /** Per name: key and certificate (signed by the CA) for RSA and ECDSA. */
  server(name: string, kind?: 'rsa' | 'ecdsa'): { key: string; cert: string };
}

/** Creates a CA in `dir`; server certificates are issued on demand and cached. */
export function createPki(dir: string): TestPki {
  const caKey = join(dir, 'ca.key.pem');
  const caCert = join(dir, 'ca.cert.pem');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caCert,
    '-days', '2', '-subj', '/CN=Postfix TLS test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const issued = new Map<string, { key: string; cert: string }>();
  return {
    caCert,
    server(name, kind = 'ecdsa') {
      const id = `${name}-${kind}`;
      const existing = issued.get(id);
      if (existing) return existing;
      const key = join(dir, `${id}.key.pem`);
      const csr = join(dir, `${id}.csr`);
      const cert = join(dir, `${id}.cert.pem`);
      const ext = join(dir, `${id}.ext`);
      const keyArgs = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
      openssl(['req', ...keyArgs, '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
      writeFileSync(ext, `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth,clientAuth\n`);
      openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
      const pair = { key, cert };
      issued.set(id, pair);
      return pair;
    },
  };
}
