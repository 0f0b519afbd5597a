import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, postfixTierAvailable, startPostfix, waitForListener, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { deliver, startClient, startSocketmap, textBlockTitled, waitForTlsLine, type SocketmapServer } from '../outbound.ts';
import { recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const SLUG = 'publish-mta-sts-and-tlsrpt';
const LIVE = '/etc/letsencrypt/live/mail.example.com';

function openssl(args: string[]): void {
  const res = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${res.stderr}`);
}

/** A root CA, an intermediate signed by it, and leaf certificates from the intermediate (as public CAs issue). */
function chainPki(dir: string) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const root = { key: join(dir, 'root.key'), cert: join(dir, 'root.pem') };
  openssl(['req', '-x509', ...ec, '-keyout', root.key, '-out', root.cert, '-days', '2', '-subj', '/CN=Test Root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const inter = { key: join(dir, 'inter.key'), cert: join(dir, 'inter.pem') };
  writeFileSync(join(dir, 'inter.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl(['req', ...ec, '-keyout', inter.key, '-out', join(dir, 'inter.csr'), '-subj', '/CN=Test Intermediate']);
  openssl(['x509', '-req', '-in', join(dir, 'inter.csr'), '-CA', root.cert, '-CAkey', root.key, '-CAcreateserial', '-out', inter.cert, '-days', '2', '-extfile', join(dir, 'inter.ext')]);
  return {
    root: root.cert,
    /** A leaf for `names` in its own directory laid out like certbot's live/: privkey.pem, cert.pem, fullchain.pem. */
    issue(id: string, names: string[]) {
      const d = join(dir, id);
      mkdirSync(d, { mode: 0o700 });
      openssl(['req', ...ec, '-keyout', join(d, 'privkey.pem'), '-out', join(d, 'req.csr'), '-subj', `/CN=${names[0]}`]);
      writeFileSync(join(d, 'ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
      openssl(['x509', '-req', '-in', join(d, 'req.csr'), '-CA', inter.cert, '-CAkey', inter.key, '-CAcreateserial', '-out', join(d, 'cert.pem'), '-days', '2', '-extfile', join(d, 'ext')]);
      writeFileSync(join(d, 'fullchain.pem'), readFileSync(join(d, 'cert.pem'), 'utf8') + readFileSync(inter.cert, 'utf8'));
      return d;
    },
  };
}

/** "key: value" lines of a policy text, in order. */
const policyLines = (text: string) => text.split(/\r?\n/).filter((l) => /^[a-z_]+: /.test(l));

describe.runIf(enabled).each(enabled ? proofReleases(SLUG) : [])('recipe: publish-mta-sts-and-tlsrpt on Postfix $label', (release) => {
  let work = '';
  let pki: ReturnType<typeof chainPki>;
  let mx: PostfixInstance | undefined;
  let sender: PostfixInstance | undefined;
  let sts: SocketmapServer | undefined;
  let web: ChildProcess | undefined;
  let webPort = 0;
  let live = '';
  const [main, wildcard, outside, leafOnly] = [0, 1, 2, 3];
  const hop = (i: number) => `[127.0.0.1]:${mx!.ports[i]}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-sts-pub-'));
    pki = chainPki(work);
    live = pki.issue('mail', ['mail.example.com']);
    const mx2 = pki.issue('mx2', ['mx2.mx.example.net']);
    const other = pki.issue('other', ['mail.example.org']);
    const { main: pageMain } = recipeBlocks(SLUG);
    // The MX: the page's main.cf on the first listener; the others differ only in the files they serve.
    mx = await startPostfix({
      release,
      hostname: 'mail.example.com',
      ports: 4,
      main: `${substitute(pageMain, { [LIVE]: live })}
mydestination = static:all
local_recipient_maps =
local_transport = discard:sink
smtpd_tls_loglevel = 1`,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_tls_chain_files=${mx2}/privkey.pem,${mx2}/fullchain.pem
127.0.0.1:@PORT3@ inet n - n - - smtpd -o smtpd_tls_chain_files=${other}/privkey.pem,${other}/fullchain.pem
127.0.0.1:@PORT4@ inet n - n - - smtpd -o smtpd_tls_chain_files=${live}/privkey.pem,${live}/cert.pem`,
    });
    // Stand-in for an MTA-STS resolver that has fetched the page's policy (in enforce mode): the answer
    // postfix-mta-sts-resolver gives, its "*." pattern written as Postfix's ".domain" form.
    const patterns = policyLines(textBlockTitled(SLUG, 'https://mta-sts.example.com/.well-known/mta-sts.txt'))
      .filter((l) => l.startsWith('mx: ')).map((l) => l.slice(4).replace(/^\*\./, '.'));
    expect(patterns).toEqual(['mail.example.com', '.mx.example.net']);
    sts = await startSocketmap((name) => (name === 'postfix' ? `secure match=${patterns.join(':')} servername=hostname` : undefined));
    sender = await startClient({
      release,
      main: `smtp_tls_security_level = may
smtp_tls_CAfile = ${pki.root}
smtp_tls_policy_maps = socketmap:inet:127.0.0.1:${sts.port}:postfix`,
      routes: {
        'main.test': hop(main), 'wildcard.test': hop(wildcard), 'outside.test': hop(outside), 'leafonly.test': hop(leafOnly),
      },
    });
  });

  afterAll(async () => {
    web?.kill('SIGTERM');
    await Promise.allSettled([sender?.stop(), mx?.stop(), sts?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('an enforcing sender delivers to the MX configured as the page says (Verified)', async () => {
    const d = await deliver(sender!, 'user@main.test');
    expect(d.status).toBe('sent');
    expect(await waitForTlsLine(sender!, mx!.ports[main]!)).toMatch(/^Verified TLS connection established/);
    expect(sts!.queries).toContainEqual({ name: 'postfix', key: hop(main) });
  });

  it('accepts an MX host named under the wildcard pattern', async () => {
    const d = await deliver(sender!, 'user@wildcard.test');
    expect(d.status).toBe('sent');
    expect(await waitForTlsLine(sender!, mx!.ports[wildcard]!)).toMatch(/^Verified TLS connection established/);
  });

  it('defers mail for an MX whose certificate names a host outside the patterns', async () => {
    const d = await deliver(sender!, 'user@outside.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('Server certificate not verified');
  });

  it('defers mail for an MX that serves its certificate without the intermediate', async () => {
    const d = await deliver(sender!, 'user@leafonly.test');
    expect(d.status).toBe('deferred');
    // 3.6 and later hand chain checks to OpenSSL and report any failure as "not verified"; 3.4 says "not trusted".
    expect(d.line).toContain(atLeast(release, '3.6') ? 'Server certificate not verified' : 'Server certificate not trusted');
  });

  it("the page's posttls-finger check reports a Verified connection for the MX", async () => {
    const res = await runShellBlock('publish-mta-sts-and-tlsrpt', 'check-mx', { instance: mx!, replacements: {
      '/etc/ssl/certs/ca-certificates.crt': pki.root, '[mail.example.com]:25': `[127.0.0.1]:${mx!.ports[main]}`,
    } });
    expect(res.out).toMatch(/Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
    // The same check against the listener without the intermediate does not verify.
    const bad = await runShellBlock('publish-mta-sts-and-tlsrpt', 'check-mx', { instance: mx!, replacements: {
      '/etc/ssl/certs/ca-certificates.crt': pki.root, '[mail.example.com]:25': `[127.0.0.1]:${mx!.ports[leafOnly]}`,
    } });
    expect(bad.out).not.toMatch(/Verified TLS connection/);
  });

  it("the page's curl command fetches and shows the policy served over HTTPS, and fails on an untrusted certificate", async () => {
    const policy = textBlockTitled(SLUG, 'https://mta-sts.example.com/.well-known/mta-sts.txt');
    // The policy host: openssl s_server serving files from a directory, with a certificate for
    // mta-sts.example.com and 127.0.0.1 (the name the command is pointed at here).
    const site = join(work, 'site');
    mkdirSync(join(site, '.well-known'), { recursive: true });
    writeFileSync(join(site, '.well-known', 'mta-sts.txt'), policyLines(policy).map((l) => `${l}\r\n`).join(''));
    const webCert = pki.issue('web', ['mta-sts.example.com']);
    // curl connects to 127.0.0.1, so the certificate also needs that address.
    openssl(['x509', '-req', '-in', join(webCert, 'req.csr'), '-CA', join(work, 'inter.pem'), '-CAkey', join(work, 'inter.key'), '-CAcreateserial',
      '-out', join(webCert, 'cert.pem'), '-days', '2', '-extfile', writeExt(webCert)]);
    webPort = await freePort();
    web = spawn('openssl', ['s_server', '-quiet', '-WWW', '-accept', `127.0.0.1:${webPort}`, '-cert', join(webCert, 'cert.pem'), '-cert_chain', join(work, 'inter.pem'), '-key', join(webCert, 'privkey.pem')],
      { cwd: site, stdio: 'ignore' });
    await waitForListener(webPort);
    const url = { 'https://mta-sts.example.com': `https://127.0.0.1:${webPort}` };

    process.env.CURL_CA_BUNDLE = pki.root;
    let res;
    try {
      res = await runShellBlock('publish-mta-sts-and-tlsrpt', 'check-policy', { replacements: url });
    } finally {
      delete process.env.CURL_CA_BUNDLE;
    }
    expect(res.code, res.out).toBe(0);
    expect(res.stderr).toBe('');
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('200 text/plain');
    expect(lines.slice(0, -1)).toEqual(policyLines(policy));
    expect(lines[0]).toBe('version: STSv1');
    expect(lines).toContain('mode: testing');
    expect(lines).toContain('max_age: 604800');

    // Without the test CA among the trusted roots, the fetch fails: a sender would have no policy.
    process.env.CURL_CA_BUNDLE = join(work, 'other', 'cert.pem');
    let untrusted;
    try {
      untrusted = await runShellBlock('publish-mta-sts-and-tlsrpt', 'check-policy', { replacements: url });
    } finally {
      delete process.env.CURL_CA_BUNDLE;
    }
    // The page's pipeline ends in tr, so the failure shows as curl's message and no policy, not as the status.
    expect(untrusted.stderr).toMatch(/curl: \(60\) SSL certificate problem/);
    expect(untrusted.stdout).not.toContain('version: STSv1');
    expect(untrusted.stdout).not.toContain('200');
  });

  it("the page's apply commands run as printed on the MX", async () => {
    const res = await runShellBlock('publish-mta-sts-and-tlsrpt', 'apply', { instance: mx!, replacements: { [LIVE]: live } });
    expect(res.code, res.out).toBe(0);
    expect((await mx!.postconf('smtpd_tls_chain_files')).stdout).toBe(`smtpd_tls_chain_files = ${live}/privkey.pem, ${live}/fullchain.pem\n`);
    await mx!.waitForLog(/reload -- version/);
    const d = await deliver(sender!, 'again@main.test');
    expect(d.status).toBe('sent');
  });
});

function writeExt(dir: string): string {
  const file = join(dir, 'ext-ip');
  writeFileSync(file, 'subjectAltName=DNS:mta-sts.example.com,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  return file;
}
