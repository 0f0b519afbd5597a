import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, starttlsProbe, type PostfixInstance } from '../harness.ts';
import { recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';
import { proofReleases } from '../releases.ts';
import { repoRoot } from '../../support/content.ts';

const enabled = postfixTierAvailable();
const NAME = 'mail.example.com';

/** The deploy hook script exactly as the recipe prints it (the here-document in its sh block). */
function deployHook(): string {
  const text = readFileSync(join(repoRoot, 'content/recipes/acme-certificate.md'), 'utf8');
  const m = /cat > \/etc\/letsencrypt\/renewal-hooks\/deploy\/postfix-reload <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(text);
  if (!m) throw new Error('deploy hook not found in the recipe');
  return `${m[1]}\n`;
}

/** Lays out one certbot "version" N: archive/<name>/{privkeyN,fullchainN}.pem, root-only like certbot does. */
function installVersion(le: string, n: number, key: string, cert: string, caCert: string): void {
  const archive = join(le, 'archive', NAME);
  copyFileSync(key, join(archive, `privkey${n}.pem`));
  chmodSync(join(archive, `privkey${n}.pem`), 0o600);
  // fullchain = leaf + issuer (here the test CA stands in for the intermediate).
  writeFileSync(join(archive, `fullchain${n}.pem`), readFileSync(cert, 'utf8') + readFileSync(caCert, 'utf8'), { mode: 0o644 });
  for (const [link, file] of [['privkey.pem', `privkey${n}.pem`], ['fullchain.pem', `fullchain${n}.pem`]] as const) {
    const path = join(le, 'live', NAME, link);
    rmSync(path, { force: true });
    symlinkSync(join('..', '..', 'archive', NAME, file), path);
  }
}

const verifyingProbe = (port: number, caCert: string) =>
  starttlsProbe(port, ['-CAfile', caCert, '-verify_hostname', NAME, '-verify_return_error']);

describe.runIf(enabled).each(enabled ? proofReleases('acme-certificate') : [])('recipe: acme-certificate on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let work = '';
  let le = '';
  let caCert = '';
  let renewed: { key: string; cert: string };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-acme-'));
    const pki = createPki(work);
    caCert = pki.caCert;
    const first = pki.server(NAME, 'rsa');
    renewed = pki.server(NAME, 'ecdsa'); // a renewal with another key type shows which certificate is served
    le = join(work, 'letsencrypt');
    for (const d of [le, join(le, 'archive'), join(le, 'live'), join(le, 'archive', NAME), join(le, 'live', NAME)]) mkdirSync(d, { mode: 0o700 });
    installVersion(le, 1, first.key, first.cert, caCert);
    const { main } = recipeBlocks('acme-certificate');
    pf = await startPostfix({
      release,
      main: substitute(main, { '/etc/letsencrypt': le }),
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd',
    });
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the certbot-layout certificate from root-only files, and it verifies for the host name', async () => {
    expect(statSync(join(le, 'archive')).mode & 0o777).toBe(0o700);
    expect(statSync(join(le, 'live')).mode & 0o777).toBe(0o700);
    expect(statSync(join(le, 'archive', NAME, 'privkey1.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(le, 'archive', NAME, 'privkey1.pem')).uid).toBe(0);
    const res = await verifyingProbe(pf!.ports[0]!, caCert);
    expect(res.stdout + res.stderr).toMatch(/Verification: OK/);
    expect(res.stdout + res.stderr).toMatch(/Peer certificate: CN = mail\.example\.com/);
    expect(res.stdout + res.stderr).toMatch(/Signature type: RSA-PSS/);
  });

  it("the page's postconf commands move the instance to smtpd_tls_chain_files and reload it", async () => {
    // Start from the snakeoil-style pair the page tells the reader to remove.
    await pf!.postconf('-e', `smtpd_tls_cert_file = ${join(le, 'live', NAME, 'fullchain.pem')}`, `smtpd_tls_key_file = ${join(le, 'live', NAME, 'privkey.pem')}`);
    // With both forms set, smtpd uses the chain files and warns that the legacy pair is ignored.
    const both = await capture(pf!.command('postfix'), ['-c', pf!.dir, 'reload']);
    expect(both.status, both.stderr).toBe(0);
    await pf!.waitForLog(/reload -- version/);
    const legacyWarning = /warning: Both smtpd_tls_chain_files and one or more of the legacy +smtpd_tls_cert_file, .* the legacy +parameters will be ignored/;
    const countWarnings = () => (pf!.log().match(new RegExp(legacyWarning.source, 'g')) ?? []).length;
    const deadline = Date.now() + 10_000;
    let mixed = await verifyingProbe(pf!.ports[0]!, caCert);
    while (!legacyWarning.test(pf!.log()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      mixed = await verifyingProbe(pf!.ports[0]!, caCert);
    }
    expect(pf!.log()).toMatch(legacyWarning);
    expect(mixed.stdout + mixed.stderr).toMatch(/Verification: OK/);
    expect(mixed.stdout + mixed.stderr).toMatch(/Signature type: RSA-PSS/);
    const warningsBefore = countWarnings();
    const res = await runShellBlock('acme-certificate', 'configure', { instance: pf!, replacements: { '/etc/letsencrypt': le } });
    expect(res.code, res.out).toBe(0);
    const shown = (await pf!.postconf('-n')).stdout;
    expect(shown).not.toMatch(/^smtpd_tls_(cert|key)_file =/m);
    expect(shown).toContain(`smtpd_tls_chain_files = ${join(le, 'live', NAME, 'privkey.pem')}, ${join(le, 'live', NAME, 'fullchain.pem')}`);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    await new Promise((r) => setTimeout(r, 1000));
    const probe = await verifyingProbe(pf!.ports[0]!, caCert);
    expect(probe.stdout + probe.stderr).toMatch(/Verification: OK/);
    // Sessions after the clean-up are served by fresh smtpd processes, which no longer warn.
    expect(countWarnings()).toBe(warningsBefore);
  });

  it('passes posttls-finger at the secure level', async () => {
    // posttls-finger reads a main.cf; the test instance's stands in for /etc/postfix.
    const res = spawnSync(pf!.command('posttls-finger'), ['-c', '-l', 'secure', '-F', caCert, `[127.0.0.1]:${pf!.ports[0]}`, NAME], {
      encoding: 'utf8', timeout: 20_000, env: { ...process.env, MAIL_CONFIG: pf!.dir },
    });
    expect(res.stdout + res.stderr).toMatch(/Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
  });

  it('serves the renewed certificate once the deploy hook has run', async () => {
    installVersion(le, 2, renewed.key, renewed.cert, caCert);
    // Without a reload the smtpd process that served the earlier probes (idle, not yet past max_idle)
    // still holds the old certificate.
    const stale = await verifyingProbe(pf!.ports[0]!, caCert);
    expect(stale.stdout + stale.stderr).toMatch(/Signature type: RSA-PSS/);
    // The page's two blocks: write the hook into certbot's directory, then run it by hand. MAIL_CONFIG points
    // `postfix` at the test instance, and PATH finds the release's own `postfix` first.
    mkdirSync(join(le, 'renewal-hooks', 'deploy'), { recursive: true });
    const written = await runShellBlock('acme-certificate', 'write-hook', { replacements: { '/etc/letsencrypt': le } });
    expect(written.code, written.out).toBe(0);
    expect(readFileSync(join(le, 'renewal-hooks', 'deploy', 'postfix-reload'), 'utf8')).toBe(deployHook());
    expect(statSync(join(le, 'renewal-hooks', 'deploy', 'postfix-reload')).mode & 0o777).toBe(0o755);
    const res = await runShellBlock('acme-certificate', 'run-hook', { instance: pf!, replacements: { '/etc/letsencrypt': le } });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/postfix\/postfix-script\[\d+\]: refreshing the Postfix mail system/);
    await pf!.waitForLog(new RegExp(`postfix/master\\[\\d+\\]: reload -- version ${release.version.replaceAll('.', '\\.')},`));
    // Reloaded services start fresh processes; poll briefly until a new connection lands on one.
    const deadline = Date.now() + 10_000;
    let out = '';
    while (Date.now() < deadline) {
      const probe = await verifyingProbe(pf!.ports[0]!, caCert);
      out = probe.stdout + probe.stderr;
      if (/Signature type: ECDSA/.test(out)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).toMatch(/Signature type: ECDSA/);
    expect(out).toMatch(/Verification: OK/);
  });

  it("the page's roll back returns to the placeholder certificate and removes the deploy hook", async () => {
    const placeholder = createPki(mkdtempSync(join(work, 'snakeoil-'))).server('snakeoil.invalid', 'rsa');
    const hook = join(le, 'renewal-hooks', 'deploy', 'postfix-reload');
    expect(existsSync(hook)).toBe(true);
    const reloads = (pf!.log().match(/reload -- version/g) ?? []).length;
    const res = await runShellBlock('acme-certificate', 'rollback', { instance: pf!, replacements: {
      '/etc/ssl/certs/ssl-cert-snakeoil.pem': placeholder.cert, '/etc/ssl/private/ssl-cert-snakeoil.key': placeholder.key, '/etc/letsencrypt': le,
    } });
    expect(res.code, res.out).toBe(0);
    expect(existsSync(hook)).toBe(false);
    const shown = (await pf!.postconf('-n')).stdout;
    expect(shown).not.toMatch(/^smtpd_tls_chain_files =/m);
    expect(shown).toContain(`smtpd_tls_cert_file = ${placeholder.cert}`);
    const deadline = Date.now() + 15_000;
    while ((pf!.log().match(/reload -- version/g) ?? []).length <= reloads && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    let out = '';
    while (Date.now() < deadline) {
      const probe = await starttlsProbe(pf!.ports[0]!);
      out = probe.stdout + probe.stderr;
      if (/CN = snakeoil\.invalid/.test(out)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).toMatch(/Peer certificate: CN = snakeoil\.invalid/);
  });
});
