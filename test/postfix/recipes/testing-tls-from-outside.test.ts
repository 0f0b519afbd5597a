import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki, type TestPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { recipeBlocks, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? proofReleases('testing-tls-from-outside') : [])('recipe: testing-tls-from-outside on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let pki: TestPki;
  let certDir = '';
  // Port 25-, 587- and 465-style listeners.
  let mx = 0;
  let submission = 0;
  let submissions = 0;

  const sClient = (port: number, args: string[]) =>
    capture('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], '', 15_000);

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    pki = createPki(certDir);
    const { key, cert } = pki.server('mx.test.example');
    const { main } = recipeBlocks('testing-tls-from-outside');
    pf = await startPostfix({
      release,
      ports: 3,
      main: `${main}
smtpd_tls_chain_files = ${key}, ${cert}
smtpd_tls_security_level = may
`,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_tls_security_level=encrypt
127.0.0.1:@PORT3@ inet n - n - - smtpd -o smtpd_tls_wrappermode=yes`,
    });
    [mx, submission, submissions] = pf.ports as [number, number, number];
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  describe("the page's commands, run as printed against the instance", () => {
    const hosts = () => ({
      'mx.example.com:25': `127.0.0.1:${mx}`, 'mx.example.com --port 25': `127.0.0.1 --port ${mx}`,
      'mail.example.com:587': `127.0.0.1:${submission}`, 'mail.example.com:465': `127.0.0.1:${submissions}`,
      'mail.example.com --port 587': `127.0.0.1 --port ${submission}`,
      'mx.example.com': 'mx.test.example', 'mail.example.com': 'mx.test.example',
    });

    it('the quick look prints the summary the page shows, with the verification error of a private CA', async () => {
      const res = await runShellBlock('testing-tls-from-outside', 'quick-look', { replacements: hosts() });
      expect(res.out).toMatch(/CONNECTION ESTABLISHED\nProtocol version: TLSv1\.3\nCiphersuite: TLS_\w+\nPeer certificate: CN = mx\.test\.example/);
      expect(res.out).toMatch(/Verification error: unable to verify the first certificate|Verification error: unable to get local issuer certificate/);
      expect(res.out).toMatch(/Server Temp Key: X25519/);
    });

    it('the chain commands print numbered s:/i: lines and the subject, issuer and end date', async () => {
      const res = await runShellBlock('testing-tls-from-outside', 'show-chain', { replacements: hosts() });
      expect(res.stdout).toMatch(/^ *0 s:.*CN ?= ?mx\.test\.example/m);
      expect(res.stdout).toMatch(/^ *i:/m);
      expect(res.stdout).toMatch(/^subject=.*mx\.test\.example\nissuer=.+\nnotAfter=.+$/m);
    });

    it('587 with -starttls and 465 without it both connect', async () => {
      const res = await runShellBlock('testing-tls-from-outside', 'submission-ports', { replacements: hosts() });
      expect(res.out.match(/CONNECTION ESTABLISHED/g) ?? []).toHaveLength(2);
    });

    it('swaks --tls shows STARTTLS and where TLS starts', async () => {
      const res = await runShellBlock('testing-tls-from-outside', 'swaks-starttls', { replacements: hosts() });
      expect(res.code, res.out).toBe(0);
      for (const line of [/^<- {2}250-STARTTLS$/m, /^ -> STARTTLS$/m, /^<- {2}220 2\.0\.0 Ready to start TLS$/m, /^=== TLS started with cipher TLSv1\.3:TLS_\w+:256$/m]) {
        expect(res.out).toMatch(line);
      }
    });

    it('swaks without TLS against the encrypt port gets 530 at MAIL', async () => {
      const res = await runShellBlock('testing-tls-from-outside', 'swaks-587-plain', { replacements: hosts() });
      expect(res.out).toMatch(/<\*\* 530 5\.7\.0 Must issue a STARTTLS command first/);
    });
  });

  it('s_client -starttls smtp -brief shows protocol, cipher and certificate', async () => {
    const res = await sClient(mx, ['-starttls', 'smtp', '-servername', 'mx.test.example', '-brief']);
    expect(res.stderr).toMatch(/CONNECTION ESTABLISHED\nProtocol version: TLSv1\.3\nCiphersuite: TLS_\w+\nPeer certificate: CN = mx\.test\.example/);
    expect(res.stderr).toMatch(/Server Temp Key: X25519/);
  });

  it('strict verification succeeds for the right name and fails for another', async () => {
    const ok = await sClient(mx, ['-starttls', 'smtp', '-servername', 'mx.test.example', '-verify_return_error',
      '-verify_hostname', 'mx.test.example', '-CAfile', pki.caCert, '-brief']);
    expect(ok.stderr).toMatch(/Verification: OK\nVerified peername: mx\.test\.example/);
    const wrong = await sClient(mx, ['-starttls', 'smtp', '-servername', 'mail.test.example', '-verify_return_error',
      '-verify_hostname', 'mail.test.example', '-CAfile', pki.caCert, '-brief']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/verify error:num=62:hostname mismatch/);
  });

  it('-tls1_2 negotiates TLSv1.2', async () => {
    const res = await sClient(mx, ['-starttls', 'smtp', '-tls1_2', '-brief']);
    expect(res.stderr).toMatch(/Protocol version: TLSv1\.2/);
  });

  it('shows the chain and the certificate the server sends', async () => {
    const chain = await sClient(mx, ['-starttls', 'smtp', '-showcerts']);
    expect(chain.stdout).toMatch(/^ 0 s:CN = mx\.test\.example\n {3}i:CN = Postfix TLS test CA$/m);
    const x509 = await capture('openssl', ['x509', '-noout', '-subject', '-issuer', '-enddate'], chain.stdout);
    expect(x509.stdout).toMatch(/^subject=CN = mx\.test\.example\nissuer=CN = Postfix TLS test CA\nnotAfter=/);
  });

  it('reaches the implicit-TLS port without -starttls, with s_client and swaks --tls-on-connect', async () => {
    const res = await sClient(submissions, ['-servername', 'mx.test.example', '-brief']);
    expect(res.stderr).toMatch(/CONNECTION ESTABLISHED\nProtocol version: TLSv1\.3/);
    const swaks = await capture('swaks', ['--server', `127.0.0.1:${submissions}`, '--tls-on-connect', '--quit-after', 'HELO']);
    expect(swaks.stdout).toMatch(/=== TLS started with cipher TLSv1\.3:\S+\n[\s\S]*<~ {2}220 mx\.test\.example ESMTP/);
  });

  it('swaks --tls shows STARTTLS and the cipher; without it, submission at encrypt refuses MAIL FROM', async () => {
    const tls = await capture('swaks', ['--server', `127.0.0.1:${mx}`, '--tls', '--quit-after', 'HELO']);
    expect(tls.stdout).toMatch(/<- {2}250-STARTTLS\n[\s\S]*?\n -> STARTTLS\n<- {2}220 2\.0\.0 Ready to start TLS\n=== TLS started with cipher TLSv1\.3:TLS_AES_256_GCM_SHA384:256/);
    expect(tls.stdout).toMatch(/=== TLS peer DN="\/CN=mx\.test\.example"/);
    const plain = await capture('swaks', ['--server', `127.0.0.1:${submission}`, '--quit-after', 'MAIL', '--from', 'user@example.org']);
    expect(plain.stdout).toMatch(/<\*\* 530 5\.7\.0 Must issue a STARTTLS command first/);
  });

  it('posttls-finger verifies the certificate and name like the Postfix SMTP client', async () => {
    const res = await capture('env', [`MAIL_CONFIG=${pf!.dir}`, pf!.command('posttls-finger'), '-c', '-l', 'secure', '-F', pki.caCert,
      `[127.0.0.1]:${mx}`, 'mx.test.example']);
    // 3.9 and later name the fingerprints "cert fingerprint" and "pkey fingerprint"; 3.4-3.8 "fingerprint"
    // and "pkey_fingerprint".
    const pkey = atLeast(release, '3.9') ? 'pkey fingerprint' : 'pkey_fingerprint';
    if (atLeast(release, '3.9')) {
      expect(res.stdout).toMatch(/: subject_CN=mx\.test\.example, issuer=Postfix TLS test CA, cert fingerprint=[0-9A-F:]{95}, pkey fingerprint=[0-9A-F:]{95}\n/);
    } else {
      expect(res.stdout).toMatch(/: subject_CN=mx\.test\.example, issuer_CN=Postfix TLS test CA, fingerprint=[0-9A-F:]+, pkey_fingerprint=[0-9A-F:]+\n/);
    }
    if (atLeast(release, '3.6')) {
      // 3.6 and later: the name check is logged as "matched peername", fingerprints are SHA-256 (32 bytes).
      expect(res.stdout).toMatch(/: matched peername: mx\.test\.example/);
      expect(res.stdout).toMatch(new RegExp(`${pkey}=[0-9A-F:]{95}\\n`));
    } else {
      // 3.4 and 3.5: the matching subjectAltName is logged, fingerprints default to SHA-1 (20 bytes).
      expect(res.stdout).toMatch(/: Matched subjectAltName: mx\.test\.example/);
      expect(res.stdout).toMatch(/pkey_fingerprint=[0-9A-F:]{59}\n/);
      const sha256 = await capture('env', [`MAIL_CONFIG=${pf!.dir}`, pf!.command('posttls-finger'), '-c', '-d', 'sha256', '-l', 'secure', '-F', pki.caCert,
        `[127.0.0.1]:${mx}`, 'mx.test.example']);
      expect(sha256.stdout).toMatch(/pkey_fingerprint=[0-9A-F:]{95}\n/);
    }
    expect(res.stdout).toMatch(/posttls-finger: Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.3 with cipher /);
    // The wording after the cipher: 3.10+ print the group name in lower case, 3.7+ name the curve prime256v1.
    const kex = atLeast(release, '3.10') ? 'x25519' : 'X25519';
    const curve = atLeast(release, '3.7') ? 'prime256v1' : 'P-256';
    expect(res.stdout).toMatch(new RegExp(`: TLSv1\\.3 with cipher \\S+ \\(256/256 bits\\) key-exchange ${kex} server-signature ECDSA \\(${curve}\\) server-digest SHA256\\n`));
  });

  it('s_client without -starttls against a STARTTLS port fails with "wrong version number"', async () => {
    const res = await sClient(mx, ['-brief']);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/SSL routines:ssl3_get_record:wrong version number/);
  });

  it('logs each probe on the server at the page\'s loglevel 1', async () => {
    await pf!.waitForLog(/(Anonymous TLS connection established from localhost\[127\.0\.0\.1\][^\n]*\n[\s\S]*){8}/);
  });

  it("the page's apply commands set smtpd_tls_loglevel = 1 and reload", async () => {
    const res = await runShellBlock('testing-tls-from-outside', 'apply', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    expect((await pf!.postconf('-h', 'smtpd_tls_loglevel')).stdout.trim()).toBe('1');
    await pf!.waitForLog(/reload -- version/);
  });

  it("the page's roll back returns to the default 0: a new TLS session leaves no summary line", async () => {
    const res = await runShellBlock('testing-tls-from-outside', 'rollback', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    expect((await pf!.postconf('-n')).stdout).not.toMatch(/^smtpd_tls_loglevel/m);
    expect((await pf!.postconf('-h', 'smtpd_tls_loglevel')).stdout.trim()).toBe('0');
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    await new Promise((r) => setTimeout(r, 500));
    const before = (pf!.log().match(/TLS connection established from/g) ?? []).length;
    const probe = await sClient(mx, ['-starttls', 'smtp', '-brief']);
    expect(probe.stdout + probe.stderr).toMatch(/Protocol version: TLSv1\.3/);
    await pf!.waitForLog(/disconnect from localhost\[127\.0\.0\.1\][^\n]*\n(?![\s\S]*connect from)/);
    expect((pf!.log().match(/TLS connection established from/g) ?? []).length).toBe(before);
  });
});
