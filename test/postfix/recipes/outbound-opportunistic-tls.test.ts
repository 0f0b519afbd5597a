import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { countLog, deliver, startClient, startSinks, tlsLineFor, waitForCount, waitForTlsLine, type Sinks } from '../outbound.ts';
import { recipeBlocks, substitute, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? proofReleases('outbound-opportunistic-tls') : [])('recipe: outbound-opportunistic-tls on Postfix $label', (release) => {
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  // The recipe's main.cf without its smtp_tls_security_level line, at the harness's compatibility level
  // (2 or 3.6): the client at its built-in default.
  let bare: PostfixInstance | undefined;
  // Postfix 3.11 only: the same, at compatibility_level = 3.11.
  let bare311: PostfixInstance | undefined;
  let certDir = '';
  let tlsPort = 0;
  let plainPort = 0;
  const is311 = atLeast(release, '3.11');

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    sinks = await startSinks([{ tls: pki.server('mx.test.example') }, {}], undefined, release);
    [tlsPort, plainPort] = sinks.ports as [number, number];
    const main = substitute(recipeBlocks('outbound-opportunistic-tls').main, { '/etc/ssl/certs/ca-certificates.crt': pki.caCert });
    const withoutLevel = main.split('\n').filter((l) => !/^smtp_tls_security_level\s*=/.test(l)).join('\n');
    expect(withoutLevel).not.toBe(main);
    [client, bare, bare311] = await Promise.all([
      startClient({ release, main, routes: { 'tls.test': `[127.0.0.1]:${tlsPort}`, 'plain.test': `[127.0.0.1]:${plainPort}` } }),
      startClient({ release, main: withoutLevel, routes: { 'default.test': `[127.0.0.1]:${tlsPort}` } }),
      // A later compatibility_level line in main.cf replaces the harness's.
      is311 ? startClient({ release, main: `compatibility_level = 3.11\n${withoutLevel}`, routes: { 'compat311.test': `[127.0.0.1]:${tlsPort}` } }) : undefined,
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), bare?.stop(), bare311?.stop(), sinks?.pf.stop()]);
    rmSync(certDir, { recursive: true, force: true });
  });

  it('sends over TLS to a server that offers STARTTLS and logs a Trusted connection', async () => {
    const d = await deliver(client!, 'user@tls.test');
    expect(d.status).toBe('sent');
    const line = await waitForTlsLine(client!, tlsPort);
    expect(line).toMatch(/^Trusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.[23] with cipher /);
    await sinks!.pf.waitForLog(/Anonymous TLS connection established from localhost\[127\.0\.0\.1\]/);
  });

  it('still delivers, in plaintext, to a server without STARTTLS', async () => {
    const d = await deliver(client!, 'user@plain.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${plainPort}`);
    expect(tlsLineFor(client!, plainPort)).toBeUndefined();
  });

  it('without the setting (empty default below compatibility_level 3.11) the client ignores STARTTLS', async () => {
    // The built-in default: empty before 3.11; on 3.11 an expression that is empty below level 3.11.
    const { stdout: dflt } = await bare!.postconf('-d', 'smtp_tls_security_level');
    expect(dflt.trim()).toBe(is311 ? 'smtp_tls_security_level = ${{$compatibility_level} <level {3.11} ? {} : {may}}' : 'smtp_tls_security_level =');
    const { stdout: effective } = await bare!.postconf('-xh', 'smtp_tls_security_level');
    expect(effective.trim()).toBe('');
    const plainSessions = /disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5/;
    const plainBefore = countLog(sinks!.pf, plainSessions);
    const d = await deliver(bare!, 'user@default.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${tlsPort}`);
    expect(countLog(bare!, /TLS connection established/)).toBe(0);
    // The sink saw one more session without STARTTLS (smtpd's disconnect line counts the commands).
    await waitForCount(sinks!.pf, plainSessions, plainBefore + 1);
  });

  it('on 3.11 the default becomes may at compatibility_level 3.11; before 3.11 no level turns TLS on', async () => {
    if (!is311) {
      expect(bare311).toBeUndefined();
      const { stdout } = await bare!.postconf('-d', 'smtp_tls_security_level');
      expect(stdout).not.toContain('may');
      return;
    }
    const { stdout } = await bare311!.postconf('-xh', 'smtp_tls_security_level');
    expect(stdout.trim()).toBe('may');
    const d = await deliver(bare311!, 'user@compat311.test');
    expect(d.status).toBe('sent');
    expect(await waitForTlsLine(bare311!, tlsPort)).toMatch(/^Trusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.[23] /);
  });

  it("the page's log grep, run on this client's log after the deliveries above, shows the lines it names", async () => {
    const res = await runShellBlock('outbound-opportunistic-tls', 'log', { replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/postfix\/smtp\[\d+\]: (Untrusted|Trusted|Verified) TLS connection established to/);
  });

  it("the page's apply command lists the client's smtp_tls settings and reloads", async () => {
    const res = await runShellBlock('outbound-opportunistic-tls', 'apply', { instance: client! });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/^smtp_tls_security_level = may$/m);
    await client!.waitForLog(/reload -- version/);
  });

  it("the page's before-you-start listing shows the smtp_tls settings in main.cf", async () => {
    const res = await runShellBlock('outbound-opportunistic-tls', 'before', { instance: client! });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/^smtp_tls_security_level = may$/m);
    expect(res.stdout).not.toContain('no smtp_tls_ settings');
  });

  it("the page's roll back removes the settings; the client then sends to the STARTTLS server in plaintext", async () => {
    const res = await runShellBlock('outbound-opportunistic-tls', 'rollback', { instance: client! });
    expect(res.code, res.out).toBe(0);
    await client!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const { stdout } = await client!.postconf('-n');
    expect(stdout).not.toMatch(/^smtp_tls_(security_level|CAfile|loglevel|session_cache_database) =/m);
    const listing = await runShellBlock('outbound-opportunistic-tls', 'before', { instance: client! });
    expect(listing.stdout).toContain('no smtp_tls_ settings');
    // The harness's compatibility_level is below 3.11 on every release, so the default is plaintext.
    const tlsLines = new RegExp(`TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${tlsPort}:`);
    const tlsBefore = countLog(client!, tlsLines);
    const plainSessions = /disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5/;
    const plainBefore = countLog(sinks!.pf, plainSessions);
    const d = await deliver(client!, 'user@tls.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${tlsPort}`);
    await waitForCount(sinks!.pf, plainSessions, plainBefore + 1);
    expect(countLog(client!, tlsLines)).toBe(tlsBefore);
  });
});
