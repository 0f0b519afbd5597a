import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { runAsync as run, startFakeDovecotAuth } from '../dovecot-auth.ts';
import { postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { localizeMaster, recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';
import { proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();
const USER = 'alice@mail.example.com';
const PASSWORD = 'correct horse';


/** Implicit TLS: the handshake starts at once, no -starttls. */
const probe = (port: number, args: string[] = []) =>
  run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-brief', ...args]);
const swaks = (port: number, args: string[]) =>
  run('swaks', ['--server', `127.0.0.1:${port}`, '--tls-on-connect', '--ehlo', 'client.test', '--from', USER, '--to', 'bob@remote.example', '--quit-after', 'RCPT', ...args]);

/** Connects in plaintext like an SMTP client and collects whatever the server sends within `waitMs`. */
function plaintextGreeting(port: number, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); });
    // The server resets the connection once it sees plaintext where a ClientHello belongs.
    sock.on('error', () => resolve(got));
    setTimeout(() => { sock.write('EHLO client.test\r\n'); setTimeout(() => { sock.destroy(); resolve(got); }, 500); }, waitMs);
  });
}

describe.runIf(enabled).each(enabled ? proofReleases('implicit-tls-465') : [])('recipe: implicit-tls-465 on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let auth: Server | undefined;
  let work = '';
  let port = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-smtps-'));
    chmodSync(work, 0o755); // smtpd runs as the postfix user and must reach the auth socket
    const socket = join(work, 'auth');
    auth = await startFakeDovecotAuth(socket, USER, PASSWORD);
    const { key, cert } = createPki(work).server('mail.example.com');
    const { main, master } = recipeBlocks('implicit-tls-465');
    pf = await startPostfix({
      release,
      main: substitute(main, {
        '/etc/postfix/tls/mail.key.pem': key,
        '/etc/postfix/tls/mail.fullchain.pem': cert,
        'smtpd_sasl_path = private/auth': `smtpd_sasl_path = ${socket}`,
      }),
      master: localizeMaster(master, { submissions: '127.0.0.1:@PORT@' }),
    });
    port = pf.ports[0]!;
  });

  afterAll(async () => {
    await pf?.stop();
    await new Promise((r) => (auth ? auth.close(r) : r(undefined)));
    rmSync(work, { recursive: true, force: true });
  });

  it("the page's apply commands reload the instance and show wrapper mode on the 465 service", async () => {
    // The proof's listener is named 127.0.0.1:port rather than "submissions" (see not_tested).
    const res = await runShellBlock('implicit-tls-465', 'apply-465', { instance: pf!, replacements: { 'submissions/inet': `127.0.0.1:${port}/inet` } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port}/inet/smtpd_tls_wrappermode = yes$`, 'm'));
    await pf!.waitForLog(/reload -- version/);
  });

  it("the page's s_client command shows TLSv1.3, then the 220 greeting and 221 inside TLS", async () => {
    const res = await runShellBlock('implicit-tls-465', 'verify-465', { replacements: { 'mail.example.com:465': `127.0.0.1:${port}` } });
    expect(res.out).toMatch(/Protocol version: TLSv1\.3/);
    expect(res.stdout).toMatch(/^220 mx\.test\.example ESMTP\r?\n221 2\.0\.0 Bye/m);
  });

  it("the page's swaks command sees AUTH in the first EHLO reply and no STARTTLS", async () => {
    const res = await runShellBlock('implicit-tls-465', 'ehlo-465', { replacements: { 'mail.example.com:465': `127.0.0.1:${port}` } });
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/<~\s+250[ -]AUTH PLAIN LOGIN/);
    expect(res.out).not.toMatch(/STARTTLS/);
  });

  it('speaks TLS from the first byte and greets inside the TLS session', async () => {
    // -ign_eof: keep reading after stdin ends, until the server answers QUIT and closes.
    const res = await probe(port, ['-tls1_3', '-ign_eof']);
    expect(res.out).toMatch(/Protocol version: TLSv1\.3/);
    // s_client prints only decrypted application data, so the greeting and QUIT reply came through TLS.
    expect(res.out).toMatch(/^220 mx\.test\.example ESMTP\r?\n221 2\.0\.0 Bye/m);
  });

  it('sends no plaintext greeting, and logs an SSL_accept error for a plaintext client', async () => {
    const got = await plaintextGreeting(port, 1500);
    expect(got).not.toMatch(/220/);
    await pf!.waitForLog(/postfix\/submissions\/smtpd\[\d+\]: SSL_accept error from localhost\[127\.0\.0\.1\]/);
  });

  it('lists AUTH in the first EHLO; the right password may relay, a wrong one gets 535', async () => {
    const ok = await swaks(port, ['--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASSWORD]);
    expect(ok.out).not.toMatch(/STARTTLS/);
    expect(ok.out).toMatch(/<~\s+250[ -]AUTH PLAIN LOGIN/);
    expect(ok.out).toMatch(/<~\s+235 2\.7\.0 Authentication successful/);
    expect(ok.out).toMatch(/<~\s+250 2\.1\.5 Ok/);
    const bad = await swaks(port, ['--auth', 'PLAIN', '--auth-user', USER, '--auth-password', 'wrong']);
    expect(bad.out).toMatch(/<~\*\s+535 5\.7\.8/);
  });

  it('does not let a client relay without logging in', async () => {
    const res = await swaks(port, []);
    expect(res.out).toMatch(/<~\*\s+5\d\d 5\.7\.1 .*Access denied/);
  });

  it('refuses TLSv1.1 (wrapper mode uses the mandatory protocol list)', async () => {
    const res = await probe(port, ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    expect(res.out).not.toMatch(/Protocol version: TLSv1\.1/);
    expect(res.out).toMatch(/alert protocol version/);
    await pf!.waitForLog(/postfix\/submissions\/smtpd\[\d+\]: warning: TLS library problem: .*unsupported protocol/);
  });

  it("the page's roll back comments out the listener, and after the reload port 465 is closed", async () => {
    const res = await runShellBlock('implicit-tls-465', 'rollback', { instance: pf!, replacements: { 'submissions/inet': `127.0.0.1:${port}/inet` } });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const { stdout } = await pf!.postconf('-M');
    expect(stdout).not.toContain(`127.0.0.1:${port}`);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(pf!.dir, 'master.cf'), 'utf8')).toMatch(new RegExp(`^#\\s*127\\.0\\.0\\.1:${port}\\s+inet`, 'm'));
    // The master closes the socket once it has re-read master.cf: poll until connections are refused.
    let refused = false;
    for (let i = 0; i < 50 && !refused; i++) {
      refused = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => { s.destroy(); resolve(false); });
        s.once('error', () => resolve(true));
      });
      if (!refused) await new Promise((r) => setTimeout(r, 200));
    }
    expect(refused).toBe(true);
  });
});
