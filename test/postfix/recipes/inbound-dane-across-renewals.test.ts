import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postfixTierAvailable, runPostfix, startPostfix, writeConfigFile, type PostfixInstance } from '../harness.ts';
import { recipeBlocks, runShellBlock, shellBlock, substitute } from '../recipe-blocks.ts';
import { proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();
const SLUG = 'inbound-dane-across-renewals';
const NAME = 'mail.example.com';

function openssl(args: string[]): void {
  const res = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${res.stderr}`);
}

const sh = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 20_000 });

/** SHA-256 of the DER public key, computed here independently of the page's commands. */
const keyDigest = (keyFile: string) => {
  const out = sh(`openssl pkey -in '${keyFile}' -pubout -outform DER | openssl dgst -sha256`).stdout;
  return /= ?([0-9a-f]{64})/.exec(out)![1]!;
};

/** A root CA and two intermediates under it, as a public CA issues from several. */
function caWithTwoIntermediates(dir: string) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const root = { key: join(dir, 'root.key'), cert: join(dir, 'root.pem') };
  openssl(['req', '-x509', ...ec, '-keyout', root.key, '-out', root.cert, '-days', '2', '-subj', '/CN=Test Root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  const intermediate = (id: string) => {
    const key = join(dir, `${id}.key`);
    const cert = join(dir, `${id}.pem`);
    openssl(['req', ...ec, '-keyout', key, '-out', join(dir, `${id}.csr`), '-subj', `/CN=Test Intermediate ${id}`]);
    openssl(['x509', '-req', '-in', join(dir, `${id}.csr`), '-CA', root.cert, '-CAkey', root.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', join(dir, 'ca.ext')]);
    return { key, cert };
  };
  return { root: root.cert, A: intermediate('A'), B: intermediate('B') };
}

describe.runIf(enabled).each(enabled ? proofReleases(SLUG) : [])('recipe: inbound-dane-across-renewals on Postfix $label', (release) => {
  let work = '';
  let le = '';
  let pf: PostfixInstance | undefined;
  let ca: ReturnType<typeof caWithTwoIntermediates>;
  const keys = { first: '', second: '' };
  const served = { version: 0 };

  /** certbot "version" n: archive/<name>/{privkey,cert,fullchain}n.pem from `key` and `issuer`; live/ links moved. */
  function renew(n: number, key: string, issuer: { key: string; cert: string }): void {
    const archive = join(le, 'archive', NAME);
    const ext = join(work, 'leaf.ext');
    writeFileSync(ext, `subjectAltName=DNS:${NAME}\nextendedKeyUsage=serverAuth\n`);
    copyFileSync(key, join(archive, `privkey${n}.pem`));
    openssl(['req', '-new', '-key', key, '-out', join(work, `leaf${n}.csr`), '-subj', `/CN=${NAME}`]);
    openssl(['x509', '-req', '-in', join(work, `leaf${n}.csr`), '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial', '-out', join(archive, `cert${n}.pem`), '-days', '2', '-extfile', ext]);
    writeFileSync(join(archive, `fullchain${n}.pem`), readFileSync(join(archive, `cert${n}.pem`), 'utf8') + readFileSync(issuer.cert, 'utf8'));
    for (const f of ['privkey', 'cert', 'fullchain']) {
      const link = join(le, 'live', NAME, `${f}.pem`);
      rmSync(link, { force: true });
      symlinkSync(join('..', '..', 'archive', NAME, `${f}${n}.pem`), link);
    }
    served.version = n;
  }

  const serialOf = (file: string) => sh(`openssl x509 -in '${file}' -noout -serial`).stdout.trim();
  const servedSerial = () => sh(`openssl s_client -starttls smtp -connect 127.0.0.1:${pf!.ports[0]} </dev/null 2>/dev/null | openssl x509 -noout -serial`).stdout.trim();

  /** After a reload, new connections reach fresh smtpd processes; wait until the expected certificate is served. */
  async function waitForServed(certFile: string): Promise<void> {
    const want = serialOf(certFile);
    const deadline = Date.now() + 15_000;
    while (servedSerial() !== want) {
      if (Date.now() > deadline) throw new Error(`smtpd still serves ${servedSerial()}, not ${want}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const digestServed = async () => {
    const res = await runShellBlock('inbound-dane-across-renewals', 'digest-served', { replacements: { 'mail.example.com:25': `127.0.0.1:${pf!.ports[0]}` } });
    expect(res.code, res.out).toBe(0);
    return res.stdout.trim();
  };

  /** The page's chain command; mktemp -d is pointed into the test's own directory. */
  const digestChain = async () => {
    const tmp = join(work, 'tmp');
    mkdirSync(tmp, { recursive: true });
    process.env.TMPDIR = tmp;
    try {
      const res = await runShellBlock('inbound-dane-across-renewals', 'digest-chain', { replacements: { 'mail.example.com:25': `127.0.0.1:${pf!.ports[0]}` } });
      expect(res.code, res.out).toBe(0);
      return res.stdout;
    } finally {
      delete process.env.TMPDIR;
    }
  };

  /**
   * Runs a `postfix tls` block. postfix-tls-script reads openssl_path from the default instance's main.cf
   * (/etc/postfix/main.cf), which every configured server has. Where this machine has none (the test tier
   * installs Postfix unconfigured), a private mount namespace shows a copy of the instance's main.cf there;
   * the system's /etc/postfix is not touched.
   */
  function runPostfixTls(script: string) {
    const env = { ...process.env, PATH: `${release.sbin}:${process.env.PATH ?? ''}`, MAIL_CONFIG: pf!.dir };
    if (existsSync('/etc/postfix/main.cf')) return spawnSync('bash', ['-c', script], { env, encoding: 'utf8', timeout: 30_000 });
    const etc = join(work, 'etc-postfix');
    mkdirSync(etc, { recursive: true });
    writeConfigFile(join(etc, 'main.cf'), readFileSync(join(pf!.dir, 'main.cf'), 'utf8'));
    writeConfigFile(join(etc, 'master.cf'), readFileSync(join(pf!.dir, 'master.cf'), 'utf8'));
    return spawnSync('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', 'mount --bind "$1" /etc/postfix && exec bash -c "$2"', 'bash', etc, script],
      { env, encoding: 'utf8', timeout: 30_000 });
  }
  const tlsaFromKey = () => {
    const res = runPostfixTls(substitute(shellBlock('inbound-dane-across-renewals', 'tlsa-from-key'), { '/etc/letsencrypt': le }));
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
    const m = /^_25\._tcp\.mail\.example\.com\. IN TLSA 3 1 1 ([0-9a-f]{64})$/m.exec(res.stdout);
    expect(m, res.stdout).not.toBeNull();
    return m![1]!;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-dane-renew-'));
    ca = caWithTwoIntermediates(work);
    keys.first = join(work, 'first.key');
    keys.second = join(work, 'second.key');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keys.first]);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keys.second]);
    le = join(work, 'letsencrypt');
    for (const d of [le, join(le, 'archive'), join(le, 'live'), join(le, 'archive', NAME), join(le, 'live', NAME)]) mkdirSync(d, { mode: 0o700 });
    renew(1, keys.first, ca.A);
    const { main } = recipeBlocks(SLUG);
    pf = await startPostfix({ release, hostname: NAME, main: substitute(main, { '/etc/letsencrypt': le }), master: '127.0.0.1:@PORT@ inet n - n - - smtpd' });
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("the page's apply commands run as printed", async () => {
    const res = await runShellBlock('inbound-dane-across-renewals', 'apply', { instance: pf!, replacements: { '/etc/letsencrypt': le } });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version/);
    expect((await pf!.postconf('smtpd_tls_chain_files')).stdout).toBe(`smtpd_tls_chain_files = ${le}/live/${NAME}/privkey.pem, ${le}/live/${NAME}/fullchain.pem\n`);
  });

  it('postfix tls output-server-tlsa prints the 3 1 1 digest of the key the running smtpd serves', async () => {
    expect(existsSync(join(release.sbin, 'postfix'))).toBe(true);
    const fromKey = tlsaFromKey();
    const fromServer = await digestServed();
    expect(fromServer).toMatch(/^[0-9a-f]{64}$/);
    expect(fromKey).toBe(fromServer);
    expect(fromServer).toBe(keyDigest(keys.first));
  });

  it('without a key file argument it finds no key when only smtpd_tls_chain_files is set', () => {
    const res = runPostfixTls('postfix tls output-server-tlsa -h mail.example.com');
    expect(res.status).not.toBe(0);
    // postfix-tls-script reports through postlog: on the terminal's stderr where it prints there, in the mail log always.
    expect(res.stdout + res.stderr + pf!.log()).toMatch(/No usable keyfiles specified or configured/);
  });

  it("the chain command's 2 1 1 line is the digest of the intermediate that issued the certificate", async () => {
    const out = await digestChain();
    expect(out).toMatch(/subject=\s*CN\s*=\s*Test Intermediate A/);
    const lines = out.split('\n').filter((l) => l.startsWith('2 1 1 '));
    expect(lines).toEqual([`2 1 1 ${keyDigest(ca.A.key)}`]);
  });

  it('a renewal with the same key serves a new certificate with an unchanged digest', async () => {
    const before = await digestServed();
    const oldSerial = servedSerial();
    renew(2, keys.first, ca.A);
    expect(serialOf(join(le, 'archive', NAME, 'cert2.pem'))).not.toBe(oldSerial);
    await runPostfix(release, pf!.dir, 'reload');
    await waitForServed(join(le, 'archive', NAME, 'cert2.pem'));
    expect(await digestServed()).toBe(before);
    expect(tlsaFromKey()).toBe(before);
  });

  it('a renewal with a new key, from the other intermediate, changes the served digest and the 2 1 1 line', async () => {
    const before = await digestServed();
    renew(3, keys.second, ca.B);
    await runPostfix(release, pf!.dir, 'reload');
    await waitForServed(join(le, 'archive', NAME, 'cert3.pem'));
    const after = await digestServed();
    expect(after).not.toBe(before);
    expect(after).toBe(keyDigest(keys.second));
    expect(tlsaFromKey()).toBe(after);
    // The chain now carries intermediate B: a record set with only A's 2 1 1 would match nothing.
    const out = await digestChain();
    expect(out).toMatch(/subject=\s*CN\s*=\s*Test Intermediate B/);
    const lines = out.split('\n').filter((l) => l.startsWith('2 1 1 '));
    expect(lines).toEqual([`2 1 1 ${keyDigest(ca.B.key)}`]);
    expect(lines).not.toContain(`2 1 1 ${keyDigest(ca.A.key)}`);
    // The digest of B computed from its published certificate file equals what the chain shows.
    const file = await runShellBlock('inbound-dane-across-renewals', 'digest-file', { replacements: { 'intermediate.pem': ca.B.cert } });
    expect(file.code, file.out).toBe(0);
    expect(file.stdout.trim()).toBe(lines[0]);
  });

  it("the page's roll-back commands serve the archived first key again", async () => {
    const res = await runShellBlock('inbound-dane-across-renewals', 'rollback', { instance: pf!, replacements: { '/etc/letsencrypt': le } });
    expect(res.code, res.out).toBe(0);
    await waitForServed(join(le, 'archive', NAME, 'cert1.pem'));
    expect(await digestServed()).toBe(keyDigest(keys.first));
  });
});
