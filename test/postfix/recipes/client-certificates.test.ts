import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedRules } from '../../../src/markdown/config-blocks.ts';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { localizeMaster, recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { repoRoot } from '../../support/content.ts';

const enabled = postfixTierAvailable();
const recipe = () => readFileSync(join(repoRoot, 'content/recipes/client-certificates.md'), 'utf8');
// The placeholder fingerprints printed on the page; the test swaps in those of its own certificates.
const PAGE_CERT_FP = '30:7D:AB:77:49:B3:69:7D:93:0B:AB:79:44:FC:57:3C:52:76:F4:FF:15:D4:26:92:71:93:7A:22:9B:5C:81:CA';
const PAGE_PKEY_FP = 'cf:07:e2:45:28:66:1a:77:48:df:44:f2:c5:d0:b0:5a:86:41:a5:b9:b7:a2:1e:87:05:64:15:6a:a8:53:55:32';

/** The page's clean master.cf blocks one by one (the three variants of the submission service). */
function masterVariants(): string[] {
  return [...recipe().matchAll(/^```postfix-master([^\n]*)\n([\s\S]*?)^```\s*$/gm)]
    .filter((m) => expectedRules(m[1]).length === 0).map((m) => m[2]!);
}

/** A lookup table as printed on the page (text block titled with its path). */
function pageTable(path: string): string {
  const m = new RegExp(`^\`\`\`text title="${path}"\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(recipe());
  if (!m) throw new Error(`table ${path} not found in the recipe`);
  return m[1]!;
}

function openssl(args: string[], input?: string): string {
  const res = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: 20_000 });
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}
const certFingerprint = (cert: string) => openssl(['x509', '-in', cert, '-noout', '-fingerprint', '-sha256']).trim().split('=')[1]!;
function pkeyFingerprint(cert: string): string {
  const pub = openssl(['x509', '-in', cert, '-noout', '-pubkey']);
  const der = spawnSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pub, timeout: 20_000 }).stdout;
  const res = spawnSync('openssl', ['dgst', '-sha256', '-c'], { input: der, encoding: 'utf8', timeout: 20_000 });
  return res.stdout.trim().split('= ')[1]!;
}

describe.runIf(enabled).each(enabled ? proofReleases('client-certificates') : [])('recipe: client-certificates on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  // The page's main.cf without its smtpd_tls_fingerprint_digest line: what the default digest does.
  let defaults: PostfixInstance | undefined;
  let work = '';
  let fingerprintPort = 0;
  let accessPort = 0;
  let requirePort = 0;
  let app1: { key: string; cert: string }; // listed by certificate fingerprint (both tables)
  let scanner: { key: string; cert: string }; // listed by public-key fingerprint with permit_auth_destination
  let stranger: { key: string; cert: string }; // same CA, listed nowhere

  const relay = async (port: number, who: { key: string; cert: string } | null, to = 'someone@example.net') =>
    (await capture('swaks', ['--server', `127.0.0.1:${port}`, '--tls', '--ehlo', 'client.test', '--from', 'app1@example.com', '--to', to,
      '--quit-after', 'RCPT', ...(who ? ['--tls-cert', who.cert, '--tls-key', who.key] : [])])).stdout;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-ccert-'));
    const pki = createPki(work);
    const server = pki.server('relay.example.com');
    app1 = pki.server('app1.example.com');
    scanner = pki.server('scanner.example.com', 'rsa');
    stranger = pki.server('stranger.example.com');

    const files = {
      '/etc/postfix/tls/relay.key.pem': server.key,
      '/etc/postfix/tls/relay.fullchain.pem': server.cert,
      '/etc/postfix/tls/clients-ca.pem': pki.caCert,
      '/etc/postfix/relay_clientcerts': join(work, 'relay_clientcerts'),
      '/etc/postfix/ccert_access': join(work, 'ccert_access'),
    };
    // The page's own commands compute the digests (app1's certificate, scanner's public key); the helpers
    // cross-check them.
    const pageCertFp = (await runShellBlock('client-certificates', 'cert-fingerprint', { replacements: { '/etc/ssl/app1.example.com.pem': app1.cert } })).stdout.trim().split('=')[1]!;
    const pagePkeyFp = (await runShellBlock('client-certificates', 'pkey-fingerprint', { replacements: { '/etc/ssl/app1.example.com.pem': scanner.cert } })).stdout.trim().split('= ')[1]!;
    expect(pageCertFp).toBe(certFingerprint(app1.cert));
    expect(pagePkeyFp).toBe(pkeyFingerprint(scanner.cert));
    const fingerprints = { [PAGE_CERT_FP]: pageCertFp, [PAGE_PKEY_FP]: pagePkeyFp };
    for (const name of ['relay_clientcerts', 'ccert_access']) {
      writeFileSync(join(work, name), substitute(pageTable(`/etc/postfix/${name}`), fingerprints));
    }
    mkdirSync(join(work, 'cfg'));
    writeFileSync(join(work, 'cfg', 'main.cf'), '');
    const built = spawnSync(join(release.sbin, 'postmap'), ['-c', join(work, 'cfg'), `hash:${files['/etc/postfix/relay_clientcerts']}`, `hash:${files['/etc/postfix/ccert_access']}`], { encoding: 'utf8', timeout: 20_000 });
    expect(built.status, built.stderr).toBe(0);

    const { main } = recipeBlocks('client-certificates');
    const [byFingerprint, byAccess, requireCert] = masterVariants();
    expect(requireCert).toBeDefined();
    pf = await startPostfix({
      release,
      ports: 3,
      // relay_domains is test scaffolding: a domain this server relays for, for permit_auth_destination.
      main: `${substitute(main, files)}\nrelay_domains = partner.example\n`,
      master: [
        localizeMaster(byFingerprint!, { submission: '127.0.0.1:@PORT@' }),
        localizeMaster(byAccess!, { submission: '127.0.0.1:@PORT2@' }),
        localizeMaster(requireCert!, { submission: '127.0.0.1:@PORT3@' }),
      ].map((b) => substitute(b, files)).join('\n'),
    });
    [fingerprintPort, accessPort, requirePort] = pf.ports as [number, number, number];

    const withoutDigest = main.split('\n').filter((l) => !l.startsWith('smtpd_tls_fingerprint_digest')).join('\n');
    expect(withoutDigest).not.toBe(main);
    const service = substitute(byFingerprint!, files);
    defaults = await startPostfix({
      release,
      ports: 2,
      // @PORT@: the instance's own compatibility level (3.6 on 3.6+, 2 on 3.4/3.5); @PORT2@: level 2, as on a
      // server upgraded from an older release that kept its level.
      main: substitute(withoutDigest, files),
      // Log level 2, as the page suggests, logs the fingerprints smtpd computed.
      master: [
        localizeMaster(service, { submission: '127.0.0.1:@PORT@' }).replace('-o syslog_name=postfix/submission', '-o syslog_name=postfix/ownlevel\n  -o smtpd_tls_loglevel=2'),
        localizeMaster(service, { submission: '127.0.0.1:@PORT2@' }).replace('-o syslog_name=postfix/submission', '-o syslog_name=postfix/level2\n  -o smtpd_tls_loglevel=2\n  -o compatibility_level=2'),
      ].join('\n'),
    });
  });

  afterAll(async () => {
    await defaults?.stop();
    await pf?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('relays for a listed certificate fingerprint, though the certificate is not from a trusted CA', async () => {
    expect(await relay(fingerprintPort, app1)).toMatch(/<~\s+250 2\.1\.5 Ok/);
    await pf!.waitForLog(/postfix\/submission\/smtpd\[\d+\]: Untrusted TLS connection established from localhost\[127\.0\.0\.1\]/);
  });

  it("the page's two swaks commands: relaying with the listed certificate, Access denied without one", async () => {
    const res = await runShellBlock('client-certificates', 'verify-relay', { replacements: {
      'relay.example.com:587': `127.0.0.1:${fingerprintPort}`, '/etc/ssl/app1.example.com.pem': app1.cert, '/etc/ssl/private/app1.example.com.key': app1.key,
    } });
    const [withCert, without] = res.stdout.split(/^=== Trying /m).slice(1);
    expect(withCert).toMatch(/<~\s+250 2\.1\.5 Ok/);
    expect(without).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
  });

  it('rejects an unlisted certificate and a client without one', async () => {
    expect(await relay(fingerprintPort, stranger)).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
    expect(await relay(fingerprintPort, null)).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
  });

  it('applies per-certificate actions from check_ccert_access', async () => {
    expect(await relay(accessPort, app1)).toMatch(/<~\s+250 2\.1\.5 Ok/);
    // The scanner's entry is its public-key fingerprint with permit_auth_destination.
    expect(await relay(accessPort, scanner, 'someone@partner.example')).toMatch(/<~\s+250 2\.1\.5 Ok/);
    expect(await relay(accessPort, scanner)).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
    expect(await relay(accessPort, stranger)).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
  });

  it('with smtpd_tls_req_ccert drops clients without a certificate and admits a trusted one', async () => {
    const none = await relay(requirePort, null);
    expect(none).toMatch(/<~\*\s+421 4\.7\.1 .*No client certificate presented/);
    expect(await relay(requirePort, app1)).toMatch(/<~\s+250 2\.1\.5 Ok/);
    await pf!.waitForLog(/postfix\/submission\/smtpd\[\d+\]: Trusted TLS connection established from localhost\[127\.0\.0\.1\]/);
  });

  it('without an explicit digest, SHA-256 fingerprints match only from 3.6 on at compatibility level 3.6', async () => {
    const [ownLevel, level2] = defaults!.ports as [number, number];
    const sha256 = certFingerprint(app1.cert);
    const md5 = openssl(['x509', '-in', app1.cert, '-noout', '-fingerprint', '-md5']).trim().split('=')[1]!;
    // 3.9 and later label it "cert fingerprint=", older releases "fingerprint=".
    const logged = async (service: string) => (await defaults!.waitForLog(
      new RegExp(`postfix/${service}/smtpd\\[\\d+\\]: localhost\\[127\\.0\\.0\\.1\\]: subject_CN=app1\\.example\\.com, issuer=[^,]*, ${atLeast(release, '3.9') ? 'cert fingerprint' : 'fingerprint'}=([0-9A-F:]+)`)))[1];
    if (atLeast(release, '3.6')) {
      expect(await relay(ownLevel, app1)).toMatch(/<~\s+250 2\.1\.5 Ok/);
      expect(await logged('ownlevel')).toBe(sha256);
      // Level 2 keeps md5: the same table entry no longer matches, and Postfix says why.
      expect(await relay(level2, app1)).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
      await defaults!.waitForLog(/postfix\/level2\/smtpd\[\d+\]: using backwards-compatible default setting smtpd_tls_fingerprint_digest=md5 to compute certificate fingerprints/);
      expect(await logged('level2')).toBe(md5);
    } else {
      // 3.4 and 3.5 compute md5 fingerprints whatever the level, and say nothing about it.
      expect(await relay(ownLevel, app1)).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
      expect(await relay(level2, app1)).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
      expect(await logged('ownlevel')).toBe(md5);
      expect(await logged('level2')).toBe(md5);
      expect(defaults!.log()).not.toMatch(/backwards-compatible default setting smtpd_tls_fingerprint_digest/);
    }
  });

  it("the page's level-2 commands set the override on the service, reload, and the log then shows the client's fingerprint", async () => {
    const res = await runShellBlock('client-certificates', 'loglevel-2', { instance: pf!, replacements: { 'submission/inet': `127.0.0.1:${fingerprintPort}/inet` } });
    expect(res.code, res.out).toBe(0);
    expect((await pf!.postconf('-P', `127.0.0.1:${fingerprintPort}/inet/smtpd_tls_loglevel`)).stdout).toBe(`127.0.0.1:${fingerprintPort}/inet/smtpd_tls_loglevel = 2\n`);
    await pf!.waitForLog(/reload -- version/);
    const fp = certFingerprint(app1.cert);
    // Reloaded services start fresh processes; retry until a session runs with the new level.
    const deadline = Date.now() + 10_000;
    while (!pf!.log().includes(fp) && Date.now() < deadline) {
      await relay(fingerprintPort, app1);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(pf!.log()).toContain(fp);
  });

  it("the page's table commands build the fingerprint table and reload", async () => {
    const res = await runShellBlock('client-certificates', 'build-table', { instance: pf!, replacements: { '/etc/postfix/relay_clientcerts': join(work, 'relay_clientcerts') } });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version/);
    expect(await relay(fingerprintPort, app1)).toMatch(/<~\s+250 2\.1\.5 Ok/);
  });

  it("the page's roll back stops asking for certificates on the service and removes the table setting", async () => {
    const service = `127.0.0.1:${fingerprintPort}/inet`;
    const res = await runShellBlock('client-certificates', 'rollback', { instance: pf!, replacements: { 'submission/inet': service } });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version[\s\S]*reload -- version/);
    const { stdout: overrides } = await pf!.postconf('-P');
    expect(overrides).not.toMatch(new RegExp(`^${service.replace(/\./g, '\\.')}/smtpd_(tls_ask_ccert|client_restrictions|relay_restrictions) =`, 'm'));
    expect(overrides).toMatch(new RegExp(`^127\\.0\\.0\\.1:${accessPort}/inet/smtpd_tls_ask_ccert = yes$`, 'm'));
    const { stdout: main } = await pf!.postconf('-n');
    expect(main).not.toMatch(/^relay_clientcerts =/m);
    // A machine that has a certificate is no longer asked for it: the session is Anonymous.
    const anonymous = /postfix\/submission\/smtpd\[\d+\]: Anonymous TLS connection established from localhost/g;
    const before = (pf!.log().match(anonymous) ?? []).length;
    const deadline = Date.now() + 10_000;
    while ((pf!.log().match(anonymous) ?? []).length === before && Date.now() < deadline) {
      await relay(fingerprintPort, app1);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((pf!.log().match(anonymous) ?? []).length).toBeGreaterThan(before);
  });
});
