import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { TLSSocket, createSecureContext, type SecureContextOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { freePort, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { proofReleases } from '../releases.ts';
import {
  blockTitled, deliver, installPolicy, rekeyPolicy, startClient, startSinks, textBlockTitled, type Delivery, type Sinks,
} from '../outbound.ts';
import { runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const SLUG = 'openssl-3-and-crypto-policies';

/**
 * Removes the renegotiation_info extension (0xff01) from the ServerHello at the start of `buf` (one TLS 1.2
 * record, possibly followed by more bytes), fixing the extension, handshake and record lengths.
 */
function stripRenegotiationInfo(buf: Buffer): Buffer {
  if (buf[0] !== 0x16 || buf[5] !== 0x02) return buf;
  let p = 9 + 2 + 32;
  p += 1 + buf[p]!; // session id
  p += 3; // cipher suite, compression
  const extStart = p + 2;
  const extEnd = extStart + buf.readUInt16BE(p);
  for (let q = extStart; q + 4 <= extEnd;) {
    const type = buf.readUInt16BE(q);
    const len = buf.readUInt16BE(q + 2);
    if (type === 0xff01) {
      const cut = 4 + len;
      const out = Buffer.concat([buf.subarray(0, q), buf.subarray(q + cut)]);
      out.writeUInt16BE(out.readUInt16BE(p) - cut, p);
      const hs = out.readUIntBE(6, 3) - cut;
      out.writeUIntBE(hs, 6, 3);
      out.writeUInt16BE(out.readUInt16BE(3) - cut, 3);
      return out;
    }
    q += 4 + len;
  }
  return buf;
}

/** A duplex between a TLS server socket and the raw connection that rewrites the first server record. */
function tamperingStream(raw: Socket): Duplex {
  let first = true;
  let pending = Buffer.alloc(0);
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (!first) { raw.write(chunk); cb(); return; }
      pending = Buffer.concat([pending, chunk]);
      if (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
        first = false;
        raw.write(stripRenegotiationInfo(pending));
      }
      cb();
    },
  });
  raw.on('data', (c: Buffer) => d.push(c));
  raw.on('end', () => d.push(null));
  raw.on('error', () => d.destroy());
  return d;
}

interface LegacyMx {
  port: number;
  sessions: { tls: boolean; delivered: boolean }[];
  close(): Promise<void>;
}

/**
 * A stand-in for an old MX: SMTP with STARTTLS whose TLS side is configured with `tls` (protocol range,
 * ciphers, DH group) and optionally drops the secure renegotiation extension from its ServerHello.
 * Mail is accepted with or without TLS.
 */
async function startLegacyMx(tls: SecureContextOptions, opts: { stripRenegotiationInfo?: boolean } = {}): Promise<LegacyMx> {
  const port = await freePort();
  const context = createSecureContext(tls);
  const sessions: LegacyMx['sessions'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => raw.destroy());
    const ev = { tls: false, delivered: false };
    sessions.push(ev);
    let sock: Socket | TLSSocket = raw;
    let buf = '';
    let inData = false;
    const send = (line: string) => { if (!sock.destroyed) sock.write(`${line}\r\n`); };
    const onLine = (line: string) => {
      if (inData) {
        if (line === '.') { inData = false; ev.delivered = true; send('250 2.0.0 Ok: queued'); }
        return;
      }
      const verb = line.split(' ')[0]!.toUpperCase();
      switch (verb) {
        case 'EHLO': send('250-old.test.example'); send(ev.tls ? '250 8BITMIME' : '250-STARTTLS'); if (!ev.tls) send('250 8BITMIME'); return;
        case 'HELO': return send('250 old.test.example');
        case 'STARTTLS': {
          send('220 2.0.0 Ready to start TLS');
          raw.removeAllListeners('data');
          const carrier = opts.stripRenegotiationInfo ? tamperingStream(raw) : raw;
          const secure = new TLSSocket(carrier, { isServer: true, secureContext: context });
          secure.on('error', () => { secure.destroy(); raw.destroy(); });
          ev.tls = true;
          buf = '';
          sock = secure;
          secure.on('data', onData);
          return;
        }
        case 'MAIL': case 'RCPT': case 'RSET': case 'NOOP': return send('250 2.0.0 Ok');
        case 'DATA': inData = true; return send('354 End data with <CR><LF>.<CR><LF>');
        case 'QUIT': send('221 2.0.0 Bye'); sock.end(); return;
        default: return send('502 5.5.2 Error: command not recognized');
      }
    };
    function onData(chunk: Buffer) {
      buf += chunk.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 2); onLine(line); }
    }
    raw.on('data', onData);
    send('220 old.test.example ESMTP legacy stand-in');
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => resolve()); });
  return {
    port,
    sessions,
    close: () => new Promise<void>((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }),
  };
}

describe.runIf(enabled).each(enabled ? proofReleases('openssl-3-and-crypto-policies') : [])('recipe: openssl-3-and-crypto-policies on Postfix $label', (release) => {
  let work = '';
  let tls1: LegacyMx | undefined;
  let dhe: LegacyMx | undefined;
  let noRi: LegacyMx | undefined;
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  let strictServer: PostfixInstance | undefined;
  const hop = (port: number, zeros = '') => `[127.0.0.1]:${zeros}${port}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-seclevel-'));
    const pki = createPki(work);
    const rsa = pki.server('mx.old-partner.example', 'rsa');
    const key = readFileSync(rsa.key);
    const cert = readFileSync(rsa.cert);
    const dhFile = join(work, 'dh1024.pem');
    const gen = spawnSync('openssl', ['dhparam', '-out', dhFile, '1024'], { encoding: 'utf8', timeout: 60_000 });
    if (gen.status !== 0) throw new Error(`openssl dhparam failed: ${gen.stderr}`);
    tls1 = await startLegacyMx({ key, cert, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    dhe = await startLegacyMx({ key, cert, maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0', dhparam: readFileSync(dhFile) });
    noRi = await startLegacyMx({ key, cert, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }, { stripRenegotiationInfo: true });
    sinks = await startSinks([{ tls: pki.server('mx.example.com', 'rsa') }], 'mx.example.com', release);

    // The page's policy entry, and the same entry without its exclusion (the failing case), for the TLS 1.0 MX.
    const pagePolicy = blockTitled(SLUG, '/etc/postfix/tls_policy').text;
    const strict = pagePolicy.replace(/\s+exclude=\S+/, '');
    expect(strict).not.toBe(pagePolicy);
    const table = rekeyPolicy(pagePolicy, { 'old-partner.example': [hop(tls1.port)] })
      + rekeyPolicy(strict, { 'old-partner.example': [hop(tls1.port, '0')] })
      // verify without exclusions for the 1024-bit DHE MX (key :0PORT); the may level needs no entry.
      + rekeyPolicy(strict, { 'old-partner.example': [hop(dhe.port, '0')] });
    const map = await installPolicy(work, table, 'tls_policy', release);

    // An OpenSSL file that would forbid both stand-ins if Postfix honoured its level and protocol floor.
    const cnf = join(work, 'strict-openssl.cnf');
    writeFileSync(cnf, 'postfix_strict = pf_sect\n[pf_sect]\nssl_conf = pf_ssl\n[pf_ssl]\nsystem_default = pf_sys\n[pf_sys]\nCipherString = DEFAULT:@SECLEVEL=2\nMinProtocol = TLSv1.2\n');

    // An smtpd that loads the same file: TLS 1.0 clients must still get through.
    const mx = pki.server('mx.example.com', 'rsa');
    strictServer = await startPostfix({
      release,
      main: `smtpd_tls_security_level = may\nsmtpd_tls_loglevel = 1\nsmtpd_tls_chain_files = ${mx.key}, ${mx.cert}`,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd -o tls_config_file=${cnf} -o tls_config_name=postfix_strict`,
    });

    const transport = textBlockTitled(SLUG, '/etc/postfix/transport');
    const [, transportName] = /^\S+\s+([\w-]+):/m.exec(transport)!;
    const main = substitute(blockTitled(SLUG, '/etc/postfix/main.cf').text, {
      '/etc/ssl/certs/ca-certificates.crt': pki.caCert,
      'hash:/etc/postfix/tls_policy': map,
    }).replace(/^transport_maps = .*$/m, '');
    const master = blockTitled(SLUG, '/etc/postfix/master.cf').text.replace(/^(\S+\s+unix\s+\S+\s+\S+\s+)y/m, '$1n');
    client = await startClient({
      release,
      main,
      master: `${master}
strictcnf unix - - n - - smtp -o tls_config_file=${cnf} -o tls_config_name=postfix_strict
brokencnf unix - - n - - smtp -o tls_config_file=${join(work, 'missing.cnf')}`,
      routes: {
        'may-tls1.test': hop(tls1.port, '00'),
        'old-partner.example': hop(tls1.port),
        'strict-tls1.test': hop(tls1.port, '0'),
        'may-dhe.test': hop(dhe.port),
        'verify-dhe.test': hop(dhe.port, '0'),
        'nori.test': hop(noRi.port),
        'old-appliance.example': `${transportName}:${hop(noRi.port, '0')}`,
        'cnf-tls1.test': `strictcnf:${hop(tls1.port, '000')}`,
        'cnf-dhe.test': `strictcnf:${hop(dhe.port, '00')}`,
        'broken-cnf.test': `brokencnf:${hop(tls1.port, '0000')}`,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), strictServer?.stop(), sinks?.pf.stop(), tls1?.close(), dhe?.close(), noRi?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  /** The client's log lines of the smtp process that made delivery `d`, since its previous delivery. */
  const sessionLines = (d: Delivery): string => {
    const lines = client!.log().split('\n');
    const at = lines.findIndex((l) => l.includes(`${d.queueId}: to=<`));
    const pid = /smtp\[(\d+)\]/.exec(lines[at] ?? '')?.[1];
    const out: string[] = [];
    for (let i = at - 1; i >= 0; i--) {
      if (!lines[i]!.includes(`smtp[${pid}]:`)) continue;
      if (/: to=</.test(lines[i]!)) break;
      out.unshift(lines[i]!);
    }
    return out.join('\n');
  };
  const tlsLine = (d: Delivery) => /(\w+) TLS connection established to \S+: (.*)/.exec(sessionLines(d))?.slice(1, 3);

  it("the machine's OpenSSL is built for level 2 and its openssl.cnf has no system_default section", async () => {
    const res = await runShellBlock('openssl-3-and-crypto-policies', 'versions', { instance: client! });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/^OpenSSL 3\.\d+\.\d+ /m);
    expect(res.stdout).toContain('OPENSSL_TLS_SECURITY_LEVEL=2');
    const cnf = readFileSync('/etc/ssl/openssl.cnf', 'utf8');
    expect(/system_default|CipherString|MinProtocol/.test(cnf.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n'))).toBe(false);
    expect(res.stdout).toContain('no system_default settings');
  });

  it('1024-bit DHE: s_client at the system level says "dh key too small", level 1 and Postfix connect', async () => {
    const hostPort = { 'mx.old-partner.example:25': `127.0.0.1:${dhe!.port}` };
    const strict = await runShellBlock('openssl-3-and-crypto-policies', 'sclient-dh', { replacements: hostPort });
    expect(strict.out).toMatch(/dh key too small/);
    expect(strict.out).not.toMatch(/CONNECTION ESTABLISHED/);
    const level1 = await runShellBlock('openssl-3-and-crypto-policies', 'sclient-dh-level1', { replacements: hostPort });
    expect(level1.out).toMatch(/CONNECTION ESTABLISHED/);
    expect(level1.out).toMatch(/Ciphersuite: DHE-RSA-AES128-GCM-SHA256/);

    const may = await deliver(client!, 'someone@may-dhe.test');
    expect(may.status).toBe('sent');
    expect(tlsLine(may)?.[1]).toMatch(/^TLSv1\.2 with cipher DHE-RSA-AES128-GCM-SHA256/);
    const verified = await deliver(client!, 'someone@verify-dhe.test');
    expect(verified.status).toBe('sent');
    expect(tlsLine(verified)).toEqual(['Verified', expect.stringMatching(/^TLSv1\.2 with cipher DHE-RSA-AES128-GCM-SHA256/)]);
    expect(client!.log()).not.toMatch(/dh key too small/);
  });

  it('TLS 1.0 peer: may works, verify fails with "legacy sigalg", the page\'s exclude entry delivers verified', async () => {
    const may = await deliver(client!, 'someone@may-tls1.test');
    expect(may.status).toBe('sent');
    expect(tlsLine(may)?.[1]).toMatch(/^TLSv1 with cipher ECDHE-RSA-/);

    const strict = await deliver(client!, 'someone@strict-tls1.test');
    expect(strict.status).toBe('deferred');
    expect(strict.line).toMatch(/Cannot start TLS: handshake failure/);
    expect(sessionLines(strict)).toMatch(/SSL_connect error to 127\.0\.0\.1\[127\.0\.0\.1\]/);
    expect(sessionLines(strict)).toMatch(/TLS library problem: .*legacy sigalg disallowed or unsupported/);

    const fixed = await deliver(client!, 'someone@old-partner.example');
    expect(fixed.status).toBe('sent');
    expect(tlsLine(fixed)).toEqual(['Verified', expect.stringMatching(/^TLSv1 with cipher AES256-SHA /)]);
  });

  it('no RFC 5746: the default client logs "unsafe legacy renegotiation disabled", the legacy-ri transport passes that check', async () => {
    const plain = await deliver(client!, 'someone@nori.test');
    // A new message is deferred; only a retry after minimal_backoff_time would go without TLS.
    expect(plain.status).toBe('deferred');
    expect(plain.line).toMatch(/Cannot start TLS: handshake failure/);
    expect(sessionLines(plain)).toMatch(/TLS library problem: .*unsafe legacy renegotiation disabled/);

    const viaTransport = await deliver(client!, 'someone@old-appliance.example');
    const lines = sessionLines(viaTransport);
    expect(lines).toMatch(/SSL_connect error to 127\.0\.0\.1\[127\.0\.0\.1\]/);
    // The handshake got past the ServerHello check; it failed later only because the stand-in tampered with it.
    expect(lines).not.toMatch(/unsafe legacy renegotiation/);
    expect(lines).toMatch(/TLS library problem: .*bad record mac/);
  });

  it('smtpd accepts a TLS 1.0 client at level 0; s_client at the system level refuses the signature itself', async () => {
    const hostPort = { 'mx.example.com:25': `127.0.0.1:${sinks!.ports[0]}` };
    const ok = await runShellBlock('openssl-3-and-crypto-policies', 'sclient-tls1', { replacements: hostPort });
    expect(ok.out).toMatch(/CONNECTION ESTABLISHED/);
    expect(ok.out).toMatch(/Protocol version: TLSv1\n/);
    const refused = await runShellBlock('openssl-3-and-crypto-policies', 'sclient-tls1-default', { replacements: hostPort });
    expect(refused.out).toMatch(/legacy sigalg disallowed or unsupported/);
    await sinks!.pf.waitForLog(/TLS connection established from \S+: TLSv1 with cipher/);
  });

  it("an OpenSSL file's level and MinProtocol do not bind Postfix; a missing file disables TLS", async () => {
    const tlsv1 = await deliver(client!, 'someone@cnf-tls1.test');
    expect(tlsv1.status).toBe('sent');
    expect(tlsLine(tlsv1)?.[1]).toMatch(/^TLSv1 with cipher/);
    const dh = await deliver(client!, 'someone@cnf-dhe.test');
    expect(dh.status).toBe('sent');
    expect(tlsLine(dh)?.[1]).toMatch(/^TLSv1\.2 with cipher DHE-RSA/);

    const inbound = await runShellBlock('openssl-3-and-crypto-policies', 'sclient-tls1', { replacements: { 'mx.example.com:25': `127.0.0.1:${strictServer!.ports[0]}` } });
    expect(inbound.out).toMatch(/Protocol version: TLSv1\n/);
    await strictServer!.waitForLog(/TLS connection established from \S+: TLSv1 with cipher/);

    const broken = await deliver(client!, 'someone@broken-cnf.test');
    expect(sessionLines(broken)).toMatch(/error loading the 'global' settings from the \S*missing\.cnf OpenSSL configuration file, disabling TLS support/);
    expect(tlsLine(broken)).toBeUndefined();
    expect(broken.status).toBe('sent');
    expect(tls1!.sessions.some((x) => x.delivered && !x.tls)).toBe(true);
  });

  it('the verify command finds the lines this page describes', async () => {
    const log = join(client!.dir, 'maillog');
    const res = await runShellBlock('openssl-3-and-crypto-policies', 'verify-log', { replacements: { '/var/log/mail.log': log } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/TLS connection established to/);
  });

  it('apply and roll back: the tables are built, reloaded, and the entries removed again', async () => {
    const dir = join(work, 'page-tables');
    spawnSync('mkdir', ['-p', dir]);
    const policy = join(dir, 'tls_policy');
    const transport = join(dir, 'transport');
    writeFileSync(policy, blockTitled(SLUG, '/etc/postfix/tls_policy').text);
    writeFileSync(transport, textBlockTitled(SLUG, '/etc/postfix/transport'));
    const paths = { '/etc/postfix/tls_policy': policy, '/etc/postfix/transport': transport };
    const applied = await runShellBlock('openssl-3-and-crypto-policies', 'apply', { instance: client!, replacements: paths });
    expect(applied.code, applied.out).toBe(0);
    expect(existsSync(`${policy}.db`) && existsSync(`${transport}.db`)).toBe(true);
    const q = (file: string, key: string) => spawnSync(client!.command('postmap'), ['-c', client!.dir, '-q', key, `hash:${file}`], { encoding: 'utf8' }).stdout.trim();
    expect(q(policy, 'old-partner.example')).toMatch(/^verify /);
    expect(q(transport, 'old-appliance.example')).toBe('legacy-ri:');
    await client!.waitForLog(/reload -- version/);

    const back = await runShellBlock('openssl-3-and-crypto-policies', 'roll-back', { instance: client!, replacements: paths });
    expect(back.code, back.out).toBe(0);
    expect(readFileSync(policy, 'utf8')).not.toMatch(/old-partner/);
    expect(readFileSync(transport, 'utf8')).not.toMatch(/old-appliance/);
    expect(q(policy, 'old-partner.example')).toBe('');
    expect(q(transport, 'old-appliance.example')).toBe('');
  });
});
