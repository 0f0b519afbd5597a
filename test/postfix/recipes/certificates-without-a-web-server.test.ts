import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockTitled, countLog } from '../outbound.ts';
import { postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { runShellBlock, substitute } from '../recipe-blocks.ts';
import { atLeast, proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();
const SLUG = 'certificates-without-a-web-server';
const NAME = 'mail.example.com';
const NAMES = ['mail.example.com', 'smtp.example.com', '*.example.org'];

function openssl(args: string[]): void {
  const res = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${res.stderr}`);
}

const serialOf = (file: string) => spawnSync('openssl', ['x509', '-in', file, '-noout', '-serial'], { encoding: 'utf8' }).stdout.trim();

describe.runIf(enabled).each(enabled ? proofReleases(SLUG) : [])('recipe: certificates-without-a-web-server on Postfix $label', (release) => {
  let work = '';
  let le = '';
  let root = { key: '', cert: '' };
  let previous = { key: '', cert: '' };
  let pf: PostfixInstance | undefined;
  const port = () => pf!.ports[0]!;

  /** A certificate from the test CA for `names`, valid for `days`, as certbot version n of live/<lineage>/. */
  function issue(lineage: string, n: number, names: string[], days: number): string {
    const archive = join(le, 'archive', lineage);
    const live = join(le, 'live', lineage);
    mkdirSync(archive, { recursive: true, mode: 0o700 });
    mkdirSync(live, { recursive: true, mode: 0o700 });
    const key = join(archive, `privkey${n}.pem`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', join(work, `${lineage}${n}.csr`), '-subj', `/CN=${names[0]}`]);
    writeFileSync(join(work, 'leaf.ext'), `subjectAltName=${names.map((x) => `DNS:${x}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
    openssl(['x509', '-req', '-in', join(work, `${lineage}${n}.csr`), '-CA', root.cert, '-CAkey', root.key, '-CAcreateserial', '-out', join(archive, `cert${n}.pem`), '-days', String(days), '-extfile', join(work, 'leaf.ext')]);
    writeFileSync(join(archive, `fullchain${n}.pem`), readFileSync(join(archive, `cert${n}.pem`), 'utf8') + readFileSync(root.cert, 'utf8'));
    for (const f of ['privkey', 'cert', 'fullchain']) {
      rmSync(join(live, `${f}.pem`), { force: true });
      symlinkSync(join('..', '..', 'archive', lineage, `${f}${n}.pem`), join(live, `${f}.pem`));
    }
    return join(archive, `cert${n}.pem`);
  }

  const servedSerial = () => spawnSync('sh', ['-c', `openssl s_client -starttls smtp -connect 127.0.0.1:${port()} </dev/null 2>/dev/null | openssl x509 -noout -serial`], { encoding: 'utf8', timeout: 20_000 }).stdout.trim();
  async function waitForServed(certFile: string): Promise<void> {
    const want = serialOf(certFile);
    const deadline = Date.now() + 15_000;
    while (servedSerial() !== want) {
      if (Date.now() > deadline) throw new Error(`smtpd serves ${servedSerial()}, not ${want}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The page's per-name check, pointed at the instance; `names` replaces the page's list of names. */
  async function checkNames(names?: string[]): Promise<Record<string, string>> {
    const replacements: Record<string, string> = { '/etc/ssl/certs/ca-certificates.crt': root.cert, '[mail.example.com]:25': `[127.0.0.1]:${port()}` };
    if (names) replacements['for name in mail.example.com smtp.example.com mx1.example.org;'] = `for name in ${names.join(' ')};`;
    const res = await runShellBlock('certificates-without-a-web-server', 'check-names', { instance: pf!, replacements });
    const out: Record<string, string> = {};
    let current = '';
    for (const line of res.stdout.split('\n')) {
      const m = /^== (\S+)$/.exec(line);
      if (m) { current = m[1]!; out[current] = ''; } else if (current) out[current] += `${line}\n`;
    }
    return out;
  }

  const expiryFile = (file: string) => runShellBlock('certificates-without-a-web-server', 'expiry-file', { replacements: { '/etc/letsencrypt/live/mail.example.com/fullchain.pem': file } });
  const expiryServed = () => runShellBlock('certificates-without-a-web-server', 'expiry-served', { replacements: { 'mail.example.com:25': `127.0.0.1:${port()}` } });

  let first = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-noweb-'));
    root = { key: join(work, 'root.key'), cert: join(work, 'root.pem') };
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', root.key, '-out', root.cert, '-days', '200',
      '-subj', '/CN=Test ACME CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    le = join(work, 'letsencrypt');
    mkdirSync(join(le, 'renewal-hooks', 'deploy'), { recursive: true });
    first = issue(NAME, 1, NAMES, 90);
    // The certificate in use before (the roll back's target): a self-signed placeholder like Debian's snakeoil.
    previous = { key: join(work, 'snakeoil.key'), cert: join(work, 'snakeoil.pem') };
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', previous.key, '-out', previous.cert, '-days', '30', '-subj', '/CN=localhost']);
    pf = await startPostfix({
      release,
      hostname: NAME,
      main: `smtpd_tls_chain_files = ${previous.key}, ${previous.cert}\nsmtpd_tls_security_level = may`,
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd',
    });
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("the page's apply commands switch Postfix to the certbot files", async () => {
    const res = await runShellBlock('certificates-without-a-web-server', 'apply', { instance: pf!, replacements: { '/etc/letsencrypt': le } });
    expect(res.code, res.out).toBe(0);
    const expected = substitute(blockTitled(SLUG, '/etc/postfix/main.cf').text, { '/etc/letsencrypt': le });
    expect(expected).toContain(`${le}/live/${NAME}/privkey.pem`);
    expect((await pf!.postconf('smtpd_tls_chain_files')).stdout).toBe(`smtpd_tls_chain_files = ${le}/live/${NAME}/privkey.pem, ${le}/live/${NAME}/fullchain.pem\n`);
    await waitForServed(first);
  });

  it('verifies each name of the certificate, wildcard included, at the secure level', async () => {
    const out = await checkNames();
    expect(Object.keys(out)).toEqual(['mail.example.com', 'smtp.example.com', 'mx1.example.org']);
    for (const [name, text] of Object.entries(out)) expect(text, name).toMatch(/Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
  });

  it('the wildcard never matches the bare domain; two labels below it match only on 3.4 and 3.5', async () => {
    const notVerified = (text: string, name: string) => {
      expect(text, name).toMatch(/(Trusted|Untrusted) TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
      expect(text, name).not.toMatch(/Verified TLS connection/);
    };
    const out = await checkNames(['example.org', 'a.b.example.org', 'example.com']);
    expect(Object.keys(out)).toEqual(['example.org', 'a.b.example.org', 'example.com']);
    notVerified(out['example.org']!, 'example.org');
    notVerified(out['example.com']!, 'example.com');
    if (atLeast(release, '3.6')) {
      // 3.6 and later leave name checks to OpenSSL: "*" stands for exactly one label.
      notVerified(out['a.b.example.org']!, 'a.b.example.org');
      // ...whatever tls_wildcard_matches_multiple_labels says (its default is already yes; set it explicitly).
      await pf!.postconf('-e', 'tls_wildcard_matches_multiple_labels = yes');
      try {
        notVerified((await checkNames(['a.b.example.org']))['a.b.example.org']!, 'a.b.example.org with the parameter yes');
      } finally {
        await pf!.postconf('-X', 'tls_wildcard_matches_multiple_labels');
      }
    } else {
      // 3.4 and 3.5 match names themselves, and tls_wildcard_matches_multiple_labels (default yes) lets "*"
      // stand for several labels.
      expect(out['a.b.example.org']).toMatch(/Verified TLS connection established/);
      await pf!.postconf('-e', 'tls_wildcard_matches_multiple_labels = no');
      try {
        notVerified((await checkNames(['a.b.example.org']))['a.b.example.org']!, 'a.b.example.org with the parameter no');
      } finally {
        await pf!.postconf('-X', 'tls_wildcard_matches_multiple_labels');
      }
    }
  });

  it('the expiry checks pass for a certificate valid for 90 days, on file and served', async () => {
    const file = await expiryFile(join(le, 'live', NAME, 'fullchain.pem'));
    expect(file.code, file.out).toBe(0);
    expect(file.stdout).toMatch(/Certificate will not expire/);
    const served = await expiryServed();
    expect(served.code, served.out).toBe(0);
    expect(served.stdout).toMatch(/Certificate will not expire/);
  });

  it("the page's deploy hook reloads Postfix only for the mail certificate, which is then served", async () => {
    const written = await runShellBlock('certificates-without-a-web-server', 'write-hook', { replacements: { '/etc/letsencrypt': le } });
    expect(written.code, written.out).toBe(0);
    const hook = join(le, 'renewal-hooks', 'deploy', 'postfix');
    expect(statSync(hook).mode & 0o777).toBe(0o755);
    // A renewal that expires soon (so the expiry checks below must now fail).
    const renewed = issue(NAME, 2, NAMES, 2);
    // postfix reload logs both lines: postfix-script's "refreshing" and master's "reload".
    const reloads = () => countLog(pf!, /reload -- version/) + countLog(pf!, /refreshing the Postfix mail system/);
    const before = reloads();
    // certbot renewed some other certificate: the hook leaves Postfix alone.
    issue('www.example.com', 1, ['www.example.com'], 90);
    const other = await runShellBlock('certificates-without-a-web-server', 'run-hook', { instance: pf!, replacements: {
      '/etc/letsencrypt/live/mail.example.com': join(le, 'live', 'www.example.com'), '/etc/letsencrypt': le,
    } });
    expect(other.code, other.out).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(reloads()).toBe(before);
    // The mail certificate was renewed: postfix check, postfix reload, and the new certificate is served.
    const res = await runShellBlock('certificates-without-a-web-server', 'run-hook', { instance: pf!, replacements: { '/etc/letsencrypt': le } });
    expect(res.code, res.out).toBe(0);
    const deadline = Date.now() + 15_000;
    while (reloads() < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(reloads()).toBe(before + 2);
    await waitForServed(renewed);
  });

  it('the expiry checks fail for a certificate that expires within the window, on file and served', async () => {
    const file = await expiryFile(join(le, 'live', NAME, 'fullchain.pem'));
    expect(file.code).toBe(1);
    expect(file.stdout).toMatch(/Certificate will expire/);
    const served = await expiryServed();
    expect(served.code).toBe(1);
    expect(served.stdout).toMatch(/Certificate will expire/);
    // The older file (90 days) still passes: the check looks at the file it is given.
    expect((await expiryFile(join(le, 'archive', NAME, 'fullchain1.pem'))).code).toBe(0);
  });

  it("the page's roll-back commands remove the hook and serve the previous certificate again", async () => {
    const res = await runShellBlock('certificates-without-a-web-server', 'rollback', { instance: pf!, replacements: {
      '/etc/letsencrypt': le, '/etc/ssl/private/ssl-cert-snakeoil.key': previous.key, '/etc/ssl/certs/ssl-cert-snakeoil.pem': previous.cert,
    } });
    expect(res.code, res.out).toBe(0);
    expect(existsSync(join(le, 'renewal-hooks', 'deploy', 'postfix'))).toBe(false);
    await waitForServed(previous.cert);
  });
});

