import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { countLog, deliver, startClient, startSinks, waitForCount, type Sinks } from '../outbound.ts';
import { localizeMaster, recipeBlocks, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const SLUG = 'compatibility-level-3-11-client-default';

/** The expression Postfix 3.11 prints for `postconf -d smtp_tls_security_level`. */
const DEFAULT_311 = '${{$compatibility_level} <level {3.11} ? {} : {may}}';
/** What the 3.11 SMTP client logs when it runs with the old empty default. */
const COMPAT_MESSAGE = /postfix\/smtp\[\d+\]: using backwards-compatible default setting smtp_tls_security_level=\(empty\)/;

describe.runIf(enabled).each(enabled ? proofReleases(SLUG) : [])('recipe: compatibility-level-3-11-client-default on Postfix $label', (release) => {
  const is311 = atLeast(release, '3.11');
  let sinks: Sinks | undefined;
  // fresh: compatibility_level = 3.11 and no smtp_tls_security_level, plus the page's master.cf transport.
  // old: an upgraded main.cf, compatibility_level = 3.10 and no level (one transport keeps smtp_use_tls = yes).
  // adopted: compatibility_level = 3.10 with the page's "Adopt it" main.cf block.
  let fresh: PostfixInstance | undefined;
  let old: PostfixInstance | undefined;
  let adopted: PostfixInstance | undefined;
  let certDir = '';
  let tlsPort = 0;
  let plainPort = 0;

  /** TLS sessions a client logged to the STARTTLS-capable sink. */
  const tlsSessions = (pf: PostfixInstance) => countLog(pf, new RegExp(`TLS connection established to \\S+:${tlsPort}: TLSv1\\.[23]`));
  /** Sessions the sink saw that ended without STARTTLS (its disconnect line counts the commands). */
  const plainSessions = /disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5/;
  const tlsSinkSessions = /disconnect from localhost\[127\.0\.0\.1\] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7/;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    sinks = await startSinks([{ tls: pki.server('mx.test.example') }, {}], undefined, release);
    [tlsPort, plainPort] = sinks.ports as [number, number];
    const { main, master } = recipeBlocks(SLUG);
    const tls = `[127.0.0.1]:${tlsPort}`;
    // The harness writes compatibility_level = 3.6 first; a later line in main.cf wins.
    [fresh, old, adopted] = await Promise.all([
      startClient({
        release,
        main: 'compatibility_level = 3.11',
        master: localizeMaster(master, {}),
        routes: { 'tls.test': tls, 'plain.test': `[127.0.0.1]:${plainPort}`, 'scan.test': `scan:${tls}` },
      }),
      startClient({
        release,
        main: 'compatibility_level = 3.10',
        master: 'legacy unix - - n - - smtp -o smtp_use_tls=yes',
        routes: { 'tls.test': tls, 'legacy.test': `legacy:${tls}` },
      }),
      startClient({ release, main: `compatibility_level = 3.10\n${main}`, routes: { 'tls.test': tls } }),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([fresh?.stop(), old?.stop(), adopted?.stop(), sinks?.pf.stop()]);
    rmSync(certDir, { recursive: true, force: true });
  });

  it(is311 ? 'postconf -d prints the compatibility-level expression; LMTP stays empty' : 'postconf -d prints an empty client level (3.10 and earlier)', async () => {
    const { stdout } = await fresh!.postconf('-d', 'smtp_tls_security_level', 'lmtp_tls_security_level');
    expect(stdout).toBe(`smtp_tls_security_level =${is311 ? ` ${DEFAULT_311}` : ''}\nlmtp_tls_security_level =\n`);
  });

  it(is311 ? "the page's postconf -d command prints the expression" : "the page's postconf -d command prints an empty default", async () => {
    const res = await runShellBlock('compatibility-level-3-11-client-default', 'show-default', { instance: fresh! });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toBe(`smtp_tls_security_level =${is311 ? ` ${DEFAULT_311}` : ''}\n`);
  });

  it('postconf -x shows the level in effect: may at compatibility level 3.11 (3.11 only), empty below', async () => {
    expect((await fresh!.postconf('-x', 'smtp_tls_security_level')).stdout).toBe(is311 ? 'smtp_tls_security_level = may\n' : 'smtp_tls_security_level =\n');
    expect((await old!.postconf('-x', 'smtp_tls_security_level')).stdout).toBe('smtp_tls_security_level =\n');
    expect((await old!.postconf('compatibility_level')).stdout).toBe('compatibility_level = 3.10\n');
  });

  it('the fingerprint digest default is another compatibility-level expression (md5 below 3.6, sha256 from 3.6)', async () => {
    const { stdout } = await fresh!.postconf('-d', 'smtp_tls_fingerprint_digest');
    expect(stdout).toBe('smtp_tls_fingerprint_digest = ${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}\n');
  });

  it(is311 ? 'at compatibility level 3.11 with no level set, mail to a STARTTLS server is encrypted' : 'on 3.10 compatibility level 3.11 changes nothing: mail goes in plaintext', async () => {
    const before = tlsSessions(fresh!);
    const plainBefore = countLog(sinks!.pf, plainSessions);
    const d = await deliver(fresh!, 'user@tls.test');
    expect(d.status).toBe('sent');
    if (is311) {
      expect(tlsSessions(fresh!)).toBe(before + 1);
      expect(fresh!.log()).toMatch(new RegExp(`Untrusted TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${tlsPort}: TLSv1\\.3`));
      await sinks!.pf.waitForLog(/Anonymous TLS connection established from localhost\[127\.0\.0\.1\]/);
      expect(d.line).toMatch(/ delays=\S+, tls=may, dsn=2\.0\.0, status=sent/);
    } else {
      expect(tlsSessions(fresh!)).toBe(before);
      await waitForCount(sinks!.pf, plainSessions, plainBefore + 1);
      expect(d.line).not.toMatch(/ tls=/);
    }
    expect(fresh!.log()).not.toMatch(COMPAT_MESSAGE);
  });

  it('mail to a server without STARTTLS is still delivered, in plaintext (tls=may:none on 3.11)', async () => {
    const d = await deliver(fresh!, 'user@plain.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${plainPort}`);
    expect(fresh!.log()).not.toMatch(new RegExp(`TLS connection established to \\S+:${plainPort}:`));
    if (is311) expect(d.line).toMatch(/ delays=\S+, tls=may:none, dsn=2\.0\.0, status=sent/);
  });

  it('the page\'s transport with smtp_tls_security_level=none sends to the STARTTLS server in plaintext', async () => {
    const before = tlsSessions(fresh!);
    const plainBefore = countLog(sinks!.pf, plainSessions);
    const d = await deliver(fresh!, 'user@scan.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${tlsPort}`);
    expect(tlsSessions(fresh!)).toBe(before);
    await waitForCount(sinks!.pf, plainSessions, plainBefore + 1);
    if (is311) expect(d.line).toMatch(/ tls=none, dsn=2\.0\.0/);
  });

  it(is311 ? 'below compatibility level 3.11 the client stays in plaintext and logs the backwards-compatible default' : 'at compatibility level 3.10 the client sends in plaintext and logs no compatibility message', async () => {
    const plainBefore = countLog(sinks!.pf, plainSessions);
    const d = await deliver(old!, 'user@tls.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${tlsPort}`);
    expect(tlsSessions(old!)).toBe(0);
    await waitForCount(sinks!.pf, plainSessions, plainBefore + 1);
    if (is311) {
      expect(old!.log()).toMatch(COMPAT_MESSAGE);
      expect(d.line).toMatch(/ tls=none, dsn=2\.0\.0/);
    } else {
      expect(old!.log()).not.toMatch(/backwards-compatible default setting smtp_tls_security_level/);
    }
  });

  it(is311 ? 'postfix start on 3.11 below level 3.11 reminds of the backwards-compatible defaults' : 'postfix start on 3.10 at level 3.10 shows no reminder', () => {
    const reminder = /To disable backwards compatibility use "postconf compatibility_level=3\.11" and "postfix reload"/;
    if (is311) {
      expect(old!.log()).toMatch(/Postfix is using backwards-compatible default settings/);
      expect(old!.log()).toMatch(reminder);
      expect(fresh!.log()).not.toMatch(/Postfix is using backwards-compatible default settings/);
    } else {
      expect(old!.log()).not.toMatch(/Postfix is using backwards-compatible default settings/);
    }
  });

  it('below compatibility level 3.11, smtp_use_tls = yes still turns opportunistic TLS on', async () => {
    const tlsBefore = countLog(sinks!.pf, tlsSinkSessions);
    const d = await deliver(old!, 'user@legacy.test');
    expect(d.status).toBe('sent');
    expect(tlsSessions(old!)).toBe(1);
    await waitForCount(sinks!.pf, tlsSinkSessions, tlsBefore + 1);
  });

  it('the page\'s explicit smtp_tls_security_level = may encrypts at any compatibility level, without the message', async () => {
    const d = await deliver(adopted!, 'user@tls.test');
    expect(d.status).toBe('sent');
    expect(tlsSessions(adopted!)).toBe(1);
    expect(adopted!.log()).not.toMatch(/backwards-compatible default setting smtp_tls_security_level/);
    if (is311) expect(d.line).toMatch(/ tls=may, dsn=2\.0\.0/);
  });

  it("the page's where-you-stand commands, on the upgraded main.cf: level 3.10, no TLS settings, empty level in effect", async () => {
    const res = await runShellBlock('compatibility-level-3-11-client-default', 'where-you-stand', { instance: old! });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toBe('compatibility_level = 3.10\nsmtp_tls_security_level =\n');
  });

  it("the page's apply command passes postfix check and reloads", async () => {
    const res = await runShellBlock('compatibility-level-3-11-client-default', 'apply', { instance: fresh! });
    expect(res.code, res.out).toBe(0);
    await fresh!.waitForLog(/reload -- version/);
  });

  it("the page's verify command shows the TLS lines (and, on 3.11, the tls= fields) of the deliveries above", async () => {
    const res = await runShellBlock('compatibility-level-3-11-client-default', 'verify', { instance: fresh!, replacements: { '/var/log/mail.log': join(fresh!.dir, 'maillog') } });
    expect(res.code, res.out).toBe(0);
    if (is311) {
      expect(res.stdout).toMatch(/TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.3/);
      expect(res.stdout).toMatch(/ tls=may, dsn=2\.0\.0, status=sent/);
    } else {
      expect(res.stdout).not.toMatch(/ tls=/);
    }
  });

  it("the page's roll back, at compatibility level 3.10, returns the client to plaintext", async () => {
    const res = await runShellBlock('compatibility-level-3-11-client-default', 'rollback', { instance: adopted! });
    expect(res.code, res.out).toBe(0);
    await adopted!.waitForLog(/reload -- version/);
    const { stdout } = await adopted!.postconf('-n');
    expect(stdout).not.toMatch(/^smtp_tls_(security_level|loglevel) =/m);
    const before = tlsSessions(adopted!);
    const plainBefore = countLog(sinks!.pf, plainSessions);
    const d = await deliver(adopted!, 'user@tls.test');
    expect(d.status).toBe('sent');
    await waitForCount(sinks!.pf, plainSessions, plainBefore + 1);
    expect(tlsSessions(adopted!)).toBe(before);
    // 3.11 names the backwards-compatible default it now uses; 3.10 has no such message.
    expect(/backwards-compatible default setting smtp_tls_security_level=\(empty\)/.test(adopted!.log())).toBe(is311);
  });

  it("the page's roll back removes the scan transport's override from master.cf", async () => {
    const res = await runShellBlock('compatibility-level-3-11-client-default', 'rollback', { instance: fresh! });
    expect(res.code, res.out).toBe(0);
    const { stdout } = await fresh!.postconf('-P');
    expect(stdout).not.toMatch(/^scan\/unix\/smtp_tls_security_level/m);
  });
});
