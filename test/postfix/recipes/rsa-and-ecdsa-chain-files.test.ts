import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, starttlsProbe, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const NAME = 'mail.example.com';

describe.runIf(enabled).each(enabled ? proofReleases('rsa-and-ecdsa-chain-files') : [])('recipe: rsa-and-ecdsa-chain-files on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let misordered: PostfixInstance | undefined;
  let work = '';
  let caCert = '';
  let rsa: { key: string; cert: string };
  const probe = async (args: string[]) => {
    const res = await starttlsProbe(pf!.ports[0]!, ['-CAfile', caCert, '-verify_hostname', NAME, '-verify_return_error', ...args]);
    return res.stdout + res.stderr;
  };
  /** Each probe is one smtpd session; its summary line is the newest one in the log. */
  // Postfix 3.7 and later, built with OpenSSL 3, name the curve by OpenSSL's group name; 3.4-3.6 by its NIST name.
  const curve = atLeast(release, '3.7') ? 'prime256v1' : 'P-256';
  const lastSummary = () => pf!.log().match(/TLS connection established from [^\n]*/g)?.at(-1) ?? '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-dual-'));
    const pki = createPki(work);
    caCert = pki.caCert;
    const ec = pki.server(NAME, 'ecdsa');
    rsa = pki.server(NAME, 'rsa');
    const { main } = recipeBlocks('rsa-and-ecdsa-chain-files');
    pf = await startPostfix({
      release,
      main: substitute(main, {
        '/etc/letsencrypt/live/mail.example.com-ecdsa/privkey.pem': ec.key,
        '/etc/letsencrypt/live/mail.example.com-ecdsa/fullchain.pem': ec.cert,
        '/etc/letsencrypt/live/mail.example.com-rsa/privkey.pem': rsa.key,
        '/etc/letsencrypt/live/mail.example.com-rsa/fullchain.pem': rsa.cert,
      }),
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd',
    });
    // The mistake from the page: the ECDSA certificate listed before its key.
    misordered = await startPostfix({
      release,
      main: substitute(main, {
        '/etc/letsencrypt/live/mail.example.com-ecdsa/privkey.pem': ec.cert,
        '/etc/letsencrypt/live/mail.example.com-ecdsa/fullchain.pem': ec.key,
        '/etc/letsencrypt/live/mail.example.com-rsa/privkey.pem': rsa.key,
        '/etc/letsencrypt/live/mail.example.com-rsa/fullchain.pem': rsa.cert,
      }),
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd',
    });
  });

  afterAll(async () => {
    await Promise.allSettled([pf?.stop(), misordered?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the ECDSA certificate to a TLS 1.3 client that offers only ECDSA', async () => {
    const out = await probe(['-tls1_3', '-sigalgs', 'ECDSA+SHA256']);
    expect(out).toMatch(/Protocol version: TLSv1\.3/);
    expect(out).toMatch(/Signature type: ECDSA/);
    await pf!.waitForLog(new RegExp(`server-signature ECDSA \\(${curve}\\)`));
  });

  it('serves the RSA certificate to a TLS 1.3 client that offers only RSA-PSS', async () => {
    const out = await probe(['-tls1_3', '-sigalgs', 'RSA-PSS+SHA256']);
    expect(out).toMatch(/Protocol version: TLSv1\.3/);
    expect(out).toMatch(/Signature type: RSA-PSS/);
    await pf!.waitForLog(/server-signature RSA-PSS \(2048 bits\)/);
  });

  it('picks the certificate from the TLS 1.2 cipher suite', async () => {
    // TLS 1.2 summary lines carry no server-signature field; the cipher suite names the certificate type.
    const rsaOut = await probe(['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
    expect(rsaOut).toMatch(/Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256/);
    expect(rsaOut).toMatch(/Signature type: RSA/);
    await pf!.waitForLog(/TLSv1\.2 with cipher ECDHE-RSA-AES128-GCM-SHA256/);
    const ecOut = await probe(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
    expect(ecOut).toMatch(/Ciphersuite: ECDHE-ECDSA-AES128-GCM-SHA256/);
    expect(ecOut).toMatch(/Signature type: ECDSA/);
    await pf!.waitForLog(/TLSv1\.2 with cipher ECDHE-ECDSA-AES128-GCM-SHA256/);
  });

  it("the page's three s_client commands get ECDSA, RSA-PSS and an RSA suite over TLS 1.2, and its grep counts them", async () => {
    const res = await runShellBlock('rsa-and-ecdsa-chain-files', 'three-clients', { replacements: { 'mail.example.com:25': `127.0.0.1:${pf!.ports[0]}` } });
    expect((res.out.match(/^Signature type: (\S+)/gm) ?? []).sort()).toEqual(['Signature type: ECDSA', 'Signature type: RSA-PSS', 'Signature type: RSA-PSS']); // TLS 1.2 with an RSA suite signs with RSA-PSS too
    expect(res.out).toMatch(/Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256/);
    await pf!.waitForLog(/TLSv1\.2 with cipher ECDHE-RSA-AES128-GCM-SHA256[\s\S]*TLSv1\.2 with cipher ECDHE-RSA-AES128-GCM-SHA256/);
    const counts = await runShellBlock('rsa-and-ecdsa-chain-files', 'count-signatures', { replacements: { '/var/log/mail.log': join(pf!.dir, 'maillog') } });
    // Earlier tests in this file added sessions of each kind; every line is "<count> <what>".
    expect(counts.stdout).toMatch(/^ +\d+ server-signature ECDSA$/m);
    expect(counts.stdout).toMatch(/^ +\d+ server-signature RSA-PSS$/m);
    expect(counts.stdout).toMatch(/^ +\d+ with cipher ECDHE-RSA$/m);
  });

  it('both certificates verify for the host name', async () => {
    for (const sigalgs of ['ECDSA+SHA256', 'RSA-PSS+SHA256']) {
      const out = await probe(['-sigalgs', sigalgs]);
      expect(out).toMatch(/Verification: OK/);
      expect(out).toMatch(/Peer certificate: CN = mail\.example\.com/);
    }
    expect(lastSummary()).toMatch(/server-signature RSA-PSS/);
  });

  it('disables TLS when a certificate comes before its key', async () => {
    const res = await capture('swaks', ['--server', `127.0.0.1:${misordered!.ports[0]}`, '--tls', '--quit-after', 'TLS', '--ehlo', 'client.test']);
    expect(res.stdout).toMatch(/<(-|\*\*)\s+454 4\.7\.0 TLS not available due to local problem/);
    await misordered!.waitForLog(/warning: error loading chain from \S+: key not first/);
    await misordered!.waitForLog(/warning: error loading private keys and certificates from: .*: disabling TLS support/);
  });

  it("the page's apply commands remove the old single-certificate settings and reload; both certificates are still served", async () => {
    await pf!.postconf('-e', 'smtpd_tls_cert_file = /nonexistent/cert.pem', 'smtpd_tls_eccert_file = /nonexistent/eccert.pem');
    const res = await runShellBlock('rsa-and-ecdsa-chain-files', 'apply', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    expect((await pf!.postconf('-n')).stdout).not.toMatch(/^smtpd_tls_(cert|key|eccert|eckey)_file =/m);
    await pf!.waitForLog(/reload -- version/);
    expect(await probe(['-tls1_3', '-sigalgs', 'ECDSA+SHA256'])).toMatch(/Signature type: ECDSA/);
  });

  it("the page's roll back keeps only the RSA pair: ECDSA-only clients fail, RSA clients still connect", async () => {
    const res = await runShellBlock('rsa-and-ecdsa-chain-files', 'rollback', { instance: pf!, replacements: {
      '/etc/letsencrypt/live/mail.example.com-rsa/privkey.pem': rsa.key,
      '/etc/letsencrypt/live/mail.example.com-rsa/fullchain.pem': rsa.cert,
    } });
    expect(res.code, res.out).toBe(0);
    expect((await pf!.postconf('-h', 'smtpd_tls_chain_files')).stdout.trim()).toBe(`${rsa.key}, ${rsa.cert}`);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    expect(await probe(['-tls1_3', '-sigalgs', 'ECDSA+SHA256'])).not.toMatch(/Signature type: ECDSA/);
    expect(await probe(['-tls1_3', '-sigalgs', 'RSA-PSS+SHA256'])).toMatch(/Signature type: RSA-PSS/);
  });
});
