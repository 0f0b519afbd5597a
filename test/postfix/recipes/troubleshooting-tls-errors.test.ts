import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, starttlsProbe, type PostfixInstance } from '../harness.ts';
import { proofReleases } from '../releases.ts';
import { recipeBlocks, substitute, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

/** Sends one plaintext SMTP command to a port and waits until the server closes the connection. */
function plaintextEhlo(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write('EHLO client.test\r\n'));
    const done = () => { s.destroy(); resolve(); };
    s.on('close', done);
    s.on('error', done);
    s.setTimeout(10_000, done);
  });
}

describe.runIf(enabled).each(enabled ? proofReleases('troubleshooting-tls-errors') : [])('recipe: troubleshooting-tls-errors on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let certDir = '';
  // The page's fixed server (ECDSA + RSA), an ECDSA-only server with a TLS 1.2 floor, a key/certificate
  // mismatch, and a wrapper-mode port.
  let fixed = 0;
  let ecdsaOnly = 0;
  let mismatch = 0;
  let wrapper = 0;
  let noCert = 0;
  let missingFile = 0;
  let badKeyFile = '';
  let ecKey = '';
  let ecCert = '';
  let dualChain = '';

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    const ec = pki.server('mx.test.example', 'ecdsa');
    const rsa = pki.server('mx.test.example', 'rsa');
    badKeyFile = pki.server('other.test.example', 'ecdsa').key;
    ecKey = ec.key;
    ecCert = ec.cert;
    dualChain = `${ec.key}, ${ec.cert}, ${rsa.key}, ${rsa.cert}`;
    const { main } = recipeBlocks('troubleshooting-tls-errors');
    pf = await startPostfix({
      release,
      ports: 6,
      main: `${substitute(main, {
        '/etc/postfix/tls/mx-ecdsa.key.pem': ec.key,
        '/etc/postfix/tls/mx-ecdsa.fullchain.pem': ec.cert,
        '/etc/postfix/tls/mx-rsa.key.pem': rsa.key,
        '/etc/postfix/tls/mx-rsa.fullchain.pem': rsa.cert,
      })}
smtpd_tls_loglevel = 1
smtp_tls_loglevel = 1
transport_maps = inline:{ {wrap.example = wrap:[127.0.0.1]:@PORT@}, {verify.example = vfy:[127.0.0.1]:@PORT@} }
`,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_tls_chain_files=${ec.key},${ec.cert} -o smtpd_tls_protocols=>=TLSv1.2
127.0.0.1:@PORT3@ inet n - n - - smtpd -o smtpd_tls_chain_files=${badKeyFile},${ec.cert}
127.0.0.1:@PORT4@ inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
127.0.0.1:@PORT5@ inet n - n - - smtpd -o smtpd_tls_chain_files=
127.0.0.1:@PORT6@ inet n - n - - smtpd -o smtpd_tls_chain_files=${certDir}/missing.key.pem,${certDir}/missing.fullchain.pem
wrap unix - - n - - smtp -o smtp_tls_wrappermode=yes -o smtp_tls_security_level=encrypt
vfy unix - - n - - smtp -o smtp_tls_security_level=verify`,
    });
    [fixed, ecdsaOnly, mismatch, wrapper, noCert, missingFile] = pf.ports as [number, number, number, number, number, number];
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  const rsaOnlyClient = ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'];

  it('no shared cipher: RSA-only client against an ECDSA-only server; the page\'s dual-chain config accepts it', async () => {
    const fail = await starttlsProbe(ecdsaOnly, rsaOnlyClient);
    expect(fail.stderr).toMatch(/sslv3 alert handshake failure/);
    const [, pid] = await pf!.waitForLog(/\[(\d+)\]: SSL_accept error from localhost\[127\.0\.0\.1\]: -1$/m);
    await pf!.waitForLog(new RegExp(`\\[${pid}\\]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:`));
    await pf!.waitForLog(/lost connection after STARTTLS from localhost\[127\.0\.0\.1\]/);
    const ok = await starttlsProbe(fixed, rsaOnlyClient);
    expect(ok.stderr).toMatch(/Protocol version: TLSv1\.2\nCiphersuite: ECDHE-RSA-AES128-GCM-SHA256/);
  });

  it('unsupported protocol: a TLSv1 client against a TLS 1.2 floor', async () => {
    const res = await starttlsProbe(ecdsaOnly, ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    expect(res.stderr).toMatch(/tlsv1 alert protocol version/);
    await pf!.waitForLog(/warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:/);
  });

  it('certificate verify failed on the client is "alert unknown ca" on the server', async () => {
    const res = await starttlsProbe(fixed, ['-verify_return_error', '-CAfile', badKeyFile.replace(/key\.pem$/, 'cert.pem')]);
    expect(res.stderr).toMatch(/SSL routines:tls_post_process_server_certificate:certificate verify failed/);
    await pf!.waitForLog(/warning: TLS library problem: error:0A000418:SSL routines::tlsv1 alert unknown ca:.*SSL alert number 48/);
  });

  it('a key that does not match its certificate disables TLS, and STARTTLS gets 454', async () => {
    const res = await capture('swaks', ['--server', `127.0.0.1:${mismatch}`, '--tls', '--quit-after', 'HELO']);
    expect(res.stdout).toMatch(/<- {2}250-STARTTLS/);
    expect(res.stdout).toMatch(/<\*\* 454 4\.7\.0 TLS not available due to local problem/);
    await pf!.waitForLog(new RegExp(`warning: key at index 1 in ${badKeyFile.replace(/[.]/g, '\\.')} does not match next certificate`));
    await pf!.waitForLog(/warning: TLS library problem: error:0A000120:SSL routines::private key mismatch:/);
    await pf!.waitForLog(/warning: error loading private keys and certificates from: \S+: disabling TLS support/);
  });

  it("the page's key comparison prints two different digests for the mismatched pair and equal ones for a matching pair", async () => {
    const digests = async (key: string, cert: string) => {
      const res = await runShellBlock('troubleshooting-tls-errors', 'compare-keys', {
        replacements: { '/etc/postfix/tls/mx.fullchain.pem': cert, '/etc/postfix/tls/mx.key.pem': key },
      });
      expect(res.code, res.out).toBe(0);
      const lines = res.stdout.trim().split('\n').map((l) => l.replace(/^.*= /, ''));
      expect(lines).toHaveLength(2);
      lines.forEach((l) => expect(l).toMatch(/^[0-9a-f]{64}$/));
      return lines;
    };
    const [certDigest, keyDigest] = await digests(badKeyFile, ecCert);
    expect(keyDigest).not.toBe(certDigest);
    const [goodCert, goodKey] = await digests(ecKey, ecCert);
    expect(goodKey).toBe(goodCert);
  });

  it('no certificate at all: STARTTLS is listed, answered with 454, and the log says why', async () => {
    const res = await capture('swaks', ['--server', `127.0.0.1:${noCert}`, '--tls', '--quit-after', 'HELO']);
    expect(res.stdout).toMatch(/<- {2}250-STARTTLS/);
    expect(res.stdout).toMatch(/<\*\* 454 4\.7\.0 TLS not available due to local problem/);
    await pf!.waitForLog(/warning: No server certs available\. TLS won't be enabled/);
  });

  it('a chain file that cannot be opened: STARTTLS is accepted, then every handshake fails with "no shared cipher"', async () => {
    const swaks = await capture('swaks', ['--server', `127.0.0.1:${missingFile}`, '--tls', '--quit-after', 'HELO']);
    expect(swaks.stdout).toMatch(/<- {2}220 2\.0\.0 Ready to start TLS/);
    await pf!.waitForLog(/smtpd\[(\d+)\]: warning: error opening chain file: \S+\/missing\.key\.pem: No such file or directory\n(?:[^\n]*\n)*?[^\n]*smtpd\[\1\]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:/);
    const probe = await starttlsProbe(missingFile);
    expect(probe.stderr).toMatch(/sslv3 alert handshake failure/);
    expect(probe.stderr).not.toMatch(/Peer certificate/);
    expect(pf!.log()).not.toMatch(/missing\.key\.pem[^\n]*disabling TLS support/);
  });

  it('wrong version number: plaintext SMTP sent to a wrapper-mode port', async () => {
    await plaintextEhlo(wrapper);
    await pf!.waitForLog(/warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:/);
  });

  it('client side: wrapper mode against a STARTTLS port, and verification without the CA', async () => {
    for (const domain of ['wrap.example', 'verify.example']) {
      const res = await capture('swaks', ['--server', `127.0.0.1:${fixed}`, '--from', 'sender@client.test', '--to', `user@${domain}`]);
      expect(res.stdout).toMatch(/250 2\.0\.0 Ok: queued/);
    }
    // The same smtp process logs both lines; other processes' lines may come between them.
    const [, pid] = await pf!.waitForLog(/postfix\/smtp\[(\d+)\]: SSL_connect error to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: -1$/m);
    await pf!.waitForLog(new RegExp(`postfix/smtp\\[${pid}\\]: warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:`));
    await pf!.waitForLog(/to=<user@wrap\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*dsn=4\.7\.5, status=deferred \(Cannot start TLS: handshake failure\)/);
    await pf!.waitForLog(/certificate verification failed for 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: untrusted issuer \/CN=Postfix TLS test CA/);
    await pf!.waitForLog(/to=<user@verify\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*dsn=4\.7\.5, status=deferred \(Server certificate not verified\)/);
  });

  it("the page's verify-the-fix commands: reload, then an RSA-only TLS 1.2 client connects to the fixed server", async () => {
    const res = await runShellBlock('troubleshooting-tls-errors', 'verify-fix', { instance: pf!, replacements: {
      'mx.example.com:25': `127.0.0.1:${fixed}`, '/var/log/mail.log': join(pf!.dir, 'maillog'),
    } });
    expect(res.out).toMatch(/Protocol version: TLSv1\.2/);
    expect(res.out).toMatch(/Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256/);
    expect(res.out).toMatch(/SSL_accept error|TLS library problem/);
  });

  it("the page's backup, apply and roll back: the RSA chain fixes an RSA-only client, the roll back brings the failure back", async () => {
    const etc = { replacements: { '/etc/postfix': pf!.dir } };
    // The broken state: an ECDSA certificate alone.
    await pf!.postconf('-e', `smtpd_tls_chain_files = ${ecKey}, ${ecCert}`);
    const saved = await runShellBlock('troubleshooting-tls-errors', 'backup', { instance: pf!, ...etc });
    expect(saved.code, saved.out).toBe(0);
    // The fix from the page: its dual-chain main.cf block.
    await pf!.postconf('-e', `smtpd_tls_chain_files = ${dualChain}`);
    const applied = await runShellBlock('troubleshooting-tls-errors', 'apply', { instance: pf! });
    expect(applied.code, applied.out).toBe(0);
    const untilReloaded = async (ok: boolean) => {
      const deadline = Date.now() + 10_000;
      let out = '';
      for (;;) {
        out = (await starttlsProbe(fixed, rsaOnlyClient)).stderr;
        if (/Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256/.test(out) === ok || Date.now() > deadline) return out;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    expect(await untilReloaded(true)).toMatch(/Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256/);
    const rolled = await runShellBlock('troubleshooting-tls-errors', 'rollback', { instance: pf!, ...etc });
    expect(rolled.code, rolled.out).toBe(0);
    expect((await pf!.postconf('-h', 'smtpd_tls_chain_files')).stdout.trim()).toBe(`${ecKey}, ${ecCert}`);
    expect(await untilReloaded(false)).toMatch(/sslv3 alert handshake failure/);
    await pf!.waitForLog(/no shared cipher[\s\S]*reload -- version[\s\S]*reload -- version[\s\S]*no shared cipher/);
  });
});
