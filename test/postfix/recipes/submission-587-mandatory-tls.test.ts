import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { runAsync as run, startFakeDovecotAuth } from '../dovecot-auth.ts';
import { postfixTierAvailable, smtpDialogue, startPostfix, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { localizeMaster, recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const USER = 'alice@mail.example.com';
const PASSWORD = 'correct horse';


const dialogue = (port: number, commands: string[]) => smtpDialogue(port, commands);

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function waitListening(port: number, want: boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let now = await listening(port);
  while (now !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    now = await listening(port);
  }
  return now;
}

const probe = (port: number, args: string[]) =>
  run('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-brief', ...args]);
const swaks = (port: number, args: string[]) =>
  run('swaks', ['--server', `127.0.0.1:${port}`, '--ehlo', 'client.test', '--from', USER, '--to', 'bob@remote.example', '--quit-after', 'RCPT', ...args]);

describe.runIf(enabled).each(enabled ? proofReleases('submission-587-mandatory-tls') : [])('recipe: submission-587-mandatory-tls on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let auth: Server | undefined;
  let work = '';
  let mx = 0; // opportunistic "port 25"
  let submission = 0;
  let minMax = 0; // the submission service with the ">=TLSv1.2" form of the floor

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-submission-'));
    chmodSync(work, 0o755); // smtpd runs as the postfix user and must reach the auth socket
    const socket = join(work, 'auth');
    auth = await startFakeDovecotAuth(socket, USER, PASSWORD);
    const { key, cert } = createPki(work).server('mail.example.com');
    const { main, master } = recipeBlocks('submission-587-mandatory-tls');
    pf = await startPostfix({
      release,
      ports: 3,
      main: substitute(main, {
        '/etc/postfix/tls/mail.key.pem': key,
        '/etc/postfix/tls/mail.fullchain.pem': cert,
        'smtpd_sasl_path = private/auth': `smtpd_sasl_path = ${socket}`,
      }),
      // Before the change: port 25 (and the test's own ">=TLSv1.2" variant), no submission service yet.
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
${localizeMaster(master, { submission: '127.0.0.1:@PORT3@' }).replace('syslog_name=postfix/submission', 'syslog_name=postfix/minmax')}
  -o smtpd_tls_mandatory_protocols=>=TLSv1.2`,
    });
    [mx, submission, minMax] = pf.ports as [number, number, number];
    // The page's steps: save both files, add the submission entry, `postfix check && postfix reload`.
    const backup = await runShellBlock('submission-587-mandatory-tls', 'backup', { instance: pf, replacements: { '/etc/postfix': pf.dir } });
    expect(backup.code, backup.out).toBe(0);
    appendFileSync(join(pf.dir, 'master.cf'), `\n${localizeMaster(master, { submission: `127.0.0.1:${submission}` })}\n`);
    const applied = await runShellBlock('submission-587-mandatory-tls', 'apply', { instance: pf, replacements: { 'submission/inet': `127.0.0.1:${submission}/inet` } });
    expect(applied.code, applied.out).toBe(0);
    expect(await waitListening(submission, true)).toBe(true);
  });

  afterAll(async () => {
    await pf?.stop();
    await new Promise((r) => (auth ? auth.close(r) : r(undefined)));
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses AUTH and MAIL before STARTTLS and does not advertise AUTH in plaintext', async () => {
    const [banner, ehlo, authReply, mail] = await dialogue(submission, ['EHLO client.test', 'AUTH PLAIN AGFsaWNlAHNlY3JldA==', `MAIL FROM:<${USER}>`, 'QUIT']);
    expect(banner).toMatch(/^220 /);
    expect(ehlo).toMatch(/250[ -]STARTTLS/);
    expect(ehlo).not.toMatch(/AUTH/);
    expect(authReply).toMatch(/^530 5\.7\.0 Must issue a STARTTLS command first/);
    expect(mail).toMatch(/^530 5\.7\.0 Must issue a STARTTLS command first/);
  });

  it("the page's apply commands reload and show encrypt on the submission service", async () => {
    const res = await runShellBlock('submission-587-mandatory-tls', 'apply', { instance: pf!, replacements: { 'submission/inet': `127.0.0.1:${submission}/inet` } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/^smtpd_tls_mandatory_protocols = .+$/m);
    expect(res.stdout).toContain(`127.0.0.1:${submission}/inet/smtpd_tls_security_level = encrypt`);
    await pf!.waitForLog(/reload -- version/);
  });

  it("the page's swaks commands: no AUTH and MAIL refused before STARTTLS, AUTH listed after it", async () => {
    const at = { replacements: { 'mail.example.com:587': `127.0.0.1:${submission}` } };
    const before = await runShellBlock('submission-587-mandatory-tls', 'before-starttls', at);
    expect(before.out).toMatch(/<-\s+250[ -]STARTTLS/);
    expect(before.out).not.toMatch(/AUTH/);
    expect(before.out).toMatch(/<\*\*\s+530 5\.7\.0 Must issue a STARTTLS command first/);
    const after = await runShellBlock('submission-587-mandatory-tls', 'after-starttls', at);
    expect(after.code, after.out).toBe(0);
    expect(after.out).toMatch(/<~\s+250[ -]AUTH PLAIN LOGIN/);
  });

  it("the page's protocol-floor commands: TLSv1.1 fails with a protocol version alert, TLSv1.2 connects", async () => {
    const res = await runShellBlock('submission-587-mandatory-tls', 'protocol-floor', { replacements: { 'mail.example.com:587': `127.0.0.1:${submission}` } });
    expect(res.out).toMatch(/alert protocol version/);
    expect(res.out).toMatch(/Protocol version: TLSv1\.2/);
    await pf!.waitForLog(/postfix\/submission\/smtpd\[\d+\]: warning: TLS library problem: .*unsupported protocol/);
  });

  it('offers AUTH after STARTTLS; the right password may relay, a wrong one gets 535', async () => {
    const ok = await swaks(submission, ['--tls', '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASSWORD]);
    expect(ok.out).toMatch(/<~\s+250[ -]AUTH PLAIN LOGIN/);
    expect(ok.out).toMatch(/<~\s+235 2\.7\.0 Authentication successful/);
    expect(ok.out).toMatch(/<~\s+250 2\.1\.5 Ok/);
    const bad = await swaks(submission, ['--tls', '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', 'wrong']);
    expect(bad.out).toMatch(/<~\*\s+535 5\.7\.8/);
  });

  it('does not let a client relay after STARTTLS without logging in', async () => {
    const res = await swaks(submission, ['--tls']);
    expect(res.out).toMatch(/<~\*\s+5\d\d 5\.7\.1 .*Access denied/);
  });

  it('refuses TLSv1 and TLSv1.1 on 587 but accepts TLSv1.2 and TLSv1.3', async () => {
    for (const old of ['-tls1', '-tls1_1']) {
      const res = await probe(submission, [old, '-cipher', 'DEFAULT:@SECLEVEL=0']);
      expect(res.out).not.toMatch(/Protocol version: TLSv1(\.1)?\b/);
      expect(res.out).toMatch(/alert protocol version/);
    }
    await pf!.waitForLog(/postfix\/submission\/smtpd\[\d+\]: warning: TLS library problem: .*unsupported protocol/);
    expect((await probe(submission, ['-tls1_2'])).out).toMatch(/Protocol version: TLSv1\.2/);
    expect((await probe(submission, ['-tls1_3'])).out).toMatch(/Protocol version: TLSv1\.3/);
  });

  it('the ">=TLSv1.2" form works from 3.6; on 3.4 and 3.5 it switches TLS off on the mandatory-TLS port', async () => {
    if (atLeast(release, '3.6')) {
      const old = await probe(minMax, ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
      expect(old.out).toMatch(/alert protocol version/);
      expect((await probe(minMax, ['-tls1_2'])).out).toMatch(/Protocol version: TLSv1\.2/);
      expect(pf!.log()).not.toMatch(/Invalid TLS protocol list/);
    } else {
      // The older parser rejects the whole value: STARTTLS is still listed but fails, and at level encrypt
      // nothing else is accepted either.
      const [, ehlo, starttls, mail] = await dialogue(minMax, ['EHLO client.test', 'STARTTLS', `MAIL FROM:<${USER}>`, 'QUIT']);
      expect(ehlo).toMatch(/250[ -]STARTTLS/);
      expect(starttls).toMatch(/^454 4\.7\.0 TLS not available due to local problem/);
      expect(mail).toMatch(/^530 5\.7\.0 Must issue a STARTTLS command first/);
      await pf!.waitForLog(/postfix\/minmax\/smtpd\[\d+\]: warning: Invalid TLS protocol list ">=TLSv1\.2": disabling TLS support/);
    }
  });

  it('still accepts TLSv1.1 on the opportunistic port 25 service', async () => {
    const res = await probe(mx, ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    expect(res.out).toMatch(/Protocol version: TLSv1\.1/);
  });

  it("the page's roll back restores the saved main.cf and master.cf; port 587 stops listening, port 25 stays", async () => {
    const res = await runShellBlock('submission-587-mandatory-tls', 'rollback', { instance: pf!, replacements: { '/etc/postfix': pf!.dir } });
    expect(res.code, res.out).toBe(0);
    expect(readFileSync(join(pf!.dir, 'master.cf'), 'utf8')).toBe(readFileSync(join(pf!.dir, 'master.cf.before-587'), 'utf8'));
    expect(readFileSync(join(pf!.dir, 'main.cf'), 'utf8')).toBe(readFileSync(join(pf!.dir, 'main.cf.before-587'), 'utf8'));
    expect(await waitListening(submission, false)).toBe(false);
    const [banner] = await dialogue(mx, ['QUIT']);
    expect(banner).toMatch(/^220 /);
  });
});
