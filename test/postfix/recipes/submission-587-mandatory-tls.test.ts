import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { runAsync as run, startFakeDovecotAuth } from '../dovecot-auth.ts';
import { postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { localizeMaster, recipeBlocks, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const USER = 'alice@mail.example.com';
const PASSWORD = 'correct horse';


/** A plaintext SMTP dialogue: sends each command after the previous reply is complete; returns all replies. */
function dialogue(port: number, commands: string[], timeoutMs = 10_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const replies: string[] = [];
    let buf = '';
    const queue = [...commands];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`SMTP dialogue timed out; so far: ${replies.join(' | ')}`)); }, timeoutMs);
    sock.on('data', (chunk) => {
      buf += chunk.toString();
      const m = /(^|\n)\d{3} [^\n]*\r?\n$/.exec(buf);
      if (!m) return;
      replies.push(buf);
      buf = '';
      const next = queue.shift();
      if (next === undefined) { clearTimeout(timer); sock.end(); resolve(replies); } else sock.write(`${next}\r\n`);
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

const probe = (port: number, args: string[]) =>
  run('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-brief', ...args]);
const swaks = (port: number, args: string[]) =>
  run('swaks', ['--server', `127.0.0.1:${port}`, '--ehlo', 'client.test', '--from', USER, '--to', 'bob@remote.example', '--quit-after', 'RCPT', ...args]);

describe.runIf(enabled)('recipe: submission-587-mandatory-tls', () => {
  let pf: PostfixInstance | undefined;
  let auth: Server | undefined;
  let work = '';
  let mx = 0; // opportunistic "port 25"
  let submission = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-submission-'));
    chmodSync(work, 0o755); // smtpd runs as the postfix user and must reach the auth socket
    const socket = join(work, 'auth');
    auth = await startFakeDovecotAuth(socket, USER, PASSWORD);
    const { key, cert } = createPki(work).server('mail.example.com');
    const { main, master } = recipeBlocks('submission-587-mandatory-tls');
    pf = await startPostfix({
      ports: 2,
      main: substitute(main, {
        '/etc/postfix/tls/mail.key.pem': key,
        '/etc/postfix/tls/mail.fullchain.pem': cert,
        'smtpd_sasl_path = private/auth': `smtpd_sasl_path = ${socket}`,
      }),
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd\n${localizeMaster(master, { submission: '127.0.0.1:@PORT2@' })}`,
    });
    [mx, submission] = pf.ports as [number, number];
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

  it('still accepts TLSv1.1 on the opportunistic port 25 service', async () => {
    const res = await probe(mx, ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    expect(res.out).toMatch(/Protocol version: TLSv1\.1/);
  });
});
