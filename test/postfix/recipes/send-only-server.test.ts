import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { proofReleases } from '../releases.ts';
import { countLog, sendmailInject, waitForCount, startClient, startSinks, tlsLineFor, waitForRecipient, waitForTlsLine, type Sinks } from '../outbound.ts';
import { recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? proofReleases('send-only-server') : [])('recipe: send-only-server on Postfix $label', (release) => {
  let work = '';
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  let tlsPort = 0, plainPort = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-sendonly-'));
    const pki = createPki(work);
    sinks = await startSinks([{ tls: pki.server('mx.test.example') }, {}], undefined, release);
    [tlsPort, plainPort] = sinks.ports as [number, number];
    const main = substitute(recipeBlocks('send-only-server').main, { '/etc/ssl/certs/ca-certificates.crt': pki.caCert });
    // The host before the change: the page's main.cf without its smtp_tls_* lines.
    client = await startClient({
      release,
      main: main.split('\n').filter((l) => !l.startsWith('smtp_tls_')).join('\n'),
      routes: { 'tls.test': `[127.0.0.1]:${tlsPort}`, 'plain.test': `[127.0.0.1]:${plainPort}` },
    });
    // The page's steps: save main.cf, add the settings, `postfix check && postfix reload`.
    const etc = { '/etc/postfix': client.dir };
    expect((await runShellBlock('send-only-server', 'backup', { instance: client, replacements: etc })).code).toBe(0);
    appendFileSync(join(client.dir, 'main.cf'), `\n${main}\n`);
    const applied = await runShellBlock('send-only-server', 'apply', { instance: client });
    expect(applied.code, applied.out).toBe(0);
    await client.waitForLog(/reload -- version/);
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), sinks?.pf.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('mail from sendmail(1) goes out over STARTTLS to a receiver that offers it', async () => {
    await sendmailInject(client!, 'reader@tls.test', 'bounces@example.com');
    const d = await waitForRecipient(client!, 'reader@tls.test');
    expect(d.status).toBe('sent');
    expect(await waitForTlsLine(client!, tlsPort)).toMatch(/^Trusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.[23]/);
  });

  it('and in plaintext to a receiver without STARTTLS', async () => {
    await sendmailInject(client!, 'reader@plain.test', 'bounces@example.com');
    const d = await waitForRecipient(client!, 'reader@plain.test');
    expect(d.status).toBe('sent');
    expect(tlsLineFor(client!, plainPort)).toBeUndefined();
  });

  it('needs no server-side TLS: postconf -n shows no smtpd_tls_* and no client certificate', async () => {
    const { stdout } = await client!.postconf('-n');
    expect(stdout).toMatch(/^smtp_tls_security_level = may$/m);
    expect(stdout).toMatch(/^inet_interfaces = loopback-only$/m);
    expect(stdout).not.toMatch(/^smtpd_tls_/m);
    expect(stdout).not.toMatch(/^smtp_tls_(chain_files|cert_file|key_file|eccert_file)/m);
  });

  it('the roll back restores the saved main.cf, and mail to the STARTTLS receiver then goes in plaintext', async () => {
    const saved = readFileSync(join(client!.dir, 'main.cf.before-tls'), 'utf8');
    const reloads = countLog(client!, /reload -- version/);
    const res = await runShellBlock('send-only-server', 'rollback', { instance: client!, replacements: { '/etc/postfix': client!.dir } });
    expect(res.code, res.out).toBe(0);
    expect(readFileSync(join(client!.dir, 'main.cf'), 'utf8')).toBe(saved);
    await waitForCount(client!, /reload -- version/, reloads + 1);
    expect((await client!.postconf('-n')).stdout).not.toMatch(/^smtp_tls_security_level/m);
    const tlsBefore = countLog(client!, new RegExp(`TLS connection established to [^ ]*:${tlsPort}:`));
    await sendmailInject(client!, 'after@tls.test', 'bounces@example.com');
    expect((await waitForRecipient(client!, 'after@tls.test')).status).toBe('sent');
    expect(countLog(client!, new RegExp(`TLS connection established to [^ ]*:${tlsPort}:`))).toBe(tlsBefore);
  });
});
