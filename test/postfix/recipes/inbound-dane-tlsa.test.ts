import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';
import { atLeast, proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();

/** The page's two digest pipelines, run verbatim apart from the file names. */
const digestFromCertificate = async (cert: string) =>
  (await runShellBlock('inbound-dane-tlsa', 'digest-current', { replacements: { '/etc/postfix/tls/mx.fullchain.pem': cert } })).stdout.trim();
const digestFromKey = async (key: string) =>
  (await runShellBlock('inbound-dane-tlsa', 'digest-next', { replacements: { '/etc/postfix/tls/mx-next.key.pem': key } })).stdout.trim();

/** "ab12..." -> "AB:12:...", the form Postfix prints fingerprints in. */
const withColons = (hex: string) => hex.toUpperCase().match(/../g)!.join(':');

describe.runIf(enabled).each(enabled ? proofReleases('inbound-dane-tlsa') : [])('recipe: inbound-dane-tlsa on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let certDir = '';
  let current = '';
  let next = '';
  let nextFiles = { key: '', cert: '' };
  let nowFiles = { key: '', cert: '' };

  /** posttls-finger of the release under test; port 1 = current key, port 2 = next key. */
  const finger = (port: number, level: string, digest: string[], ...match: string[]) =>
    capture('env', [`MAIL_CONFIG=${pf!.dir}`, pf!.command('posttls-finger'), '-c', '-l', level, ...digest, `[127.0.0.1]:${port}`, ...match]);
  /**
   * The public-key fingerprint posttls-finger prints. Postfix 3.9 (raw public key support) moved the
   * certificate summary into the TLS library and renamed the field "pkey fingerprint=".
   */
  const printed = (out: string) => {
    const field = atLeast(release, '3.9') ? 'pkey fingerprint=' : 'pkey_fingerprint=';
    expect(out).toContain(`, ${field}`);
    return new RegExp(`${field}([0-9A-F:]+)`).exec(out)?.[1];
  };
  /**
   * Digests to pin at the fingerprint level. Postfix 3.6 and later decode the hex with or without colons;
   * 3.4 and 3.5 compare the text with their own colon-separated fingerprint, so the bare DNS form of a
   * digest never matches there (asserted below).
   */
  const pinned = (...hex: string[]) => (atLeast(release, '3.6') ? hex : hex.map(withColons));

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    const now = pki.server('mx.test.example', 'ecdsa');
    const later = pki.server('mx.test.example', 'rsa');
    nextFiles = later;
    nowFiles = now;
    const { main } = recipeBlocks('inbound-dane-tlsa');
    // @PORT@ runs the page's main.cf with the current key; @PORT2@ the same server after the switch.
    pf = await startPostfix({
      release,
      ports: 2,
      main: substitute(main, { '/etc/postfix/tls/mx.key.pem': now.key, '/etc/postfix/tls/mx.fullchain.pem': now.cert }),
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_tls_chain_files=${later.key},${later.cert}`,
    });
    current = await digestFromCertificate(now.cert);
    next = await digestFromKey(later.key);
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it("the page's apply command passes postfix check and reloads", async () => {
    const res = await runShellBlock('inbound-dane-tlsa', 'apply', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version/);
  });

  it('computes the public-key digest Postfix sees for the running server', async () => {
    expect(current).toMatch(/^[0-9a-f]{64}$/);
    const res = await finger(pf!.ports[0]!, 'may', ['-d', 'sha256']);
    expect(printed(res.stdout)).toBe(withColons(current));
  });

  it('computes the next key\'s digest from the private key alone', async () => {
    expect(next).toMatch(/^[0-9a-f]{64}$/);
    expect(next).not.toBe(current);
    const res = await finger(pf!.ports[1]!, 'may', ['-d', 'sha256']);
    expect(printed(res.stdout)).toBe(withColons(next));
  });

  it('prints SHA-256 fingerprints without -d only from 3.6 on, at compatibility level 3.6', async () => {
    const res = await finger(pf!.ports[0]!, 'may', []);
    if (atLeast(release, '3.6')) {
      // The harness runs 3.6+ at compatibility_level 3.6, where smtp_tls_fingerprint_digest is sha256.
      expect(printed(res.stdout)).toBe(withColons(current));
    } else {
      // 3.4 and 3.5: posttls-finger's built-in default is SHA-1 (20 bytes).
      expect(printed(res.stdout)).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){19}$/);
    }
  });

  it('accepts the server before and after the switch while both digests are pinned', async () => {
    for (const port of pf!.ports) {
      const res = await finger(port, 'fingerprint', ['-d', 'sha256'], ...pinned(current, next));
      if (atLeast(release, '3.6')) expect(res.stdout).toMatch(/Matched fingerprint: [0-9A-F]{64}/);
      else expect(res.stdout).toMatch(/depth=0 matched end entity public-key sha256 digest=[0-9A-F:]{95}/);
      expect(res.stdout).toMatch(/Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
    }
  });

  it('matches bare hex digests from 3.6 on; 3.4 and 3.5 need the colon form', async () => {
    const res = await finger(pf!.ports[0]!, 'fingerprint', ['-d', 'sha256'], current, next);
    if (atLeast(release, '3.6')) {
      expect(res.stdout).toMatch(/Verified TLS connection established/);
    } else {
      expect(res.stdout).toMatch(/Untrusted TLS connection established/);
      expect(res.stdout).not.toMatch(/Verified TLS connection/);
    }
  });

  it('rejects the new key when only the old digest is pinned', async () => {
    const res = await finger(pf!.ports[1]!, 'fingerprint', ['-d', 'sha256'], ...pinned(current));
    if (atLeast(release, '3.6')) {
      // 3.6 and later hand the pins to OpenSSL's DANE code as TLSA records, hence its wording.
      expect(res.stdout).toMatch(/server certificate verification failed for 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: num=65:no matching DANE TLSA records/);
    } else {
      // 3.4 and 3.5 match the digests themselves and only report the peer as not verified.
      expect(res.stdout).toMatch(/Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
    }
    expect(res.stdout).not.toMatch(/Verified TLS connection/);
  });

  it("the page's switch step (run as printed, inside the list) makes the main listener present the next key", async () => {
    const res = await runShellBlock('inbound-dane-tlsa', 'switch-key', { instance: pf!, replacements: {
      '/etc/postfix/tls/mx-next.key.pem': nextFiles.key, '/etc/postfix/tls/mx-next.fullchain.pem': nextFiles.cert,
    } });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const deadline = Date.now() + 10_000;
    let seen: string | undefined;
    while (Date.now() < deadline) {
      seen = printed((await finger(pf!.ports[0]!, 'may', ['-d', 'sha256'])).stdout);
      if (seen === withColons(next)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).toBe(withColons(next));
  });

  it("the page's roll back points the listener at the old key again", async () => {
    const res = await runShellBlock('inbound-dane-tlsa', 'rollback', { instance: pf!, replacements: {
      '/etc/postfix/tls/mx.key.pem': nowFiles.key, '/etc/postfix/tls/mx.fullchain.pem': nowFiles.cert,
    } });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version[\s\S]*reload -- version/);
    const deadline = Date.now() + 10_000;
    let seen: string | undefined;
    while (Date.now() < deadline) {
      seen = printed((await finger(pf!.ports[0]!, 'may', ['-d', 'sha256'])).stdout);
      if (seen === withColons(current)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).toBe(withColons(current));
  });
});
