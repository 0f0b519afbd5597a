import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { proofReleases } from '../releases.ts';
import { recipeBlocks, substitute, runShellBlock } from '../recipe-blocks.ts';
import { repoRoot } from '../../support/content.ts';

const enabled = postfixTierAvailable();
const recipeText = () => readFileSync(join(repoRoot, 'content/recipes/sni-multiple-domains.md'), 'utf8');

/** The SNI table source as the page shows it (the text block titled /etc/postfix/sni). */
function sniTable(): string {
  const m = /^```text title="\/etc\/postfix\/sni"\n([\s\S]*?)^```$/m.exec(recipeText());
  if (!m) throw new Error('SNI table block not found in the recipe');
  return m[1]!;
}

/** The renewal hook script as the page shows it. */
function renewalHook(): string {
  const m = /cat > \/etc\/letsencrypt\/renewal-hooks\/deploy\/postfix-sni <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(recipeText());
  if (!m) throw new Error('renewal hook not found in the recipe');
  return `${m[1]}\n`;
}

describe.runIf(enabled).each(enabled ? proofReleases('sni-multiple-domains') : [])('recipe: sni-multiple-domains on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let work = '';
  let caCert = '';
  let paths: Record<string, string> = {};
  let renewedNet: { key: string; cert: string };
  const table = () => join(work, 'sni');
  // The page's hook calls postmap and postfix by name: the release's own commands come first on PATH.
  const env = () => ({ PATH: `${release.sbin}:/usr/bin:/bin`, MAIL_CONFIG: pf!.dir });
  const postmap = (...args: string[]) => spawnSync(pf!.command('postmap'), ['-c', pf!.dir, ...args], { encoding: 'utf8', timeout: 20_000 });
  const reload = () => spawnSync(pf!.command('postfix'), ['-c', pf!.dir, 'reload'], { encoding: 'utf8', timeout: 20_000 });
  const ask = async (servername: string | null, extra: string[] = []) => {
    const sni = servername ? ['-servername', servername] : ['-noservername'];
    const res = await capture('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${pf!.ports[0]}`, '-brief', ...sni, '-CAfile', caCert, ...extra], 'QUIT\n');
    return res.stdout + res.stderr;
  };
  const subjectFor = async (servername: string | null) => /Peer certificate: CN = (\S+)/.exec(await ask(servername))?.[1];
  const signatureFor = async (servername: string) => /Signature type: (\S+)/.exec(await ask(servername))?.[1];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-sni-'));
    const pki = createPki(work);
    caCert = pki.caCert;
    const com = pki.server('mail.example.com');
    const net = pki.server('mail.example.net');
    renewedNet = pki.server('mail.example.net', 'rsa');
    // Files the renewal can overwrite in place, as certbot's live/ paths change under Postfix.
    const netKey = join(work, 'net.privkey.pem');
    const netChain = join(work, 'net.fullchain.pem');
    copyFileSync(net.key, netKey);
    copyFileSync(net.cert, netChain);
    paths = {
      '/etc/letsencrypt/live/mail.example.com/privkey.pem': com.key,
      '/etc/letsencrypt/live/mail.example.com/fullchain.pem': com.cert,
      '/etc/letsencrypt/live/mail.example.net/privkey.pem': netKey,
      '/etc/letsencrypt/live/mail.example.net/fullchain.pem': netChain,
      '/etc/postfix/sni': table(),
    };
    writeFileSync(table(), substitute(sniTable(), paths));
    // Build the table before Postfix starts (postmap only needs some main.cf to read).
    mkdirSync(join(work, 'cfg'));
    writeFileSync(join(work, 'cfg', 'main.cf'), '');
    const built = spawnSync(join(release.sbin, 'postmap'), ['-c', join(work, 'cfg'), '-F', `hash:${table()}`], { encoding: 'utf8', timeout: 20_000 });
    expect(built.status, built.stderr).toBe(0);
    // The recipe's advice: the table (now holding private keys) readable by root only.
    const protect = await runShellBlock('sni-multiple-domains', 'protect', { replacements: { '/etc/postfix/sni': table() } });
    expect(protect.code, protect.out).toBe(0);
    const { main } = recipeBlocks('sni-multiple-domains');
    pf = await startPostfix({ release, main: substitute(main, paths), master: '127.0.0.1:@PORT@ inet n - n - - smtpd' });
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the mail.example.net certificate to a client asking for that name, from a root-only table', async () => {
    expect(statSync(`${table()}.db`).mode & 0o777).toBe(0o600);
    const out = await ask('mail.example.net', ['-verify_hostname', 'mail.example.net', '-verify_return_error']);
    expect(out).toMatch(/Peer certificate: CN = mail\.example\.net/);
    expect(out).toMatch(/Verification: OK/);
    await pf!.waitForLog(/TLS connection established from localhost\[127\.0\.0\.1\] to mail\.example\.net: TLSv1\.3/);
  });

  it("the page's verify commands: each name gets its certificate, and postmap -Fq shows the stored one", async () => {
    const res = await runShellBlock('sni-multiple-domains', 'verify', { instance: pf!, replacements: {
      'mail.example.com:587': `127.0.0.1:${pf!.ports[0]}`, '/etc/postfix/sni': table(),
    } });
    expect(res.out).toMatch(/Peer certificate: CN = mail\.example\.net/);
    expect(res.out).toMatch(/Peer certificate: CN = mail\.example\.com/);
    expect(res.stdout).toMatch(/^subject=.*mail\.example\.net\nnotAfter=.+$/m);
  });

  it('serves the mail.example.com certificate to a client asking for that name', async () => {
    expect(await subjectFor('mail.example.com')).toBe('mail.example.com');
  });

  it('falls back to the default chain for an unknown name or no SNI', async () => {
    expect(await subjectFor('other.example.org')).toBe('mail.example.com');
    await pf!.waitForLog(/TLS SNI other\.example\.org from localhost\[127\.0\.0\.1\] not matched, using default chain/);
    expect(await subjectFor(null)).toBe('mail.example.com');
  });

  it('keeps serving the copied certificate after the file changes, until the hook rebuilds the table', async () => {
    copyFileSync(renewedNet.key, paths['/etc/letsencrypt/live/mail.example.net/privkey.pem']!);
    copyFileSync(renewedNet.cert, paths['/etc/letsencrypt/live/mail.example.net/fullchain.pem']!);
    const reloaded = reload();
    expect(reloaded.status, reloaded.stderr).toBe(0);
    await pf!.waitForLog(/postfix\/master\[\d+\]: reload -- version/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await signatureFor('mail.example.net')).toBe('ECDSA'); // still the old (ECDSA) certificate

    const hook = join(work, 'postfix-sni');
    writeFileSync(hook, substitute(renewalHook(), paths), { mode: 0o755 });
    const res = spawnSync(hook, [], { encoding: 'utf8', timeout: 20_000, env: env() });
    expect(res.status, res.stderr).toBe(0);
    const deadline = Date.now() + 10_000;
    let sig: string | undefined;
    while (Date.now() < deadline && (sig = await signatureFor('mail.example.net')) !== 'RSA-PSS') await new Promise((r) => setTimeout(r, 250));
    expect(sig).toBe('RSA-PSS');
  });

  it('fails the handshake for a listed name when the table was built without -F', async () => {
    const built = postmap(`hash:${table()}`);
    expect(built.status, built.stderr).toBe(0);
    const reloaded = reload();
    expect(reloaded.status, reloaded.stderr).toBe(0);
    const deadline = Date.now() + 10_000;
    let out = '';
    while (Date.now() < deadline && !/alert internal error/.test(out = await ask('mail.example.net'))) await new Promise((r) => setTimeout(r, 250));
    expect(out).not.toMatch(/Peer certificate/);
    await pf!.waitForLog(/warning: tls_server_sni_maps: mail\.example\.net map lookup problem/);
  });

  it("the page's build commands (postmap -F, reload) leave a table that serves the mail.example.net certificate", async () => {
    const res = await runShellBlock('sni-multiple-domains', 'build-table', { instance: pf!, replacements: { '/etc/postfix/sni': table() } });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version/);
    const deadline = Date.now() + 10_000;
    let out = '';
    while (Date.now() < deadline) {
      out = await ask('mail.example.net', ['-verify_hostname', 'mail.example.net', '-verify_return_error']);
      if (/Verification: OK/.test(out)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).toMatch(/Peer certificate: CN = mail\.example\.net/);
    expect(out).toMatch(/Verification: OK/);
  });

  it("the page's roll back removes the table from main.cf: mail.example.net gets the default certificate again", async () => {
    expect(await subjectFor('mail.example.net')).toBe('mail.example.net');
    const res = await runShellBlock('sni-multiple-domains', 'rollback', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    expect((await pf!.postconf('-n')).stdout).not.toMatch(/^tls_server_sni_maps/m);
    const deadline = Date.now() + 10_000;
    let subject: string | undefined;
    while (Date.now() < deadline && (subject = await subjectFor('mail.example.net')) !== 'mail.example.com') await new Promise((r) => setTimeout(r, 250));
    expect(subject).toBe('mail.example.com');
  });
});
