import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { recipeBlocks, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

/** The page's two digest pipelines, verbatim apart from the file names. */
const digestFromCertificate = (cert: string) =>
  `openssl x509 -in ${cert} -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 | sed 's/^.*= //'`;
const digestFromKey = (key: string) => `openssl pkey -in ${key} -pubout -outform DER | openssl dgst -sha256 | sed 's/^.*= //'`;

describe.runIf(enabled)('recipe: inbound-dane-tlsa', () => {
  let pf: PostfixInstance | undefined;
  let certDir = '';
  let current = '';
  let next = '';

  const sh = async (cmd: string) => (await capture('bash', ['-c', cmd])).stdout.trim();
  /** posttls-finger pinning public-key digests; port 1 = current key, port 2 = next key. */
  const finger = (port: number, level: string, ...match: string[]) =>
    capture('env', [`MAIL_CONFIG=${pf!.dir}`, '/usr/sbin/posttls-finger', '-c', '-l', level, '-d', 'sha256', `[127.0.0.1]:${port}`, ...match]);

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    const now = pki.server('mx.test.example', 'ecdsa');
    const later = pki.server('mx.test.example', 'rsa');
    const { main } = recipeBlocks('inbound-dane-tlsa');
    // @PORT@ runs the page's main.cf with the current key; @PORT2@ the same server after the switch.
    pf = await startPostfix({
      ports: 2,
      main: substitute(main, { '/etc/postfix/tls/mx.key.pem': now.key, '/etc/postfix/tls/mx.fullchain.pem': now.cert }),
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_tls_chain_files=${later.key},${later.cert}`,
    });
    current = await sh(digestFromCertificate(now.cert));
    next = await sh(digestFromKey(later.key));
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('computes the public-key digest Postfix sees for the running server', async () => {
    expect(current).toMatch(/^[0-9a-f]{64}$/);
    const res = await finger(pf!.ports[0]!, 'may');
    const seen = /pkey_fingerprint=([0-9A-F:]+)/.exec(res.stdout)?.[1]?.replace(/:/g, '').toLowerCase();
    expect(seen).toBe(current);
  });

  it('computes the next key\'s digest from the private key alone', async () => {
    expect(next).toMatch(/^[0-9a-f]{64}$/);
    expect(next).not.toBe(current);
    const res = await finger(pf!.ports[1]!, 'may');
    expect(/pkey_fingerprint=([0-9A-F:]+)/.exec(res.stdout)?.[1]?.replace(/:/g, '').toLowerCase()).toBe(next);
  });

  it('accepts the server before and after the switch while both digests are pinned', async () => {
    for (const port of pf!.ports) {
      const res = await finger(port, 'fingerprint', current, next);
      expect(res.stdout).toMatch(/Matched fingerprint: [0-9A-F]{64}/);
      expect(res.stdout).toMatch(/Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
    }
  });

  it('rejects the new key when only the old digest is pinned', async () => {
    const res = await finger(pf!.ports[1]!, 'fingerprint', current);
    expect(res.stdout).toMatch(/server certificate verification failed for 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: num=65:no matching DANE TLSA records/);
    expect(res.stdout).not.toMatch(/Verified TLS connection/);
  });
});
