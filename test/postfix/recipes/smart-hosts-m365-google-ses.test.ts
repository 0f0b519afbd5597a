import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, freePort, postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { blockTitled, countLog, inject, installPolicy, recipeBlockList, startClient, startSaslRelay, textBlockTitled, waitForCount, waitForDelivery, type SaslRelay } from '../outbound.ts';
import { runShellBlock, substitute } from '../recipe-blocks.ts';
import { proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();
const SLUG = 'smart-hosts-m365-google-ses';

// The provider endpoints named on the page; each is replaced by a local stand-in (through a recorder).
const M365 = '[smtp.office365.com]:587';
const SES = '[email-smtp.eu-west-1.amazonaws.com]:2587';
const SES465 = '[email-smtp.eu-west-1.amazonaws.com]:465';
const GOOGLE = '[smtp.gmail.com]:587';
// The AWS documentation's example secret access key: what a reader pastes instead of the SES SMTP password.
const IAM_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

interface Recorder {
  port: number;
  /** Per connection: every byte the client (Postfix) sent. */
  sessions: Buffer[][];
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a stand-in relay that records what the client sends. With `offerAuth`, it adds
 * "AUTH PLAIN LOGIN" to the relay's plaintext EHLO reply (before STARTTLS), as a relay that offers AUTH
 * without TLS would: the client must still not log in before TLS.
 */
async function startRecorder(target: number, offerAuth: boolean): Promise<Recorder> {
  const port = await freePort();
  const sessions: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const sent: Buffer[] = [];
    sessions.push(sent);
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); }
    let plaintext = offerAuth;
    let pending = '';
    client.on('data', (d: Buffer) => {
      sent.push(d);
      if (plaintext && /STARTTLS\r\n/i.test(Buffer.concat(sent).toString('latin1'))) plaintext = false;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!plaintext) {
        if (pending) { client.write(pending, 'latin1'); pending = ''; }
        client.write(d);
        return;
      }
      pending += d.toString('latin1');
      let i: number;
      while ((i = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, i + 2);
        pending = pending.slice(i + 2);
        if (/^250-STARTTLS\r\n$/i.test(line)) client.write('250-AUTH PLAIN LOGIN\r\n', 'latin1');
        client.write(line, 'latin1');
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => resolve()); });
  return { port, sessions, close: () => new Promise<void>((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }) };
}

/** What the client sent before the TLS handshake began (everything, if it never sent STARTTLS). */
function beforeTls(sent: Buffer[]): { plain: string; afterStarttls: Buffer | undefined } {
  const all = Buffer.concat(sent);
  const text = all.toString('latin1');
  const m = /STARTTLS\r\n/i.exec(text);
  if (!m) return { plain: text, afterStarttls: undefined };
  return { plain: text.slice(0, m.index), afterStarttls: all.subarray(m.index + m[0].length) };
}

/** The page's password table as key -> { user, password }. */
function credentials(table: string): Map<string, { user: string; password: string }> {
  const out = new Map<string, { user: string; password: string }>();
  for (const line of table.split('\n')) {
    const m = /^([^#\s]\S*)\s+([^:\s]+):(\S+)\s*$/.exec(line);
    if (m) out.set(m[1]!, { user: m[2]!, password: m[3]! });
  }
  return out;
}

describe.runIf(enabled).each(enabled ? proofReleases('smart-hosts-m365-google-ses') : [])('recipe: smart-hosts-m365-google-ses on Postfix $label', (release) => {
  let work = '';
  const relays: Record<'m365' | 'ses' | 'google' | 'ses465', SaslRelay | undefined> = { m365: undefined, ses: undefined, google: undefined, ses465: undefined };
  const proxies: Record<'m365' | 'ses' | 'google' | 'ses465', Recorder | undefined> = { m365: undefined, ses: undefined, google: undefined, ses465: undefined };
  let client: PostfixInstance | undefined;
  let client465: PostfixInstance | undefined;
  let creds = new Map<string, { user: string; password: string }>();
  let files: Record<string, string> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-smart-'));
    const pki = createPki(work);
    const cert = pki.server('relay.test.example');
    creds = credentials(textBlockTitled(SLUG, '/etc/postfix/sasl_passwd'));
    const login = (key: string) => { const c = creds.get(key); if (!c) throw new Error(`no ${key} line in the page's sasl_passwd`); return c; };
    relays.m365 = await startSaslRelay({ ...cert, ...login('alerts@example.com'), mode: 'starttls', hostname: 'm365.test.example' });
    relays.ses = await startSaslRelay({ ...cert, ...login('@news.example.com'), mode: 'starttls', hostname: 'ses.test.example' });
    relays.google = await startSaslRelay({ ...cert, ...login(GOOGLE), mode: 'starttls', hostname: 'google.test.example' });
    relays.ses465 = await startSaslRelay({ ...cert, ...login('@news.example.com'), mode: 'implicit', hostname: 'ses465.test.example' });
    proxies.m365 = await startRecorder(relays.m365.port, true);
    proxies.ses = await startRecorder(relays.ses.port, true);
    proxies.google = await startRecorder(relays.google.port, true);
    proxies.ses465 = await startRecorder(relays.ses465.port, false);
    const hosts = {
      [M365]: `[127.0.0.1]:${proxies.m365.port}`,
      [SES]: `[127.0.0.1]:${proxies.ses.port}`,
      [SES465]: `[127.0.0.1]:${proxies.ses465.port}`,
      [GOOGLE]: `[127.0.0.1]:${proxies.google.port}`,
    };
    files = {
      '/etc/postfix/sasl_passwd': join(work, 'sasl_passwd'),
      '/etc/postfix/sender_relay': join(work, 'sender_relay'),
      '/etc/postfix/sender_transport': join(work, 'sender_transport'),
      '/etc/ssl/certs/ca-certificates.crt': pki.caCert,
    };
    // The page's tables with the relays' host names replaced. Test scaffolding: @wrong.example goes to the
    // SES stand-in with the IAM secret key as its password (the first mistake on the page).
    writeFileSync(files['/etc/postfix/sender_relay']!, `${substitute(textBlockTitled(SLUG, '/etc/postfix/sender_relay'), hosts)}@wrong.example  ${hosts[SES]}\n`, { mode: 0o644 });
    writeFileSync(files['/etc/postfix/sasl_passwd']!, `${substitute(textBlockTitled(SLUG, '/etc/postfix/sasl_passwd'), hosts)}@wrong.example  ${login('@news.example.com').user}:${IAM_SECRET}\n`, { mode: 0o644 });
    const main = substitute(blockTitled(SLUG, '/etc/postfix/main.cf').text, { ...hosts, ...files });
    client = await startClient({
      release,
      main,
      // Control for the recorder: a transport without TLS whose SASL options allow plaintext mechanisms.
      // And the page's mistake "sender-keyed logins without smtp_sender_dependent_authentication".
      master: 'plaintext unix - - n - - smtp -o smtp_tls_security_level=none -o smtp_sasl_security_options=noanonymous\n'
        + 'nosender unix - - n - - smtp -o smtp_sender_dependent_authentication=no',
      routes: { 'plain.test': `plaintext:${hosts[GOOGLE]}`, 'nosender.test': `nosender:${hosts[M365]}` },
    });
    // The page's apply commands build both tables and reload.
    const applied = await runShellBlock('smart-hosts-m365-google-ses', 'apply', { instance: client, replacements: files });
    expect(applied.code, applied.out).toBe(0);
    await client.waitForLog(/reload -- version/);

    // The port 465 variant: the same main.cf plus the page's transport and sender_transport table.
    const variant = recipeBlockList(SLUG);
    const master465 = variant.find((b) => b.kind === 'master')!.text;
    const table465 = await installPolicy(work, substitute(textBlockTitled(SLUG, '/etc/postfix/sender_transport'), hosts), 'sender_transport', release);
    client465 = await startClient({
      release,
      main: `${main}\n${substitute(blockTitled(SLUG, '/etc/postfix/main.cf (a sender on port 465)').text, { 'hash:/etc/postfix/sender_transport': table465 })}`,
      master: master465,
    });
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), client465?.stop()]);
    await Promise.allSettled([...Object.values(relays), ...Object.values(proxies)].map((x) => x?.close()));
    rmSync(work, { recursive: true, force: true });
  });

  const delivered = (relay: SaslRelay, from: string) => relay.events.filter((e) => e.delivered && e.mailFrom?.includes(`<${from}>`));

  it('mail from alerts@example.com goes to the Microsoft 365 stand-in with that sender\'s login', async () => {
    const d = await waitForDelivery(client!, await inject(client!, 'you@example.org', 'alerts@example.com'));
    expect(d.status, d.line).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${proxies.m365!.port}`);
    const [ev] = delivered(relays.m365!, 'alerts@example.com');
    expect(ev).toMatchObject({ tls: true, authOk: true, authUser: creds.get('alerts@example.com')!.user });
  });

  it('mail from newsletter@news.example.com goes to the SES stand-in with the @news.example.com login', async () => {
    const d = await waitForDelivery(client!, await inject(client!, 'you@example.org', 'newsletter@news.example.com'));
    expect(d.status, d.line).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${proxies.ses!.port}`);
    const [ev] = delivered(relays.ses!, 'newsletter@news.example.com');
    expect(ev).toMatchObject({ tls: true, authOk: true, authUser: creds.get('@news.example.com')!.user });
  });

  it('a sender without an entry uses the default relayhost and the login keyed by that relay', async () => {
    const d = await waitForDelivery(client!, await inject(client!, 'you@example.org', 'root@example.com'));
    expect(d.status, d.line).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${proxies.google!.port}`);
    const [ev] = delivered(relays.google!, 'root@example.com');
    expect(ev).toMatchObject({ tls: true, authOk: true, authUser: creds.get(GOOGLE)!.user });
  });

  it('each relay saw only its own user, and no login failed', () => {
    for (const [name, key] of [['m365', 'alerts@example.com'], ['ses', '@news.example.com'], ['google', GOOGLE]] as const) {
      const users = new Set(relays[name]!.events.filter((e) => e.authUser !== undefined).map((e) => e.authUser));
      expect([...users], name).toEqual([creds.get(key)!.user]);
      expect(relays[name]!.events.every((e) => e.authOk !== false), name).toBe(true);
    }
  });

  it('no AUTH, user name or password is sent before TLS, though the relay offers AUTH in plaintext', () => {
    let checked = 0;
    for (const name of ['m365', 'ses', 'google'] as const) {
      for (const sent of proxies[name]!.sessions) {
        const { plain, afterStarttls } = beforeTls(sent);
        if (!/^EHLO /m.test(plain)) continue; // a connection that ended before EHLO
        checked++;
        expect(afterStarttls, `${name}: the client sent STARTTLS`).toBeDefined();
        expect(afterStarttls![0], `${name}: a TLS handshake record follows STARTTLS`).toBe(0x16);
        expect(plain).not.toMatch(/^AUTH /im);
        for (const { user, password } of creds.values()) {
          for (const secret of [password, Buffer.from(password).toString('base64'), Buffer.from(user).toString('base64')]) {
            expect(plain).not.toContain(secret);
          }
          expect(Buffer.concat(sent).toString('latin1')).not.toContain(password);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('control: a transport without TLS and without noplaintext does send AUTH in plaintext, and the recorder sees it', async () => {
    const before = proxies.google!.sessions.length;
    const d = await waitForDelivery(client!, await inject(client!, 'someone@plain.test', 'root@example.com'));
    expect(d.status).toBe('deferred');
    const sessions = proxies.google!.sessions.slice(before).map((s) => beforeTls(s));
    expect(sessions.some((s) => s.afterStarttls === undefined && /^AUTH (PLAIN|LOGIN)/im.test(s.plain)), JSON.stringify(sessions.map((s) => s.plain))).toBe(true);
  });

  it('without smtp_sender_dependent_authentication the sender-keyed login is ignored: no AUTH, and the relay refuses the mail', async () => {
    const before = relays.m365!.events.length;
    const d = await waitForDelivery(client!, await inject(client!, 'someone@nosender.test', 'alerts@example.com'));
    expect(d.status).toBe('bounced');
    expect(d.line).toMatch(/said: 530 5\.7\.0 Authentication required \(in reply to MAIL FROM command\)/);
    const sessions = relays.m365!.events.slice(before);
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every((e) => e.tls && e.authUser === undefined && !e.delivered)).toBe(true);
  });

  it('wrong credentials (the IAM secret key for SES) give 535 and the mail is deferred', async () => {
    const d = await waitForDelivery(client!, await inject(client!, 'you@example.org', 'x@wrong.example'));
    expect(d.status).toBe('deferred');
    expect(d.line).toMatch(new RegExp(`SASL authentication failed; server 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\] said: 535 5\\.7\\.8 Authentication credentials invalid`));
    expect(relays.ses!.events.some((e) => e.authOk === false && e.authUser === creds.get('@news.example.com')!.user)).toBe(true);
    expect(relays.ses!.events.filter((e) => e.authOk === false).every((e) => !e.delivered)).toBe(true);
  });

  it('the 465 variant: @news.example.com goes to the implicit-TLS stand-in in wrapper mode; other senders keep their relays', async () => {
    const before = proxies.ses465!.sessions.length;
    const d = await waitForDelivery(client465!, await inject(client465!, 'you@example.org', 'newsletter@news.example.com'));
    expect(d.status, d.line).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${proxies.ses465!.port}`);
    expect(d.line).toMatch(/ delays=/);
    const first = proxies.ses465!.sessions.slice(before).find((s) => s.length > 0)!;
    expect(Buffer.concat(first)[0], 'the connection opens with a TLS handshake record').toBe(0x16);
    expect(Buffer.concat(first).toString('latin1')).not.toMatch(/EHLO /);
    const [ev] = delivered(relays.ses465!, 'newsletter@news.example.com');
    expect(ev).toMatchObject({ tls: true, authOk: true, authUser: creds.get('@news.example.com')!.user });
    const other = await waitForDelivery(client465!, await inject(client465!, 'you@example.org', 'alerts@example.com'));
    expect(other.line).toContain(`relay=127.0.0.1[127.0.0.1]:${proxies.m365!.port}`);
    expect(other.status).toBe('sent');
  });

  it("the page's verify commands: table lookups, one message per sender, and the log lines", async () => {
    const tables = await runShellBlock('smart-hosts-m365-google-ses', 'verify-tables', { instance: client!, replacements: files });
    expect(tables.code, tables.out).toBe(0);
    expect(tables.stdout.split('\n').filter(Boolean)).toEqual([`[127.0.0.1]:${proxies.m365!.port}`, `[127.0.0.1]:${proxies.ses!.port}`]);
    // The page's warning: postmap -q does not fall back from the address to its @domain.
    const full = await capture(client!.command('postmap'), ['-c', client!.dir, '-q', 'newsletter@news.example.com', `hash:${files['/etc/postfix/sender_relay']}`]);
    expect(full.status).toBe(1);
    expect(full.stdout).toBe('');
    const sentLine = /to=<you@example\.org>.*status=sent/;
    const linesBefore = countLog(client!, sentLine);
    const before = [delivered(relays.m365!, 'alerts@example.com').length, delivered(relays.ses!, 'newsletter@news.example.com').length, delivered(relays.google!, 'root@example.com').length];
    const sent = await runShellBlock('smart-hosts-m365-google-ses', 'verify-send', { instance: client! });
    expect(sent.code, sent.out).toBe(0);
    await waitForCount(client!, sentLine, linesBefore + 3, 30_000);
    const log = await runShellBlock('smart-hosts-m365-google-ses', 'verify-log', { instance: client!, replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(log.code, log.out).toBe(0);
    for (const p of [proxies.m365!, proxies.ses!, proxies.google!]) expect(log.stdout).toContain(`relay=127.0.0.1[127.0.0.1]:${p.port}`);
    // The sendmail(1) messages reached the same relays, with the senders' own logins, as the injected ones.
    expect([delivered(relays.m365!, 'alerts@example.com').length, delivered(relays.ses!, 'newsletter@news.example.com').length, delivered(relays.google!, 'root@example.com').length])
      .toEqual(before.map((n) => n + 1));
  });

  it("the page's roll back: afterwards alerts@example.com goes to the default relayhost with the default login", async () => {
    const res = await runShellBlock('smart-hosts-m365-google-ses', 'rollback', { instance: client! });
    expect(res.code, res.out).toBe(0);
    expect((await client!.postconf('-n', 'sender_dependent_relayhost_maps')).stdout).toBe('');
    await waitForCount(client!, /reload -- version/, 2);
    const after = await waitForDelivery(client!, await inject(client!, 'you@example.org', 'alerts@example.com'));
    expect(after.status, after.line).toBe('sent');
    expect(after.line).toContain(`relay=127.0.0.1[127.0.0.1]:${proxies.google!.port}`);
    const [ev] = delivered(relays.google!, 'alerts@example.com');
    expect(ev).toMatchObject({ tls: true, authOk: true, authUser: creds.get(GOOGLE)!.user });
  });
});
