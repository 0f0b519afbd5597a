// Shared pieces for outbound (SMTP client) recipe proofs: a SINK Postfix that accepts and discards mail,
// the CLIENT Postfix under test, mail injection, delivery waits, a small SMTP relay with AUTH (for SASL
// recipes) and a socketmap policy server (for MTA-STS plugins). Everything listens on 127.0.0.1 only and
// every wait has a deadline.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket, createServer as createTlsServer, type TLSSocket as TlsSocketType } from 'node:tls';
import { expectedRules } from '../../src/markdown/config-blocks.ts';
import { repoRoot } from '../support/content.ts';
import { capture, freePort, startPostfix, type PostfixInstance } from './harness.ts';
import type { PostfixRelease } from './releases.ts';

export const SINK_HOST = 'mx.test.example';
export const CLIENT_HOST = 'client.test.example';

export interface Listener {
  /** Key and certificate files for STARTTLS; omit for a listener that offers no STARTTLS at all. */
  tls?: { key: string; cert: string };
}

export interface Sinks {
  pf: PostfixInstance;
  /** One 127.0.0.1 port per listener, in the order given. */
  ports: number[];
}

/**
 * A receiving Postfix with one smtpd listener per entry (each with its own certificate, or no STARTTLS).
 * It accepts mail for every domain (mydestination is a static: table that matches anything) and discards
 * it. One instance serves many listeners because starting an instance is the slow part of a test.
 */
export async function startSinks(listeners: Listener[], hostname = SINK_HOST, release?: PostfixRelease): Promise<Sinks> {
  const master = listeners.map((l, i) => {
    const port = i === 0 ? '@PORT@' : `@PORT${i + 1}@`;
    const tls = l.tls
      ? `-o smtpd_tls_security_level=may -o smtpd_tls_chain_files=${l.tls.key},${l.tls.cert}`
      : '-o smtpd_tls_security_level=none';
    return `127.0.0.1:${port} inet n - n - - smtpd ${tls}`;
  }).join('\n');
  const pf = await startPostfix({
    release,
    hostname,
    ports: listeners.length,
    main: 'mydestination = static:all\nlocal_recipient_maps =\nlocal_transport = discard:sink\nsmtpd_tls_loglevel = 1',
    master,
  });
  return { pf, ports: pf.ports };
}

export interface ClientOptions {
  /** main.cf lines under test (usually the recipe's own block, adapted). */
  main: string;
  /** Extra master.cf lines (transports); @PORT@ is the injection smtpd, do not reuse it. */
  master?: string;
  /**
   * Recipient domain -> next hop, e.g. { 'a.test': '[127.0.0.1]:2525' } (via the smtp transport) or
   * { 'b.test': 'other:[127.0.0.1]:2526' } (via a transport defined in `master`).
   */
  routes?: Record<string, string>;
  /** The installation under test (default: the distribution's Postfix). */
  release?: PostfixRelease;
}

/** The client under test: an smtpd on @PORT@ to inject mail, and the recipe's smtp client settings. */
export function startClient(opts: ClientOptions): Promise<PostfixInstance> {
  const routes = Object.entries(opts.routes ?? {});
  const target = (hop: string) => (hop.startsWith('[') ? `smtp:${hop}` : hop);
  const transportMaps = routes.length ? `transport_maps = inline:{ ${routes.map(([d, hop]) => `${d}=${target(hop)}`).join(', ')} }` : '';
  return startPostfix({
    release: opts.release,
    hostname: CLIENT_HOST,
    // No DNS anywhere: next hops are bracketed IP literals, names come from nothing but the config.
    main: `${opts.main}\n${transportMaps}\nsmtp_tls_loglevel = 1\n`,
    master: `127.0.0.1:@PORT@ inet n - n - - smtpd\n${opts.master ?? ''}`,
  });
}

export interface Delivery {
  queueId: string;
  status: 'sent' | 'deferred' | 'bounced';
  /** The client's delivery log line (to=<...>, relay=..., status=...). */
  line: string;
}

/** Injects one message into the client's smtpd with swaks and returns the queue id. */
export async function inject(client: PostfixInstance, to: string, from = `sender@${CLIENT_HOST}`): Promise<string> {
  const res = await capture('swaks', ['--server', `127.0.0.1:${client.ports[0]}`, '--from', from, '--to', to,
    '--ehlo', 'injector.test', '--header', 'Subject: outbound TLS proof', '--body', 'test message'], '', 20_000);
  const m = /queued as ([0-9A-Za-z]+)/.exec(res.stdout);
  if (!m) throw new Error(`swaks did not get the message queued:\n${res.stdout}${res.stderr}`);
  return m[1]!;
}

/** Waits until the client logs a final or temporary delivery status for the queue id. */
export async function waitForDelivery(client: PostfixInstance, queueId: string, timeoutMs = 20_000): Promise<Delivery> {
  const [line, status] = await client.waitForLog(new RegExp(`${queueId}: to=<[^>]*>.*status=(sent|deferred|bounced).*`), timeoutMs);
  return { queueId, status: status as Delivery['status'], line: line! };
}

/** inject + waitForDelivery. */
export async function deliver(client: PostfixInstance, to: string): Promise<Delivery> {
  return waitForDelivery(client, await inject(client, to));
}

/** The client's "<Level> TLS connection established to ...:PORT" line for a sink port. */
export function tlsLineFor(client: PostfixInstance, port: number): string | undefined {
  const re = new RegExp(`(\\w+) TLS connection established to [^ ]*\\[127\\.0\\.0\\.1\\]:${port}: .*`);
  return re.exec(client.log())?.[0];
}

/** Waits for the TLS line for a port and returns it. */
export async function waitForTlsLine(client: PostfixInstance, port: number, timeoutMs = 15_000): Promise<string> {
  const [line] = await client.waitForLog(new RegExp(`\\w+ TLS connection established to [^ ]*\\[127\\.0\\.0\\.1\\]:${port}: .*`), timeoutMs);
  return line!;
}

export interface Block {
  kind: 'main' | 'master' | 'policy';
  /** First-line comment (e.g. "/etc/postfix/main.cf"), if any. */
  title: string;
  text: string;
}

/**
 * Each clean (not anti-pattern) postfix-* block of a recipe, in page order, kept separate. A ```text block
 * titled with a policy table path (title="/etc/postfix/tls_policy") counts as a policy block too: pages use
 * that form for fingerprint tables, which the block checker cannot yet judge without the page's main.cf.
 */
export function recipeBlockList(slug: string): Block[] {
  const text = readFileSync(join(repoRoot, 'content/recipes', `${slug}.md`), 'utf8');
  const out: Block[] = [];
  for (const m of text.matchAll(/^```(postfix-(main|master|policy)|text)([^\n]*)\n([\s\S]*?)^```\s*$/gm)) {
    const meta = m[3] ?? '';
    const body = m[4]!;
    if (m[1] === 'text') {
      const title = /title="(\/etc\/postfix\/[^"]*policy[^"]*)"/.exec(meta)?.[1];
      if (title) out.push({ kind: 'policy', title, text: body });
      continue;
    }
    if (expectedRules(meta).length > 0) continue;
    out.push({ kind: m[2] as Block['kind'], title: /^#\s*(\S.*)$/.exec(body.split('\n')[0] ?? '')?.[1] ?? '', text: body });
  }
  return out;
}

/** The block whose first-line comment equals `title`. Throws when the recipe has none. */
export function blockTitled(slug: string, title: string): Block {
  const b = recipeBlockList(slug).find((x) => x.title === title);
  if (!b) throw new Error(`recipe ${slug} has no block titled "${title}"`);
  return b;
}

/** SHA-256 certificate fingerprint as `openssl x509 -noout -fingerprint -sha256` prints it (AA:BB:...). */
export function certFingerprint(certFile: string): string {
  const res = spawnSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8', timeout: 10_000 });
  const m = /=([0-9A-F:]+)/.exec(res.stdout);
  if (!m) throw new Error(`no fingerprint for ${certFile}: ${res.stderr}`);
  return m[1]!;
}

/** SHA-256 public-key (SPKI) fingerprint, colon-separated, as the TLS_README pipeline computes it. */
export function publicKeyFingerprint(certFile: string): string {
  const res = spawnSync('sh', ['-c', `openssl x509 -in '${certFile}' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -c`], { encoding: 'utf8', timeout: 10_000 });
  const m = /= ?([0-9a-f:]+)\s*$/.exec(res.stdout);
  if (!m) throw new Error(`no public-key fingerprint for ${certFile}: ${res.stderr}`);
  return m[1]!;
}

// ---------------------------------------------------------------------------------------------------
// A minimal submission relay in Node: STARTTLS (or implicit TLS), AUTH PLAIN/LOGIN offered only inside
// TLS, MAIL refused before AUTH. Enough to prove what the Postfix SMTP client does, not a mail server.

export interface RelayEvent {
  tls: boolean;
  authUser?: string;
  authMechanism?: string;
  authOk?: boolean;
  mailFrom?: string;
  delivered: boolean;
}

export interface SaslRelay {
  port: number;
  events: RelayEvent[];
  close(): Promise<void>;
}

export interface SaslRelayOptions {
  key: string;
  cert: string;
  user: string;
  password: string;
  /** 'starttls' (port 587 style) or 'implicit' (port 465 style). */
  mode: 'starttls' | 'implicit';
  hostname?: string;
}

export async function startSaslRelay(opts: SaslRelayOptions): Promise<SaslRelay> {
  const port = await freePort();
  const key = readFileSync(opts.key);
  const cert = readFileSync(opts.cert);
  const name = opts.hostname ?? 'relay.test.example';
  const events: RelayEvent[] = [];
  const sockets = new Set<Socket>();

  const session = (initial: Socket | TlsSocketType, initiallyTls: boolean) => {
    const ev: RelayEvent = { tls: initiallyTls, delivered: false };
    events.push(ev);
    let sock: Socket | TlsSocketType = initial;
    let buf = '';
    let inData = false;
    let pending: 'plain' | 'login-user' | 'login-pass' | undefined;
    let loginUser = '';
    let authed = false;
    const send = (line: string) => sock.write(`${line}\r\n`);
    const checkAuth = (user: string, pass: string, mech: string) => {
      ev.authUser = user; ev.authMechanism = mech;
      ev.authOk = user === opts.user && pass === opts.password;
      authed = ev.authOk;
      send(ev.authOk ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
    };
    const onLine = (line: string) => {
      if (inData) {
        if (line === '.') { inData = false; ev.delivered = true; send('250 2.0.0 Ok: queued'); }
        return;
      }
      if (pending === 'plain') {
        pending = undefined;
        const [, user = '', pass = ''] = Buffer.from(line, 'base64').toString('utf8').split('\0');
        return checkAuth(user, pass, 'PLAIN');
      }
      if (pending === 'login-user') { pending = 'login-pass'; loginUser = Buffer.from(line, 'base64').toString('utf8'); return send('334 UGFzc3dvcmQ6'); }
      if (pending === 'login-pass') { pending = undefined; return checkAuth(loginUser, Buffer.from(line, 'base64').toString('utf8'), 'LOGIN'); }
      const [verb = '', ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO': {
          const caps = ev.tls ? ['AUTH PLAIN LOGIN', '8BITMIME'] : ['STARTTLS', '8BITMIME'];
          send(`250-${name}`);
          caps.forEach((c, i) => send(`250${i === caps.length - 1 ? ' ' : '-'}${c}`));
          return;
        }
        case 'HELO': return send(`250 ${name}`);
        case 'STARTTLS': {
          if (ev.tls) return send('503 5.5.1 Already in TLS');
          send('220 2.0.0 Ready to start TLS');
          sock.removeAllListeners('data');
          const secure = new TLSSocket(sock as Socket, { isServer: true, key, cert });
          secure.on('error', () => secure.destroy());
          ev.tls = true;
          buf = '';
          sock = secure;
          secure.on('data', onData);
          return;
        }
        case 'AUTH': {
          if (!ev.tls) return send('538 5.7.11 Encryption required for requested authentication mechanism');
          const [mech = '', initial] = arg.split(' ');
          if (mech.toUpperCase() === 'PLAIN') {
            if (initial) {
              const [, user = '', pass = ''] = Buffer.from(initial, 'base64').toString('utf8').split('\0');
              return checkAuth(user, pass, 'PLAIN');
            }
            pending = 'plain';
            return send('334 ');
          }
          if (mech.toUpperCase() === 'LOGIN') {
            if (initial) { loginUser = Buffer.from(initial, 'base64').toString('utf8'); pending = 'login-pass'; return send('334 UGFzc3dvcmQ6'); }
            pending = 'login-user';
            return send('334 VXNlcm5hbWU6');
          }
          return send('504 5.5.4 Unrecognized authentication type');
        }
        case 'MAIL':
          if (!authed) return send('530 5.7.0 Authentication required');
          ev.mailFrom = arg;
          return send('250 2.1.0 Ok');
        case 'RCPT': return send('250 2.1.5 Ok');
        case 'DATA': inData = true; return send('354 End data with <CR><LF>.<CR><LF>');
        case 'RSET': return send('250 2.0.0 Ok');
        case 'NOOP': return send('250 2.0.0 Ok');
        case 'QUIT': send('221 2.0.0 Bye'); sock.end(); return;
        default: return send('502 5.5.2 Error: command not recognized');
      }
    };
    function onData(chunk: Buffer) {
      buf += chunk.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        onLine(line);
      }
    }
    sock.on('data', onData);
    sock.on('error', () => sock.destroy());
    send(`220 ${name} ESMTP test relay`);
  };

  let server: Server;
  if (opts.mode === 'implicit') {
    server = createTlsServer({ key, cert }, (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); session(s, true); });
  } else {
    server = createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); session(s, false); });
  }
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => resolve()); });
  return {
    port,
    events,
    close: () => new Promise<void>((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }),
  };
}

// ---------------------------------------------------------------------------------------------------
// A socketmap(5) server (netstring protocol) standing in for an MTA-STS policy plugin such as
// postfix-mta-sts-resolver: `answer(name, key)` returns the policy text or undefined for NOTFOUND.

export interface SocketmapServer {
  port: number;
  queries: { name: string; key: string }[];
  close(): Promise<void>;
}

export async function startSocketmap(answer: (name: string, key: string) => string | undefined): Promise<SocketmapServer> {
  const port = await freePort();
  const queries: { name: string; key: string }[] = [];
  const sockets = new Set<Socket>();
  const netstring = (s: string) => `${Buffer.byteLength(s)}:${s},`;
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const colon = buf.indexOf(':');
        if (colon < 0) return;
        const len = Number(buf.subarray(0, colon).toString());
        if (!Number.isInteger(len) || buf.length < colon + 1 + len + 1) return;
        const req = buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
        buf = buf.subarray(colon + 1 + len + 1);
        const sp = req.indexOf(' ');
        const name = req.slice(0, sp);
        const key = req.slice(sp + 1);
        queries.push({ name, key });
        const value = answer(name, key);
        sock.write(netstring(value === undefined ? 'NOTFOUND ' : `OK ${value}`));
      }
    });
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => resolve()); });
  return {
    port,
    queries,
    close: () => new Promise<void>((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }),
  };
}

/**
 * Re-keys a policy table for the test: each line whose first field is a key of `keys` gets one line per
 * new key, the rest of the line (level and attributes) unchanged. Lines with other keys are dropped.
 */
export function rekeyPolicy(policy: string, keys: Record<string, string[]>): string {
  const out: string[] = [];
  for (const line of policy.split('\n')) {
    const m = /^(\S+)(\s+.*)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    for (const k of keys[m[1]!] ?? []) out.push(`${k}${m[2]}`);
  }
  return out.join('\n') + '\n';
}

/**
 * Writes a policy table source file into `dir` (a test's own temp dir), builds it with postmap (using an
 * empty main.cf in the same dir, so no system configuration is needed) and returns "hash:<path>".
 */
export async function installPolicy(dir: string, text: string, name = 'tls_policy', release?: PostfixRelease): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, text);
  if (!existsSync(join(dir, 'main.cf'))) writeFileSync(join(dir, 'main.cf'), '');
  const res = await capture(join(release?.sbin ?? '/usr/sbin', 'postmap'), ['-c', dir, `hash:${file}`]);
  if (res.status !== 0) throw new Error(`postmap ${file} failed: ${res.stdout}${res.stderr}`);
  return `hash:${file}`;
}

/** How often `pattern` (global flag added) occurs in the instance's log. */
export function countLog(pf: PostfixInstance, pattern: RegExp): number {
  return (pf.log().match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`)) ?? []).length;
}

/** Waits until `pattern` occurs at least `n` times in the log, or throws after the deadline. */
export async function waitForCount(pf: PostfixInstance, pattern: RegExp, n: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (countLog(pf, pattern) < n) {
    if (Date.now() > deadline) throw new Error(`log has ${countLog(pf, pattern)} < ${n} matches of ${pattern}; tail:\n${pf.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The anti-pattern blocks of a recipe (those with expect="..."), with the rule ids they declare. */
export function recipeAntiPatterns(slug: string): (Block & { expected: string[] })[] {
  const text = readFileSync(join(repoRoot, 'content/recipes', `${slug}.md`), 'utf8');
  const out: (Block & { expected: string[] })[] = [];
  for (const m of text.matchAll(/^```postfix-(main|master|policy)([^\n]*)\n([\s\S]*?)^```\s*$/gm)) {
    const expected = expectedRules(m[2]);
    if (expected.length === 0) continue;
    const body = m[3]!;
    out.push({ kind: m[1] as Block['kind'], title: /^#\s*(\S.*)$/.exec(body.split('\n')[0] ?? '')?.[1] ?? '', text: body, expected });
  }
  return out;
}

/** The body of a ```text block with title="<title>" (files that are not main.cf/master.cf/policy tables). */
export function textBlockTitled(slug: string, title: string): string {
  const text = readFileSync(join(repoRoot, 'content/recipes', `${slug}.md`), 'utf8');
  for (const m of text.matchAll(/^```text([^\n]*)\n([\s\S]*?)^```\s*$/gm)) {
    if (/title="([^"]*)"/.exec(m[1] ?? '')?.[1] === title) return m[2]!;
  }
  throw new Error(`recipe ${slug} has no text block titled "${title}"`);
}

/** Submits a message with the instance's sendmail(1), as local applications do; returns once accepted. */
export async function sendmailInject(pf: PostfixInstance, to: string, from: string): Promise<void> {
  const msg = `From: ${from}\nTo: ${to}\nSubject: outbound TLS proof\n\ntest message\n`;
  const res = await capture(pf.command('sendmail'), ['-C', pf.dir, '-f', from, to], msg, 20_000);
  if (res.status !== 0) throw new Error(`sendmail failed (${res.status}): ${res.stdout}${res.stderr}`);
}

/** Waits for the delivery line of a recipient (for mail whose queue id the test does not know). */
export async function waitForRecipient(pf: PostfixInstance, to: string, timeoutMs = 20_000): Promise<Delivery> {
  const esc = to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const [line, queueId, status] = await pf.waitForLog(new RegExp(`([0-9A-F]+): to=<${esc}>.*status=(sent|deferred|bounced).*`), timeoutMs);
  return { queueId: queueId!, status: status as Delivery['status'], line: line! };
}
