import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, starttlsProbe, writeConfigFile, type PostfixInstance } from '../harness.ts';
import { recipeAntiPatterns } from '../outbound.ts';
import { localizeMaster, recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';
import { atLeast, proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? proofReleases('ciphers-and-forward-secrecy') : [])('recipe: ciphers-and-forward-secrecy on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let certDir = '';
  // @PORT@ = port 25 as on the page, @PORT2@ = the same with server preference, @PORT3@ = the page's submission.
  let mx = 0;
  let preempt = 0;
  let submission = 0;
  let ecdsa = 0;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    const { key, cert } = pki.server('mx.test.example', 'rsa');
    const ec = pki.server('mx.test.example', 'ecdsa');
    const { main, master, policy } = recipeBlocks('ciphers-and-forward-secrecy');
    writeFileSync(join(certDir, 'tls_policy'), policy);
    pf = await startPostfix({
      release,
      ports: 4,
      main: `${substitute(main, { '/etc/postfix/tls/mx.key.pem': key, '/etc/postfix/tls/mx.fullchain.pem': cert, '/etc/postfix/tls_policy': join(certDir, 'tls_policy') })}
smtpd_tls_loglevel = 1
`,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o tls_preempt_cipherlist=yes
${localizeMaster(master, { submission: '127.0.0.1:@PORT3@' })}
127.0.0.1:@PORT4@ inet n - n - - smtpd -o syslog_name=postfix/ecdsa -o smtpd_tls_chain_files=${ec.key},${ec.cert}`,
    });
    [mx, preempt, submission, ecdsa] = pf.ports as [number, number, number, number];
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('medium and high select the same TLS 1.2 suites with OpenSSL 3', async () => {
    // runShellBlock puts the release's own postconf first on PATH, so the page's command reads that release's defaults.
    const res = await runShellBlock('ciphers-and-forward-secrecy', 'compare-medium-high', { instance: pf! });
    expect(res.stdout.trim()).toBe('identical');
  });

  it('follows the client\'s order by default and its own with tls_preempt_cipherlist = yes', async () => {
    const client = ['-tls1_2', '-cipher', 'AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384'];
    expect((await starttlsProbe(mx, client)).stderr).toMatch(/Ciphersuite: AES256-GCM-SHA384\n/);
    expect((await starttlsProbe(preempt, client)).stderr).toMatch(/Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384\n/);
  });

  it('the submission service with mandatory high ciphers requires STARTTLS and accepts current clients', async () => {
    const plain = await capture('swaks', ['--server', `127.0.0.1:${submission}`, '--quit-after', 'MAIL', '--from', 'user@example.org']);
    expect(plain.stdout).toMatch(/<\*\* 530 5\.7\.0 Must issue a STARTTLS command first/);
    expect((await starttlsProbe(submission, ['-tls1_3'])).stderr).toMatch(/Protocol version: TLSv1\.3/);
    expect((await starttlsProbe(submission, ['-tls1_2'])).stderr).toMatch(/Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384/);
  });

  it('logs the key exchange group of a TLS 1.3 session', async () => {
    await starttlsProbe(mx, ['-tls1_3']);
    // 3.10 and later log OpenSSL's group name (lower case); older releases the key type's short name.
    const group = atLeast(release, '3.10') ? 'x25519' : 'X25519';
    await pf!.waitForLog(new RegExp(`Anonymous TLS connection established from localhost\\[127\\.0\\.0\\.1\\]: TLSv1\\.3 with cipher \\S+ \\(256/256 bits\\) key-exchange ${group} server-signature RSA-PSS`));
    expect(pf!.log()).not.toMatch(new RegExp(`key-exchange ${atLeast(release, '3.10') ? 'X25519' : 'x25519'} `));
  });

  it('names the ECDSA signature curve as P-256 on 3.6 and prime256v1 from 3.7 on', async () => {
    await starttlsProbe(ecdsa, ['-tls1_3']);
    const curve = atLeast(release, '3.7') ? 'prime256v1' : 'P-256';
    await pf!.waitForLog(new RegExp(`postfix/ecdsa/smtpd\\[\\d+\\]: Anonymous TLS connection established from .* server-signature ECDSA \\(${curve}\\) server-digest SHA256`));
  });

  it('shows the release\'s curve and FFDHE group lists with the page\'s postconf commands', async () => {
    const curves = await pf!.postconf('tls_eecdh_auto_curves');
    // 3.10 swapped secp384r1 and secp521r1 in the default list.
    expect(curves.stdout.trim()).toBe(atLeast(release, '3.10')
      ? 'tls_eecdh_auto_curves = X25519 X448 prime256v1 secp384r1 secp521r1'
      : 'tls_eecdh_auto_curves = X25519 X448 prime256v1 secp521r1 secp384r1');
    const groups = await pf!.postconf('tls_ffdhe_auto_groups');
    if (atLeast(release, '3.8')) {
      expect(groups.stdout.trim()).toBe('tls_ffdhe_auto_groups = ffdhe2048 ffdhe3072');
    } else {
      expect(groups.stdout.trim()).toBe('');
      expect(groups.stderr).toMatch(/warning: tls_ffdhe_auto_groups: unknown parameter/);
    }
  });

  it('postconf warns about the hardening block\'s smtpd_tls_eecdh_grade from 3.9 on', async () => {
    const [block] = recipeAntiPatterns('ciphers-and-forward-secrecy');
    expect(block?.text).toMatch(/^smtpd_tls_eecdh_grade = ultra$/m);
    const dir = mkdtempSync(join(certDir, 'cf-'));
    writeConfigFile(join(dir, 'main.cf'), block!.text);
    writeConfigFile(join(dir, 'master.cf'), '');
    const res = await capture(pf!.command('postconf'), ['-c', dir, 'smtpd_tls_eecdh_grade']);
    expect(res.stdout.trim()).toBe('smtpd_tls_eecdh_grade = ultra');
    const warning = /warning: \S+main\.cf: support for parameter "smtpd_tls_eecdh_grade" will be removed; instead, do not specify \(leave at default\)/;
    if (atLeast(release, '3.9')) expect(res.stderr).toMatch(warning);
    else expect(res.stderr).not.toMatch(/smtpd_tls_eecdh_grade/);
  });

  it("the page's group commands print the curve list, the FFDHE list (a warning before 3.8) and the key exchange", async () => {
    const res = await runShellBlock('ciphers-and-forward-secrecy', 'show-groups', { instance: pf!, replacements: { 'mx.example.com:25': `127.0.0.1:${mx}` } });
    expect(res.stdout).toMatch(/^tls_eecdh_auto_curves = .+$/m);
    if (atLeast(release, '3.8')) expect(res.stdout).toMatch(/^tls_ffdhe_auto_groups = .+$/m);
    else expect(res.stderr).toMatch(/tls_ffdhe_auto_groups: unknown parameter/);
    expect(res.stdout).toMatch(/Temp Key: X25519/);
  });

  it("the page's client-preference command gets AES256-GCM-SHA384 by default and the ECDHE suite with preemption", async () => {
    const plain = await runShellBlock('ciphers-and-forward-secrecy', 'client-preference', { replacements: { 'mx.example.com:25': `127.0.0.1:${mx}` } });
    expect(plain.stdout.trim()).toBe('Ciphersuite: AES256-GCM-SHA384');
    const pre = await runShellBlock('ciphers-and-forward-secrecy', 'client-preference', { replacements: { 'mx.example.com:25': `127.0.0.1:${preempt}` } });
    expect(pre.stdout.trim()).toBe('Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384');
  });

  it("the page's apply commands build the policy table and reload", async () => {
    const res = await runShellBlock('ciphers-and-forward-secrecy', 'apply', { instance: pf!, replacements: { '/etc/postfix/tls_policy': join(certDir, 'tls_policy') } });
    expect(res.code, res.out).toBe(0);
    expect(existsSync(join(certDir, 'tls_policy.db'))).toBe(true);
    await pf!.waitForLog(/reload -- version/);
  });

  it("the page's verify command gets an ECDHE suite over TLS 1.2 from the submission service", async () => {
    const res = await runShellBlock('ciphers-and-forward-secrecy', 'verify-submission', { replacements: { 'mail.example.com:587': `127.0.0.1:${submission}` } });
    expect(res.stdout).toMatch(/Protocol version: TLSv1\.2/);
    expect(res.stdout).toMatch(/Ciphersuite: ECDHE-(RSA|ECDSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)\n/);
  });

  it("the page's roll back removes the service's grade and ciphers=high from the rebuilt table", async () => {
    const db = join(certDir, 'tls_policy.db');
    const before = statSync(db).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    const res = await runShellBlock('ciphers-and-forward-secrecy', 'rollback', {
      instance: pf!,
      replacements: { 'submission/inet': `127.0.0.1:${submission}/inet`, '/etc/postfix/tls_policy': join(certDir, 'tls_policy') },
    });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const { stdout } = await pf!.postconf('-P');
    expect(stdout).not.toContain('smtpd_tls_mandatory_ciphers');
    const table = readFileSync(join(certDir, 'tls_policy'), 'utf8');
    expect(table).not.toContain('ciphers=');
    expect(table).toMatch(/^\[smtp\.relay\.example\]:587\s+encrypt$/m);
    expect(statSync(db).mtimeMs).toBeGreaterThan(before);
    const q = await capture(pf!.command('postmap'), ['-c', pf!.dir, '-q', '[smtp.relay.example]:587', `hash:${join(certDir, 'tls_policy')}`]);
    expect(q.stdout.trim()).toBe('encrypt');
  });
});
