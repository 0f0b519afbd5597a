import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, startPostfix, starttlsProbe, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { blockTitled } from '../outbound.ts';
import { runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const SLUG = 'what-your-build-supports';

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

describe.runIf(enabled).each(enabled ? proofReleases('what-your-build-supports') : [])('recipe: what-your-build-supports on Postfix $label', (release) => {
  let work = '';
  let pf: PostfixInstance | undefined;
  let policy = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-build-'));
    const pki = createPki(work);
    const cert = pki.server('mx.test.example');
    policy = join(work, 'tls_policy');
    writeFileSync(policy, blockTitled(SLUG, '/etc/postfix/tls_policy').text);
    spawnSync(join(release.sbin, 'postmap'), [`hash:${policy}`], { timeout: 20_000 });
    pf = await startPostfix({
      release,
      main: `smtpd_tls_security_level = may\nsmtpd_tls_loglevel = 1\nsmtpd_tls_chain_files = ${cert.key}, ${cert.cert}\nsmtp_tls_policy_maps = hash:${policy}`,
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd',
    });
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('postconf -a lists cyrus and dovecot, postconf -A lists cyrus', async () => {
    const res = await runShellBlock('what-your-build-supports', 'sasl-types', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    const out = lines(res.stdout);
    // Two lists printed one after the other: the server types, then the client types.
    expect(out).toEqual(['cyrus', 'dovecot', 'cyrus']);
  });

  it('postconf -m lists the table types of this build', async () => {
    const res = await runShellBlock('what-your-build-supports', 'table-types', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    const types = lines(res.stdout);
    expect(types).toEqual(expect.arrayContaining(['hash', 'btree', 'texthash', 'inline']));
    // Source builds link LMDB in; Debian's package lists it only with its plug-in package installed.
    const lmdbExpected = release.distribution ? existsSync('/usr/lib/postfix/postfix-lmdb.so') : true;
    expect(types.includes('lmdb')).toBe(lmdbExpected);
    expect(types.includes('cdb')).toBe(release.distribution ? existsSync('/usr/lib/postfix/postfix-cdb.so') : false);
    expect(types.includes('debug')).toBe(atLeast(release, '3.11'));
  });

  it('the table switch converts to lmdb where it exists and stops where it does not', async () => {
    const res = await runShellBlock('what-your-build-supports', 'switch-table', { instance: pf!, replacements: { '/etc/postfix/tls_policy': policy } });
    const { stdout } = await pf!.postconf('-m');
    if (lines(stdout).includes('lmdb')) {
      expect(res.code, res.out).toBe(0);
      expect(existsSync(`${policy}.lmdb`)).toBe(true);
      expect((await pf!.postconf('-h', 'smtp_tls_policy_maps')).stdout.trim()).toBe(`lmdb:${policy}`);
      await pf!.waitForLog(/reload -- version/);
      const verify = await runShellBlock('what-your-build-supports', 'verify-table', { instance: pf!, replacements: { '/etc/postfix/tls_policy': policy } });
      expect(verify.code, verify.out).toBe(0);
      expect(lines(verify.stdout)).toEqual([`lmdb:${policy}`, 'encrypt']);
    } else {
      expect(res.code).toBe(1);
      expect(res.stdout).toContain('no lmdb tables in this build');
      expect((await pf!.postconf('-h', 'smtp_tls_policy_maps')).stdout.trim()).toBe(`hash:${policy}`);
    }
    const back = await runShellBlock('what-your-build-supports', 'roll-back', { instance: pf!, replacements: { '/etc/postfix/tls_policy': policy } });
    expect(back.code, back.out).toBe(0);
    expect((await pf!.postconf('-h', 'smtp_tls_policy_maps')).stdout.trim()).toBe(`hash:${policy}`);
  });

  it('postconf -T and ldd show the OpenSSL library', async () => {
    const res = await runShellBlock('what-your-build-supports', 'openssl-version', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    const [compiled, running, ...libs] = lines(res.stdout);
    const machine = spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout;
    // "OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)": the library part.
    const library = /Library: ([^)]+)\)/.exec(machine)?.[1] ?? machine.trim();
    expect(running).toBe(library);
    if (release.distribution) expect(compiled).toMatch(/^OpenSSL 3\.0\.11 /);
    else expect(compiled).toBe(running);
    expect(libs.join('\n')).toMatch(/libssl\.so\.3 =>/);
    expect(libs.join('\n')).toMatch(/libcrypto\.so\.3 =>/);
  });

  it('a STARTTLS handshake logs no version mismatch warning', async () => {
    const probe = await starttlsProbe(pf!.ports[0]!);
    expect(probe.stderr + probe.stdout).toMatch(/CONNECTION ESTABLISHED/);
    await pf!.waitForLog(/TLS connection established from/);
    expect(pf!.log()).not.toMatch(/run-time library vs\. compile-time header version mismatch/);
  });

  it('postconf -d shows which TLS parameters the release knows', async () => {
    const res = await runShellBlock('what-your-build-supports', 'tls-parameters', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    const count = Number(lines(res.stdout)[0]);
    expect(count).toBeGreaterThan(150);
    const known = (name: string) => new RegExp(`^${name} = `, 'm').test(res.stdout);
    const unknown = (name: string) => new RegExp(`warning: ${name}: unknown parameter`).test(res.stderr);
    const hasConfigFile = atLeast(release, '3.7');
    expect(known('tls_config_file')).toBe(hasConfigFile);
    expect(unknown('tls_config_file')).toBe(!hasConfigFile);
    expect(known('tls_ffdhe_auto_groups')).toBe(atLeast(release, '3.8'));
    expect(unknown('smtp_tls_enable_rpk')).toBe(!atLeast(release, '3.9'));
    if (release.version === '3.4.29') expect(count).toBeLessThan(200);
    if (atLeast(release, '3.11')) expect(count).toBeGreaterThan(205);
  });

  it('with OpenSSL 3.0 there is no ML-KEM group in the defaults or the library', async () => {
    const res = await runShellBlock('what-your-build-supports', 'groups', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    const curves = /^tls_eecdh_auto_curves = (.*)$/m.exec(res.stdout)?.[1];
    expect(curves).toBeDefined();
    expect(curves).not.toMatch(/MLKEM/i);
    expect(curves!.split(/\s+/)).toEqual(expect.arrayContaining(['X25519', 'prime256v1', 'secp384r1']));
    expect(res.stdout).not.toMatch(/ML-KEM/);
    expect(res.stdout).toMatch(/RSA/);
  });
});
